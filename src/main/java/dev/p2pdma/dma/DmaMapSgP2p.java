package dev.p2pdma.dma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.sg.SgTable;

/**
 * The dedicated P2P-aware mapping entry point suggested in review of the RFC (spec 9.3, Robin
 * Murphy's {@code dma_map_sg_p2p()}), as a thin alternative over the SG-era core: it takes the
 * same scatterlist and returns errors as values with a distinct code for "this device cannot
 * reach this P2P memory".
 *
 * <p>Convention (ours; the proposal named -ENXIO as an example): success gives the segment count;
 * ENXIO when the device's backend has no P2P support (a backend without the operation, checked
 * before anything is mapped) or a segment's map type is NOT_SUPPORTED; EINVAL for a device
 * without a DMA mask (instead of the core's "success with 0" quirk); otherwise the core's
 * ENOMEM / EIO / EINVAL. It never landed: mainline overloaded dma_map_sg() instead (spec 9.4).
 *
 * <p>Immutable; thread-safe as {@link DmaMapping} is.
 */
public final class DmaMapSgP2p {

    /** The SG-era core it calls. */
    private final DmaMapping core;

    private DmaMapSgP2p(DmaMapping core) {
        this.core = core;
    }

    /** The entry point over {@code mapping}'s machine, always with the SG-era marks and conventions. */
    public static DmaMapSgP2p on(DmaMapping mapping) {
        return new DmaMapSgP2p(mapping.withEra(Era.SG));
    }

    /** Models the proposed dma_map_sg_p2p(dev, sgt, dir, attrs). */
    public DmaMapResult map(DmaDevice dev, SgTable sgt, DmaDirection dir, DmaAttrs attrs) {
        if (!core.p2pdmaSupported(dev)) {
            return DmaMapResult.failed(Errno.ENXIO);
        }
        if (!dev.hasDmaMask()) {
            return DmaMapResult.failed(Errno.EINVAL);
        }
        int n = core.mapSgAttrs(dev, sgt.first().orElse(null), sgt.origNents(), dir, attrs);
        if (n > 0) {
            sgt.setNents(n);
            return DmaMapResult.ok(n);
        }
        if (n == Errno.EREMOTEIO.negative()) {
            return DmaMapResult.failed(Errno.ENXIO);
        }
        return DmaMapResult.failed(DmaMapResult.errnoOf(n).orElse(Errno.EIO));
    }

    /** The matching unmap (dma_unmap_sgtable() of the SG-era core). */
    public void unmap(DmaDevice dev, SgTable sgt, DmaDirection dir, DmaAttrs attrs) {
        core.unmapSgtable(dev, sgt, dir, attrs);
    }
}
