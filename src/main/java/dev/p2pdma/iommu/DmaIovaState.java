package dev.p2pdma.iommu;

/**
 * Models struct dma_iova_state (spec 8.1): the DMA address handed out by dma_iova_try_alloc()
 * (IOVA plus the intra-granule offset of the first physical address) and the size asked for.
 * Invariant: the size is positive and below 2^63 (bit 63 is the kernel's "uses swiotlb" flag,
 * never set here: the model has no untrusted devices). Immutable; thread-safe.
 *
 * @param addr      state->addr: the DMA address of offset 0
 * @param sizeBytes dma_iova_size(state)
 */
public record DmaIovaState(long addr, long sizeBytes) {

    /** Checks the size. */
    public DmaIovaState {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("an allocated IOVA state has a positive size: " + sizeBytes);
        }
    }

    /** Models dma_use_iova(): true for every allocated state. */
    public boolean useIova() {
        return true;
    }

    @Override
    public String toString() {
        return String.format("iova 0x%x+%d", addr, sizeBytes);
    }
}
