package dev.p2pdma.dma;

import dev.p2pdma.mm.Page;
import dev.p2pdma.sg.SgEntry;

/**
 * A device's DMA backend (spec 3.1): dma-direct (no {@code dma_map_ops}), a {@code struct
 * dma_map_ops} implementation, or the built-in IOMMU DMA layer. Implementations:
 * {@link DirectDmaOps} (dma-direct), {@link LegacyDmaOps} (ops without P2PDMA support) and
 * {@code dev.p2pdma.iommu.IommuDmaOps} (dma-iommu, in the package above this one). The interface is
 * not sealed only because an unnamed module cannot seal across packages: every implementation
 * must pass the shared contract suite {@code src/test/java/dev/p2pdma/dma/DmaOpsContract*} (one
 * subclass per backend).
 *
 * <p>The single-range operations ({@link #mapPage}, {@link #unmapPage}) return a
 * {@link DmaPageMapping}: the address with its kind, or DMA_MAPPING_ERROR as a value.
 *
 * <p>The scatterlist operations keep the kernel's int convention because {@link DmaMapping}
 * normalises them exactly as mapping.c does: map_sg returns the number of DMA segments, or a
 * negative errno (a legacy implementation may return 0). Implementations are stateless or
 * thread-safe; a scatterlist belongs to one caller at a time.
 */
public interface DmaOps {

    /** DMA_F_PCI_P2PDMA_SUPPORTED: the ops can handle P2PDMA pages in map_sg/unmap_sg. */
    int DMA_F_PCI_P2PDMA_SUPPORTED = 1;

    /** A short name for people ("dma-direct", "legacy ops"). */
    String name();

    /** True when the device has a {@code dma_map_ops} (get_dma_ops(dev) != NULL); false for dma-direct. */
    boolean isMapOps();

    /** {@code ops->flags} (0 for dma-direct, which has no ops). */
    int flags();

    /** The ops' map_sg: maps the first {@code nents} entries from {@code sgl}. */
    int mapSg(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs);

    /** The ops' unmap_sg over the first {@code nents} entries (the ORIGINAL count). */
    void unmapSg(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs);

    /** The ops' sync_sg_for_cpu. */
    void syncSgForCpu(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir);

    /** The ops' sync_sg_for_device. */
    void syncSgForDevice(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir);

    /**
     * The ops' map_page: maps {@code [page + offset, + size)} ({@code offset} may run past the
     * first page: a multi-page range). The mapping core has checked the direction and the mask.
     *
     * @return the DMA address and its kind, or {@link DmaPageMapping#ERROR} with nothing held
     */
    DmaPageMapping mapPage(DmaMapping m, DmaDevice dev, Page page, long offset, long size, DmaDirection dir, DmaAttrs attrs);

    /** The ops' unmap_page of an address {@link #mapPage} returned, with the size and direction passed to it. */
    void unmapPage(DmaMapping m, DmaDevice dev, long dmaAddress, long size, DmaDirection dir, DmaAttrs attrs);

    /** What this backend does differently from the others; the shared contract suite derives its expectations from it. */
    DmaBackendCapabilities capabilities();

    /** The ops' max_mapping_size, {@link DmaMasks#SIZE_MAX} for no limit. */
    long maxMappingBytes(DmaMapping m, DmaDevice dev);

    /**
     * The ops' opt_mapping_size (what dma_opt_mapping_size() takes before the min with the max
     * mapping size): {@link DmaMasks#SIZE_MAX} when the ops have none.
     */
    default long optMappingBytes(DmaMapping m, DmaDevice dev) {
        return DmaMasks.SIZE_MAX;
    }
}
