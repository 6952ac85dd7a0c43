package dev.p2pdma.pci;

/**
 * A PCIe link's speed and width, maximum and negotiated.
 *
 * <p>Speeds are in GT/s as sysfs prints them ({@code 8.0 GT/s PCIe}); 0 means unknown. Widths are
 * lane counts; 0 means unknown.
 *
 * @param maxSpeedGtps     maximum link speed in GT/s, 0 if unknown
 * @param maxWidth         maximum link width in lanes, 0 if unknown
 * @param currentSpeedGtps negotiated link speed in GT/s, 0 if unknown
 * @param currentWidth     negotiated link width in lanes, 0 if unknown
 */
public record LinkInfo(double maxSpeedGtps, int maxWidth, double currentSpeedGtps, int currentWidth) {

    /** No link information at all. */
    public static final LinkInfo UNKNOWN = new LinkInfo(0, 0, 0, 0);

    /** True when nothing is known. */
    public boolean isUnknown() {
        return maxSpeedGtps == 0 && maxWidth == 0 && currentSpeedGtps == 0 && currentWidth == 0;
    }

    /** GT/s for the PCIe Link Speed encoding 1..7 (2.5, 5, 8, 16, 32, 64, 128). */
    public static double speedOfEncoding(int encoding) {
        return switch (encoding) {
            case 1 -> 2.5;
            case 2 -> 5.0;
            case 3 -> 8.0;
            case 4 -> 16.0;
            case 5 -> 32.0;
            case 6 -> 64.0;
            case 7 -> 128.0;
            default -> 0;
        };
    }

    /** {@code x16 8 GT/s (max x16 16 GT/s)}. */
    public String describe() {
        if (isUnknown()) {
            return "link unknown";
        }
        return "x" + currentWidth + " " + fmt(currentSpeedGtps) + " GT/s (max x" + maxWidth + " " + fmt(maxSpeedGtps) + " GT/s)";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
