package dev.p2pdma.dma;

import dev.p2pdma.sg.BusAddressMark;

/**
 * Which shape of the scatterlist DMA API with P2PDMA the model follows (spec 0.1, 3.2, 9).
 * Immutable; thread-safe.
 */
public enum DmaApiEra {
    /**
     * RFC v2 (March 2021, on v5.12-rc2): dma_map_sg() itself returns -EREMOTEIO; other failures
     * return 0; dma_map_sgtable() is the v5.12 wrapper that turns every failure into -EINVAL; the
     * mark lives in page_link (SG_PCI_P2PDMA) and unmap skips marked entries without clearing the
     * mark; the bus address is computed with the series' formula {@code sg_phys + offset - bus_offset};
     * dma_pci_p2pdma_supported() = "no dma_map_ops, or ops with DMA_F_PCI_P2PDMA_SUPPORTED".
     */
    RFC(BusAddressMark.PAGE_LINK),
    /**
     * Merged (Linux 6.12, the default): dma_map_sg() returns 0 on every error, dma_map_sgtable()
     * returns the normalised errno; the mark lives in dma_flags and is cleared on unmap; bus
     * address = {@code sg_phys + bus_offset}; dma_pci_p2pdma_supported() = "no dma_map_ops"
     * (dma-direct and the directly called IOMMU layer, 6.10+).
     */
    SG(BusAddressMark.DMA_FLAGS);

    /** Where this era records "dma_address is a PCI bus address". */
    private final BusAddressMark mark;

    DmaApiEra(BusAddressMark mark) {
        this.mark = mark;
    }

    /** Where this era records "dma_address is a PCI bus address". */
    public BusAddressMark mark() {
        return mark;
    }
}
