package dev.p2pdma.dma;

/**
 * DMA address arithmetic of the model (spec 0.2, 3.4): DMA_BIT_MASK(), min_not_zero(), the
 * DMA_MAPPING_ERROR sentinel and SIZE_MAX. All masks and addresses are 64-bit values compared
 * unsigned. Stateless.
 */
public final class DmaMasks {

    /** DMA_MAPPING_ERROR: all ones. */
    public static final long DMA_MAPPING_ERROR = -1L;
    /** SIZE_MAX: "no limit" for max mapping sizes, all ones (compare unsigned). */
    public static final long SIZE_MAX = -1L;
    /** (phys_addr_t)-1: what dma_to_phys() returns when no range translates the address. */
    public static final long INVALID_PHYS = -1L;

    private DmaMasks() {
    }

    /**
     * Models DMA_BIT_MASK(n): all ones for 64, else {@code (1 << n) - 1}.
     *
     * @throws IllegalArgumentException for n outside 0..64 (the kernel's macro is undefined there)
     */
    public static long bitMask(int n) {
        if (n < 0 || n > 64) {
            throw new IllegalArgumentException("DMA_BIT_MASK(" + n + ") is undefined");
        }
        return n == 64 ? -1L : (1L << n) - 1;
    }

    /** Models min_not_zero(a, b) on unsigned 64-bit values. */
    public static long minNotZero(long a, long b) {
        if (a == 0) {
            return b;
        }
        if (b == 0) {
            return a;
        }
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    /** True when {@code mask} is {@code 2^k - 1} for some k (including 0 and all ones). */
    public static boolean isLowBitMask(long mask) {
        return (mask & (mask + 1)) == 0;
    }

    /** Models %pad: "0x" and 16 hex digits. */
    public static String pad(long dmaAddress) {
        return String.format("0x%016x", dmaAddress);
    }
}
