package dev.p2pdma.iommu;

/** Models the IOMMU_DOMAIN_* type of a group's default domain (iommu.passthrough). Immutable; thread-safe. */
public enum IommuDomainType {
    /** IOMMU_DOMAIN_DMA: translated through IO page tables, IOVAs from the domain's allocator. */
    DMA,
    /** IOMMU_DOMAIN_IDENTITY: passthrough, DMA address = physical address; the device uses dma-direct. */
    IDENTITY
}
