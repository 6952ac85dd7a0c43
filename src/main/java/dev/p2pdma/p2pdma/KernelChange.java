package dev.p2pdma.p2pdma;

/**
 * Models the P2PDMA changes after 6.12 that alter a verdict, a log line or which functions are
 * providers (spec 12.1), each with the first version that has it: the data behind
 * {@link KernelVersion#has}. Versions marked approximate come from branch and merge dates, not a
 * release tag (spec 12.1). The host-bridge allowlist additions are rows of
 * {@code host-bridge-allowlist.tsv} instead. Immutable; thread-safe.
 */
public enum KernelChange {

    /**
     * M3/M4: pcim_p2pdma_init() gives a function a P2PDMA record without a pool, and vfio-pci calls
     * it for every bound device, so pci_p2pdma_map_type() has a record to answer from
     * (372d6d1b8ae3c "Refactor to separate core P2P functionality from memory allocation";
     * 35c35039 "Enable peer-to-peer DMA transactions by default", merged by a3ebb59e vfio-v6.19-rc1).
     */
    PROVIDERS_WITHOUT_POOL(new KernelVersion(6, 19), false,
            "372d6d1b8ae3c + vfio-pci 35c35039 (merge a3ebb59e, vfio-v6.19-rc1)"),

    /**
     * M13: "Host bridge not in P2PDMA whitelist" is printed only for verbose callers; before it,
     * non-verbose callers such as pci_p2pmem_find_many() print it on every pair whose ACS redirect
     * sends traffic to a host bridge that is not in the table (36038f0e "Gate the host bridge
     * whitelist warning on verbose", committed 2026-10-09, merge 1ce77df1 on 2026-10-21 on top of
     * 7.3-rc1).
     */
    WHITELIST_WARNING_VERBOSE_ONLY(new KernelVersion(7, 4), true,
            "36038f0e (pci/p2pdma push log b9964341, file id 69732962869), merge 1ce77df1"),

    /**
     * M15: pci_has_p2pmem(), and so pci_p2pmem_find_many(), considers only published providers
     * that have a pool (ae57c51f "Restrict the p2pmem search to pool-backed providers", same merge).
     */
    P2PMEM_FIND_POOL_BACKED_ONLY(new KernelVersion(7, 4), true,
            "ae57c51f (pci/p2pdma push log 2c607959, file id 69732962869), merge 1ce77df1");

    /** The driver that makes every device it binds a provider without a pool ({@link #PROVIDERS_WITHOUT_POOL}). */
    public static final String VFIO_PCI = "vfio-pci";

    /** The first version with the change. */
    private final KernelVersion since;
    /** True when {@link #since} is inferred from branch dates, not a release tag. */
    private final boolean approximate;
    /** Where the change is documented: commit ids and file ids of the copies read. */
    private final String source;

    KernelChange(KernelVersion since, boolean approximate, String source) {
        this.since = since;
        this.approximate = approximate;
        this.source = source;
    }

    /** The first version with the change. */
    public KernelVersion since() {
        return since;
    }

    /** True when {@link #since} is approximate. */
    public boolean approximate() {
        return approximate;
    }

    /** Commit ids and file ids behind the change. */
    public String source() {
        return source;
    }

    /** The first version as text, with "~" when approximate ("6.19", "~7.4"). */
    public String sinceText() {
        return (approximate ? "~" : "") + since;
    }
}
