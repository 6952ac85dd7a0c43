package dev.p2pdma.nvme;

/**
 * The nvme-pci driver quirks (per-PCI-id {@code NVME_QUIRK_*} bits) that change the data path
 * modelled here (spec 6.2, 6.6). Other quirks are out of scope.
 */
public enum NvmeQuirk {
    /** NVME_QUIRK_DMA_ADDRESS_BITS_48: the DMA mask is 48 bits instead of 64 (spec 6.2 step 1). */
    DMA_ADDRESS_BITS_48,
    /** NVME_QUIRK_DMAPOOL_ALIGN_512: the small PRP pool's blocks are 512-byte aligned instead of 256 (spec 6.6). */
    DMAPOOL_ALIGN_512
}
