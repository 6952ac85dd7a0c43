package dev.p2pdma.machine;

/**
 * What the IOMMU does for a PCI device's DMA, as the kernel command line selects it (spec 5.1,
 * 6.2): nothing, an identity (passthrough) domain, or a DMA domain whose IOTLB is flushed strictly
 * or lazily through a flush queue.
 */
public enum IommuMode {
    /** No IOMMU: dma-direct. */
    OFF("none"),
    /** Identity domain ({@code iommu=pt}): dma-direct, no translation, no IOVA. */
    IDENTITY("identity"),
    /** DMA domain, strict invalidation ({@code iommu.strict=1}). */
    STRICT("DMA"),
    /** DMA domain with a flush queue (the traced kernels' default, CONFIG_IOMMU_DEFAULT_DMA_LAZY). */
    LAZY("DMA-FQ");

    /** The group's type as sysfs {@code iommu_group/type} reads (or "none"). */
    private final String groupType;

    IommuMode(String groupType) {
        this.groupType = groupType;
    }

    /** The group's type as sysfs {@code iommu_group/type} reads ("DMA", "DMA-FQ", "identity"), or "none". */
    public String groupType() {
        return groupType;
    }

    /** Whether devices use the IOMMU DMA layer (IOVAs and page tables). */
    public boolean translates() {
        return this == STRICT || this == LAZY;
    }
}
