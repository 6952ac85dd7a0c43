package dev.p2pdma.nvme;

/**
 * nvme-pci's two per-device descriptor pools (nvme_setup_prp_pools(), spec 6.6) over one source of
 * coherent pages.
 *
 * <p>Invariant: both pools share the page source. Thread-safe (the pools are).
 *
 * @param small the 256-byte pool: up to 32 PRP entries or 16 SGL descriptors
 * @param page  the 4096-byte pool: 512 PRP entries or 256 SGL descriptors
 */
public record NvmePrpPools(NvmeDmaPool small, NvmeDmaPool page) {

    /** Checks the invariant. */
    public NvmePrpPools {
        if (small.pages() != page.pages()) {
            throw new IllegalArgumentException("both pools must use the device's page source");
        }
    }

    /** Models nvme_setup_prp_pools() for a controller with these quirks. */
    public static NvmePrpPools create(CoherentPageSource pages, NvmeIdentity id) {
        return new NvmePrpPools(NvmeDmaPool.small(pages, id.quirks().contains(NvmeQuirk.DMAPOOL_ALIGN_512)), NvmeDmaPool.page(pages));
    }

    /** Blocks in use in both pools. */
    public int inUseCount() {
        return small.inUseCount() + page.inUseCount();
    }
}
