package dev.p2pdma.p2pdma;

/**
 * Kernel generations whose P2PDMA behaviour differs (spec 0.1). The default is {@link #SG}.
 */
public enum Era {
    /** Mainline v4.20-v5.19: drivers called pci_p2pdma_map_sg_attrs() themselves. */
    PRE,
    /** The RFC v2 series "Add support to dma_map_sg for P2PDMA" (March 2021). */
    RFC,
    /** Mainline v6.0-v6.15, dma_map_sg understands P2PDMA pages: the default, as Linux 6.12. */
    SG,
    /** 2025 mainline (v6.16-v6.19): two-step DMA API, per-BAR providers. */
    IOVA25,
    /** 2026 material (v7.x, stable-review): more whitelist entries. */
    NEXT;

    /** True when this era is at least {@code other}. */
    public boolean atLeast(Era other) {
        return ordinal() >= other.ordinal();
    }
}
