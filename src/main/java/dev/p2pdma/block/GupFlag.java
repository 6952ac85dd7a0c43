package dev.p2pdma.block;

import java.util.Set;

/**
 * Models the {@code FOLL_*} flags of Linux 6.12 that {@code pin_user_pages_fast()} reads on the
 * O_DIRECT path (spec 6.3 step 3, 7 step 3), with their bit values in {@code gup_flags}.
 * Immutable; thread-safe.
 */
public enum GupFlag {
    /** FOLL_WRITE: the caller will write to the pages (O_DIRECT reads). */
    WRITE(1 << 0),
    /** FOLL_LONGTERM: a long-term pin (e.g. io_uring fixed buffers). */
    LONGTERM(1 << 8),
    /** FOLL_PCI_P2PDMA: P2PDMA pages may be returned (set iff the queue has BLK_FEAT_PCI_P2PDMA). */
    PCI_P2PDMA(1 << 10);

    /** The flag's bit in {@code gup_flags}. */
    private final int bit;

    GupFlag(int bit) {
        this.bit = bit;
    }

    /** The flag's bit in {@code gup_flags}. */
    public int bit() {
        return bit;
    }

    /** The {@code gup_flags} word of a set of flags. */
    public static int bits(Set<GupFlag> flags) {
        int b = 0;
        for (GupFlag f : flags) {
            b |= f.bit;
        }
        return b;
    }
}
