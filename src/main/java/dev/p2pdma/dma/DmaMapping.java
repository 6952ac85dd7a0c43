package dev.p2pdma.dma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.p2pdma.SgDmaBehaviour;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.Objects;

/**
 * Models the DMA mapping core, kernel/dma/mapping.c (spec 3.1, 3.2), for one machine: dispatch to
 * the device's backend, dma_map_page_attrs() / dma_unmap_page_attrs(), the return conventions of
 * dma_map_sg() and dma_map_sgtable() in the chosen {@link Era} (its {@link SgDmaBehaviour}), unmap
 * and sync, dma_pci_p2pdma_supported(), dma_max_mapping_size() and dma_opt_mapping_size(). It
 * also holds what the backends share: the physical memory, the P2P map
 * type source, the warning sink and the cache-maintenance counters.
 *
 * <p>Return conventions, as the era's behaviour says. SG (default, Linux 6.12): the backend's result is kept when positive or
 * one of -EINVAL, -ENOMEM, -EIO, -EREMOTEIO; anything else (0 included) becomes -EIO with a
 * once-only WARN; dma_map_sg() then turns every error into 0 and dma_map_sgtable() returns the
 * errno. A device without a DMA mask gets a once-only WARN and 0, so dma_map_sgtable() "succeeds"
 * with nents 0. RFC (v5.12 + the series): dma_map_sg() returns the backend's value unchanged
 * (0 for resource errors, -EREMOTEIO for unreachable P2P memory) and dma_map_sgtable() returns
 * -EINVAL for anything not positive.
 *
 * <p>Immutable; thread-safe (the sink, the counters, the pools and the caches are). A scatterlist
 * belongs to one caller at a time.
 */
public final class DmaMapping {

    /** The kernel era whose API shape this core follows. */
    private final Era era;
    /** That era's scatterlist DMA behaviour (present for every era this core accepts). */
    private final SgDmaBehaviour api;
    /** The address space of the machine. */
    private final PhysicalMemory memory;
    /** pci_p2pdma_map_type() for P2PDMA pages. */
    private final P2pMapTypes p2p;
    /** Where WARNs and warnings go. */
    private final DmaWarnings warnings;
    /** Cache maintenance of non-coherent devices. */
    private final CacheMaintenance cache = new CacheMaintenance();

