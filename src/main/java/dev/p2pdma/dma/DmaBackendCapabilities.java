package dev.p2pdma.dma;

/**
 * What a {@link DmaOps} backend does differently from the others (spec 3.3, 3.4, 5.3), declared by
 * the backend itself so that callers and the shared contract suite derive their expectations from it
 * instead of asking which backend they hold: how P2PDMA pages are mapped, whether a device forced to
 * bounce (swiotlb=force) bounces, what map_sg returns when a RAM segment cannot be mapped, whether
 * DMA addresses go through a translation, and whether entries may merge into fewer DMA segments.
 * Immutable; thread-safe.
 *
 * @param p2pPages             how the backend maps P2PDMA pages
 * @param bouncesForcedDevices true when a device forced to bounce gets swiotlb bounce buffers for RAM
 *                             (dma-direct, legacy ops); false when the backend ignores swiotlb=force
 *                             (dma-iommu bounces only untrusted devices)
 * @param failedMapReturn      what map_sg returns in the SG era when a RAM segment cannot be mapped
 *                             (swiotlb exhausted, address out of reach, IOVA space exhausted): 0 or a
 *                             negative errno, which the mapping core normalises (spec 3.2)
 * @param translates           true when DMA addresses of RAM are IOVAs the device's IOMMU domain
 *                             translates; false when they are the range map's image of the CPU
 *                             physical address (or of a bounce buffer)
 * @param mergesSegments       true when physically separate entries may share one DMA segment;
 *                             false: exactly one DMA segment per mapped entry
 */
public record DmaBackendCapabilities(P2pPages p2pPages, boolean bouncesForcedDevices, int failedMapReturn, boolean translates,
        boolean mergesSegments) {

    /** How a backend maps P2PDMA pages (the map type decides between the bus address and the host bridge). */
    public enum P2pPages {
        /** No P2PDMA support (dma_pci_p2pdma_supported() false): a list holding a P2PDMA page fails with -EREMOTEIO. */
        REFUSED,
        /** BUS_ADDR pages get their PCI bus address; THRU_HOST_BRIDGE pages the DMA address of their CPU address, never bounced. */
        BUS_ADDRESS_OR_CPU_ADDRESS,
        /** BUS_ADDR pages get their PCI bus address; THRU_HOST_BRIDGE pages an IOVA mapped through the page table. */
        BUS_ADDRESS_OR_IOVA;

        /** True when the backend maps P2PDMA pages at all. */
        public boolean supported() {
            return this != REFUSED;
        }
    }

    /**
     * Checks the declaration.
     *
     * @throws IllegalArgumentException for a positive failure return (it would read as a segment
     *         count), or for IOVA-mapped P2P pages or merged segments without translation
     */
    public DmaBackendCapabilities {
        if (p2pPages == null) {
            throw new IllegalArgumentException("p2pPages is required");
        }
        if (failedMapReturn > 0) {
            throw new IllegalArgumentException("a failed map_sg returns 0 or a negative errno, not " + failedMapReturn);
        }
        if (p2pPages == P2pPages.BUS_ADDRESS_OR_IOVA && !translates) {
            throw new IllegalArgumentException("P2P pages mapped through an IOVA need a translating backend");
        }
        if (mergesSegments && !translates) {
            throw new IllegalArgumentException("only a translating backend can merge physically separate entries");
        }
    }

    /** True when a failed map_sg returns 0 (the pre-5.16 convention) rather than a negative errno. */
    public boolean failureReturnsZero() {
        return failedMapReturn == 0;
    }
}
