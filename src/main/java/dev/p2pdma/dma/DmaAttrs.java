package dev.p2pdma.dma;

/**
 * The {@code unsigned long attrs} of a DMA mapping call (spec 0.2): a set of DMA_ATTR_* bits,
 * treated as opaque flags. Immutable; thread-safe.
 *
 * @param bits the attribute bits
 */
public record DmaAttrs(long bits) {

    /** DMA_ATTR_SKIP_CPU_SYNC: do not sync caches or bounce buffers on map/unmap. */
    public static final long SKIP_CPU_SYNC = 1L << 5;
    /** DMA_ATTR_NO_WARN: do not print the "swiotlb buffer is full" warning. */
    public static final long NO_WARN = 1L << 8;
    /** DMA_ATTR_PRIVILEGED. */
    public static final long PRIVILEGED = 1L << 9;
    /** DMA_ATTR_MMIO (IOVA25, 6.18+): the address is device MMIO: no cache maintenance, never bounced, IOMMU_MMIO prot. */
    public static final long MMIO = 1L << 10;

    /** No attributes. */
    public static final DmaAttrs NONE = new DmaAttrs(0);
    /** DMA_ATTR_SKIP_CPU_SYNC alone. */
    public static final DmaAttrs SKIP_SYNC = new DmaAttrs(SKIP_CPU_SYNC);

    /** These attributes plus {@code more}. */
    public DmaAttrs with(long more) {
        return (bits | more) == bits ? this : new DmaAttrs(bits | more);
    }

    /** True when every bit of {@code attr} is set. */
    public boolean has(long attr) {
        return (bits & attr) == attr;
    }

    /** True when DMA_ATTR_SKIP_CPU_SYNC is set. */
    public boolean skipCpuSync() {
        return (bits & SKIP_CPU_SYNC) != 0;
    }

    /** True when DMA_ATTR_NO_WARN is set. */
    public boolean noWarn() {
        return (bits & NO_WARN) != 0;
    }
}
