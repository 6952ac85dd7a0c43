package dev.p2pdma.base;

/**
 * Sizes in words for people: the largest binary unit (KiB, MiB, GiB, TiB) that divides the size
 * exactly, else bytes ("64 MiB", "4 KiB", "1000 bytes"). Stateless; thread-safe.
 */
public final class BinarySize {

    /** The units above bytes, each 1024 times the one before. */
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

    private BinarySize() {
    }

    /**
     * The size in the largest exact binary unit.
     *
     * @param bytes    the size
     * @param byteUnit what to call a size that is not a whole number of KiB ("bytes", "B")
     */
    public static String text(long bytes, String byteUnit) {
        int u = -1;
        long v = bytes;
        while (u < UNITS.length - 1 && v >= 1024 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return v + " " + (u < 0 ? byteUnit : UNITS[u]);
    }
}