    private DmaMapping(Era era, PhysicalMemory memory, P2pMapTypes p2p, DmaWarnings warnings) {
        this.era = Objects.requireNonNull(era, "era");
        this.api = era.sgDma().orElseThrow(() -> new IllegalArgumentException(
                "era " + era.tag() + ": dma_map_sg() does not handle P2PDMA pages in this era, there is no API shape to model"));
        this.memory = Objects.requireNonNull(memory, "memory");
        this.p2p = Objects.requireNonNull(p2p, "p2p");
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /** The SG-era mapping core of {@code memory} with these P2P answers and this sink. */
    public static DmaMapping create(PhysicalMemory memory, P2pMapTypes p2p, DmaWarnings warnings) {
        return new DmaMapping(Era.SG, memory, p2p, warnings);
    }

    /**
     * The same machine with another era's API shape (sharing the sink and P2P answers); this core
     * when it already follows {@code e}.
     *
     * @throws IllegalArgumentException for an era without a scatterlist P2PDMA API ({@link Era#PRE})
     */
    public DmaMapping withEra(Era e) {
        return e == era ? this : new DmaMapping(e, memory, p2p, warnings);
    }

    /** The kernel era whose API shape this core follows. */
    public Era era() {
        return era;
    }

    /** The era's scatterlist DMA behaviour, which the backends follow. */
    public SgDmaBehaviour sgDma() {
        return api;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    public P2pMapTypes p2p() {
        return p2p;
    }

    public DmaWarnings warnings() {
        return warnings;
    }

    /** Cache maintenance counted for non-coherent devices. */
    public CacheMaintenance cache() {
        return cache;
    }

    /**
     * Models dma_map_page_attrs() (spec 3.4, 4, 5.3, 6.7): maps {@code [page + offset, + size)} for
     * one DMA. BUG_ON an invalid direction (an exception); a device without a DMA mask gets a
     * once-only WARN and DMA_MAPPING_ERROR; otherwise the backend's map_page decides. As in Linux
     * 6.12 nothing here looks at P2PDMA pages: no map type is asked, so a P2PDMA page never gets its
     * bus address through this call (nvme-pci keeps P2PDMA pages off its fast path, spec 6.7).
     *
     * @param offset bytes from the start of {@code page}, not negative (may pass the page: a multi-page range)
     * @param size   bytes to map, positive
     * @return the DMA address and its kind, or {@link DmaPageMapping#ERROR} with nothing held
     * @throws IllegalArgumentException for an invalid direction (the kernel's BUG), a negative offset or a size below 1
     */
    public DmaPageMapping mapPage(DmaDevice dev, Page page, long offset, long size, DmaDirection dir, DmaAttrs attrs) {
        Objects.requireNonNull(page, "page");
        requireValid(dir);
        if (offset < 0 || size <= 0) {
            throw new IllegalArgumentException("dma_map_page of " + size + " bytes at offset " + offset);
        }
        if (!dev.hasDmaMask()) {
            warnings.warnOnce("dma_map_page_attrs:no_mask", "dma_map_page_attrs (kernel/dma/mapping.c): WARN_ON_ONCE(!dev->dma_mask) for "
                    + dev.name());
            return DmaPageMapping.ERROR;
        }
        return dev.ops().mapPage(this, dev, page, offset, size, dir, attrs);
    }

    /**
     * Models dma_unmap_page_attrs(): BUG_ON an invalid direction, then the backend's unmap_page of
     * {@code dmaAddress} with the size and direction it was mapped with.
     */
    public void unmapPage(DmaDevice dev, long dmaAddress, long size, DmaDirection dir, DmaAttrs attrs) {
        requireValid(dir);
        dev.ops().unmapPage(this, dev, dmaAddress, size, dir, attrs);
    }

    /**
     * Models dma_map_sg_attrs(): maps the first {@code nents} entries from {@code sgl}.
     *
     * @return SG: the number of DMA segments, or 0 for every error; RFC: the backend's value, which
     *         may be -EREMOTEIO (121 negated)
     */
    public int mapSg(DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        Objects.requireNonNull(sgl, "sgl");
        int ret = mapSgAttrs(dev, sgl, nents, dir, attrs);
        if (!api.dmaMapSgReturnsErrno() && ret < 0) {
            return 0;
        }
        return ret;
    }

    /**
     * Models dma_map_sgtable(): maps the table's {@code orig_nents} entries and sets its
     * {@code nents}.
     *
     * @return SG: the count, or EINVAL/ENOMEM/EIO/EREMOTEIO (the no-mask quirk succeeds with 0);
     *         RFC: the count, or EINVAL for every failure
     */
    public DmaMapResult mapSgtable(DmaDevice dev, SgTable sgt, DmaDirection dir, DmaAttrs attrs) {
        SgEntry sgl = sgt.first().orElse(null);
        int n = mapSgAttrs(dev, sgl, sgt.origNents(), dir, attrs);
        if (!api.sgtableKeepsErrno() && n <= 0) {
            return DmaMapResult.failed(Errno.EINVAL);
        }
        if (n < 0) {
            return DmaMapResult.failed(DmaMapResult.errnoOf(n).orElseThrow());
        }
        sgt.setNents(n);
        return DmaMapResult.ok(n);
    }

    /** Models dma_unmap_sg_attrs(): {@code nents} must be the count passed to map, not the mapped count. */
    public void unmapSg(DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        requireValid(dir);
        dev.ops().unmapSg(this, dev, sgl, nents, dir, attrs);
    }

    /** Models dma_unmap_sgtable(): unmaps the table's {@code orig_nents} entries. */
    public void unmapSgtable(DmaDevice dev, SgTable sgt, DmaDirection dir, DmaAttrs attrs) {
        requireValid(dir);
        dev.ops().unmapSg(this, dev, sgt.first().orElse(null), sgt.origNents(), dir, attrs);
    }

    /** Models dma_sync_sg_for_cpu(). */
    public void syncSgForCpu(DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir) {
        requireValid(dir);
        dev.ops().syncSgForCpu(this, dev, sgl, nents, dir);
    }

    /** Models dma_sync_sg_for_device(). */
    public void syncSgForDevice(DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir) {
        requireValid(dir);
        dev.ops().syncSgForDevice(this, dev, sgl, nents, dir);
    }

    /** Models dma_sync_sgtable_for_cpu(): the table's {@code orig_nents} entries. */
    public void syncSgtableForCpu(DmaDevice dev, SgTable sgt, DmaDirection dir) {
        requireValid(dir);
        dev.ops().syncSgForCpu(this, dev, sgt.first().orElse(null), sgt.origNents(), dir);
    }

    /** Models dma_sync_sgtable_for_device(): the table's {@code orig_nents} entries. */
    public void syncSgtableForDevice(DmaDevice dev, SgTable sgt, DmaDirection dir) {
        requireValid(dir);
        dev.ops().syncSgForDevice(this, dev, sgt.first().orElse(null), sgt.origNents(), dir);
    }

    /**
     * Models dma_pci_p2pdma_supported(): "no dma_map_ops", or, in an era whose
     * {@link SgDmaBehaviour#opsFlagGrantsP2p()} (RFC, and mainline up to 6.9), also "ops with
     * DMA_F_PCI_P2PDMA_SUPPORTED"; as in 6.12 the directly called IOMMU layer counts as no ops.
     * Bypass is deliberately ignored in both.
     */
    public boolean p2pdmaSupported(DmaDevice dev) {
        DmaOps ops = dev.ops();
        return !ops.isMapOps() || api.opsFlagGrantsP2p() && (ops.flags() & DmaOps.DMA_F_PCI_P2PDMA_SUPPORTED) != 0;
    }

    /** Models dma_max_mapping_size(): the backend's limit, {@link DmaMasks#SIZE_MAX} for none. */
    public long maxMappingBytes(DmaDevice dev) {
        return dev.ops().maxMappingBytes(this, dev);
    }

    /**
     * Models dma_opt_mapping_size() (spec 6.2 point 2): the backend's optimal size (128 KiB, the IOVA
     * rcache range, for the IOMMU DMA layer; unlimited otherwise) capped by
     * {@link #maxMappingBytes dma_max_mapping_size()}; {@link DmaMasks#SIZE_MAX} for no limit
     * (compare unsigned).
     */
    public long optMappingBytes(DmaDevice dev) {
        long max = maxMappingBytes(dev);
        long opt = dev.ops().optMappingBytes(this, dev);
        return Long.compareUnsigned(max, opt) <= 0 ? max : opt;
    }

    /**
     * Models __dma_map_sg_attrs() (and, in the RFC era, the v5.12 body of dma_map_sg_attrs()): the
     * direction check, the no-mask WARN, dispatch, and (when the era's
     * {@link SgDmaBehaviour#coreNormalisesReturn()}) the normalisation of the backend's value.
     */
    int mapSgAttrs(DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        requireValid(dir);
        if (!dev.hasDmaMask()) {
            warnings.warnOnce("__dma_map_sg_attrs:no_mask", "__dma_map_sg_attrs (kernel/dma/mapping.c): WARN_ON_ONCE(!dev->dma_mask) for "
                    + dev.name());
            return 0;
        }
        int ents = dev.ops().mapSg(this, dev, sgl, nents, dir, attrs);
        if (!api.coreNormalisesReturn() || ents > 0) {
            return ents;
        }
        if (ents != Errno.EINVAL.negative() && ents != Errno.ENOMEM.negative() && ents != Errno.EIO.negative()
                && ents != Errno.EREMOTEIO.negative()) {
            warnings.warnOnce("__dma_map_sg_attrs:bad_return", "__dma_map_sg_attrs (kernel/dma/mapping.c): map_sg of " + dev.name()
                    + " returned " + ents + ", not -EINVAL, -ENOMEM, -EIO or -EREMOTEIO; returning -EIO");
            return Errno.EIO.negative();
        }
        return ents;
    }

    /** BUG_ON(!valid_dma_direction(dir)): a kernel crash, an exception here. */
    private static void requireValid(DmaDirection dir) {
        if (!dir.isValid()) {
            throw new IllegalArgumentException("BUG: invalid DMA direction " + dir);
        }
    }
}
