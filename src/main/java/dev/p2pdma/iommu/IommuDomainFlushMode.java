package dev.p2pdma.iommu;

/**
 * Models the invalidation policy of a DMA domain (iommu.strict, IOMMU_DOMAIN_DMA vs
 * IOMMU_DOMAIN_DMA_FQ; spec 5.1). Immutable; thread-safe.
 */
public enum IommuDomainFlushMode {
    /** Every unmap invalidates the IOTLB at once and frees the IOVA. */
    STRICT,
    /**
     * Unmap clears the page table but defers the IOTLB invalidation: the IOVA waits in the flush
     * queue (and stale translations stay usable by the device) until the queue is flushed.
     */
    LAZY
}
