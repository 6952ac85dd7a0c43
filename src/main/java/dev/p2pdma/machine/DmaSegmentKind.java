package dev.p2pdma.machine;

/**
 * What a mapped DMA segment's address is (the traces' segment kinds, issue 11 part 9): a P2PDMA
 * bus address, the CPU physical address itself, an IOVA, or a swiotlb slot.
 */
public enum DmaSegmentKind {
    /** A P2PDMA bus address (PCI_P2PDMA_MAP_BUS_ADDR): phys plus the provider's bus offset. */
    BUS("bus"),
    /** The CPU physical address (dma-direct without bouncing, or an identity domain). */
    PHYS("phys"),
    /** An I/O virtual address the device's IOMMU domain translates. */
    IOVA("iova"),
    /** A swiotlb bounce slot. */
    SWIOTLB("swiotlb");

    /** The name in the JSON output. */
    private final String label;

    DmaSegmentKind(String label) {
        this.label = label;
    }

    /** The name in the JSON output ("bus", "phys", "iova", "swiotlb"). */
    public String label() {
        return label;
    }
}
