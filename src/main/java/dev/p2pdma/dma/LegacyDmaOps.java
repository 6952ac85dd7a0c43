package dev.p2pdma.dma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.p2pdma.SgDmaBehaviour;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgWalk;

/**
 * Models an architecture {@code struct dma_map_ops} that knows nothing of PCI P2PDMA (no
 * DMA_F_PCI_P2PDMA_SUPPORTED), like the swiotlb-backed ops x86 used before dma-direct took over:
 * RAM is mapped one entry to one segment exactly as dma-direct maps it (range map, swiotlb bounce
 * when forced or out of reach), but there is no P2P code at all.
 *
 * <p>P2PDMA pages: the kernel relies on callers checking dma_pci_p2pdma_supported() and has no
 * check here, so real legacy ops would map the BAR's CPU address as if it were RAM. The model
 * refuses instead: a list holding a P2PDMA page fails with -EREMOTEIO ("the device cannot reach
 * the P2PDMA memory in the table", the one code of spec 3.2 with that meaning, permanent), after
 * undoing the entries already mapped; map_page refuses one with DMA_MAPPING_ERROR. Nothing is
 * ever mapped silently.
 *
 * <p>Other failures return the ops' configured failure value: -EIO by default (what map_sg
 * implementations return since 5.16); 0 or an unlisted errno model older or buggy ops, which the
 * SG-era mapping core turns into -EIO with a once-only WARN. In an era whose backends do not
 * return errnos ({@link SgDmaBehaviour#backendsReturnErrno()} false: the RFC, on v5.12) every
 * failure other than the P2P refusal returns 0, as ops then had to.
 *
 * <p>Immutable; thread-safe.
 */
public final class LegacyDmaOps implements DmaOps {

    /** What map_sg returns for a non-P2P failure in an era whose backends return errnos. */
    private final int failureReturn;

    private LegacyDmaOps(int failureReturn) {
        this.failureReturn = failureReturn;
    }

    /** Legacy ops returning -EIO on failure. */
    public static LegacyDmaOps create() {
        return new LegacyDmaOps(Errno.EIO.negative());
    }

    /**
     * Legacy ops returning {@code failureReturn} (0 or a negative errno) on a non-P2P failure.
     *
     * @throws IllegalArgumentException for a positive value (that would read as a segment count)
     */
    public static LegacyDmaOps returningOnFailure(int failureReturn) {
        if (failureReturn > 0) {
            throw new IllegalArgumentException("a failure return must be 0 or negative: " + failureReturn);
        }
        return new LegacyDmaOps(failureReturn);
    }

    /** The failure return value in an era whose backends return errnos. */
    public int failureReturn() {
        return failureReturn;
    }

    @Override
    public String name() {
        return "legacy dma_map_ops";
    }

    @Override
    public boolean isMapOps() {
        return true;
    }

    @Override
    public int flags() {
        return 0;
    }

    /** P2P pages refused, bounces when forced, the configured failure return, no translation, one segment per entry. */
    @Override
    public DmaBackendCapabilities capabilities() {
        return new DmaBackendCapabilities(DmaBackendCapabilities.P2pPages.REFUSED, true, failureReturn, false, false);
    }

    /** The ops' map_sg: RAM like dma-direct; a P2PDMA page undoes the list and returns -EREMOTEIO. */
    @Override
    public int mapSg(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        for (SgWalk.Cursor c = SgWalk.of(sgl, nents).iterator(); c.hasNext();) {
            SgEntry e = c.next();
            Page page = e.pageOrThrow();
            if (page.isP2pdma()) {
                unmapSg(m, dev, sgl, c.index(), dir, attrs.with(DmaAttrs.SKIP_CPU_SYNC));
                return Errno.EREMOTEIO.negative();
            }
            long dma = DirectDmaOps.directMapPage(m, dev, page, e.offset(), e.lengthBytes(), dir, attrs);
            e.setDmaAddress(dma);
            if (dma == DmaMasks.DMA_MAPPING_ERROR) {
                unmapSg(m, dev, sgl, c.index(), dir, attrs.with(DmaAttrs.SKIP_CPU_SYNC));
                return m.sgDma().backendsReturnErrno() ? failureReturn : 0;
            }
            e.setDmaLength(e.length());
        }
        return nents;
    }

    /**
     * The ops' map_page: RAM exactly as dma_direct_map_page() maps it; a P2PDMA page gets
     * DMA_MAPPING_ERROR (the model's refusal, as in map_sg: real ops would map the BAR's CPU address).
     */
    @Override
    public DmaPageMapping mapPage(DmaMapping m, DmaDevice dev, Page page, long offset, long size, DmaDirection dir, DmaAttrs attrs) {
        if (page.isP2pdma()) {
            return DmaPageMapping.ERROR;
        }
        return DirectDmaOps.classify(dev, DirectDmaOps.directMapPage(m, dev, page, offset, size, dir, attrs));
    }

    /** The ops' unmap_page: as dma_direct_unmap_page(). */
    @Override
    public void unmapPage(DmaMapping m, DmaDevice dev, long dmaAddress, long size, DmaDirection dir, DmaAttrs attrs) {
        DirectDmaOps.directUnmapPage(m, dev, dmaAddress, size, dir, attrs);
    }

    /** The ops' unmap_sg: every entry is unmapped (these ops never mark bus addresses). */
    @Override
    public void unmapSg(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        for (SgEntry e : SgWalk.of(sgl, nents)) {
            DirectDmaOps.directUnmapPage(m, dev, e.dmaAddress(), e.dmaLengthBytes(), dir, attrs);
        }
    }

    @Override
    public void syncSgForCpu(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir) {
        DirectDmaOps.INSTANCE.syncSgForCpu(m, dev, sgl, nents, dir);
    }

    @Override
    public void syncSgForDevice(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir) {
        DirectDmaOps.INSTANCE.syncSgForDevice(m, dev, sgl, nents, dir);
    }

    /** The ops' max_mapping_size: the swiotlb limit when the device has a pool, else SIZE_MAX. */
    @Override
    public long maxMappingBytes(DmaMapping m, DmaDevice dev) {
        return dev.isSwiotlbActive() ? Swiotlb.maxMappingBytes(dev) : DmaMasks.SIZE_MAX;
    }

    @Override
    public String toString() {
        return name() + " (failure " + failureReturn + ")";
    }
}
