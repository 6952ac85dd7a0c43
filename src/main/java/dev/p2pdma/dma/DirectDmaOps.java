package dev.p2pdma.dma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.SgDmaBehaviour;
import dev.p2pdma.sg.BusAddressMark;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgWalk;

/**
 * Models dma-direct (kernel/dma/direct.c and direct.h, spec 3.3 and 3.4): the backend of a device
 * without {@code dma_map_ops}. RAM is mapped one entry to one DMA segment (never merged) through
 * the device's range map, bounced through swiotlb when forced or when the address is beyond the
 * device's reach; P2PDMA pages follow their map type: BUS_ADDR segments get the PCI bus address
 * and a mark, THRU_HOST_BRIDGE segments are mapped like RAM (but never bounced), NOT_SUPPORTED
 * fails the whole list with -EREMOTEIO after undoing what was mapped. map_page asks no map type:
 * a P2PDMA page gets the DMA address of its CPU address, or DMA_MAPPING_ERROR where RAM would bounce.
 *
 * <p>Stateless (one shared instance); thread-safe. State lives in the swiotlb pool and the
 * caller's scatterlist.
 */
public final class DirectDmaOps implements DmaOps {

    /** The one instance. */
    public static final DirectDmaOps INSTANCE = new DirectDmaOps();

    private DirectDmaOps() {
    }

    @Override
    public String name() {
        return "dma-direct";
    }

    @Override
    public boolean isMapOps() {
        return false;
    }

    @Override
    public int flags() {
        return 0;
    }

    /** Bus address or CPU address for P2P pages, bounces when forced, -EIO on failure, no translation, one segment per entry. */
    @Override
    public DmaBackendCapabilities capabilities() {
        return new DmaBackendCapabilities(DmaBackendCapabilities.P2pPages.BUS_ADDRESS_OR_CPU_ADDRESS, true, Errno.EIO.negative(), false, false);
    }

    /**
     * Models dma_direct_map_sg(): see the class comment. The era's {@link SgDmaBehaviour} decides the
     * error value of a failed page mapping (-EIO, or 0 before 5.16), whether the unreachable entry is
     * poisoned before unwinding, the P2P mark and the bus address formula.
     */
    @Override
    public int mapSg(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        SgDmaBehaviour api = m.sgDma();
        P2pMapState state = null;
        for (SgWalk.Cursor c = SgWalk.of(sgl, nents).iterator(); c.hasNext();) {
            SgEntry e = c.next();
            Page page = e.pageOrThrow();
            if (page.isP2pdma()) {
                if (state == null) {
                    state = new P2pMapState();
                }
                MapType map = state.mapSegment(m, dev, e, page);
                if (map == MapType.BUS_ADDR) {
                    continue;
                }
                if (map != MapType.THRU_HOST_BRIDGE) {
                    if (api.poisonsUnreachableEntry()) {
                        e.setDmaAddress(DmaMasks.DMA_MAPPING_ERROR);
                    }
                    unmapSg(m, dev, sgl, c.index(), dir, attrs.with(DmaAttrs.SKIP_CPU_SYNC));
                    return Errno.EREMOTEIO.negative();
                }
            }
            long dma = directMapPage(m, dev, page, e.offset(), e.lengthBytes(), dir, attrs);
            e.setDmaAddress(dma);
            if (dma == DmaMasks.DMA_MAPPING_ERROR) {
                unmapSg(m, dev, sgl, c.index(), dir, attrs.with(DmaAttrs.SKIP_CPU_SYNC));
                return api.backendsReturnErrno() ? Errno.EIO.negative() : 0;
            }
            e.setDmaLength(e.length());
        }
        return nents;
    }

    /**
     * Models dma_direct_unmap_sg(): bus-address entries only lose their mark (when the era clears it:
     * the RFC skipped them and left the mark), every other entry is unmapped (synced for the CPU
     * unless SKIP_CPU_SYNC, its swiotlb slots released).
     */
    @Override
    public void unmapSg(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        BusAddressMark mark = m.sgDma().mark();
        boolean clearMark = m.sgDma().unmapClearsMark();
        for (SgEntry e : SgWalk.of(sgl, nents)) {
            if (mark.isMarked(e)) {
                if (clearMark) {
                    mark.unmark(e);
                }
            } else {
                directUnmapPage(m, dev, e.dmaAddress(), e.dmaLengthBytes(), dir, attrs);
            }
        }
    }

    /** Models dma_direct_sync_sg_for_cpu(): every entry, by its DMA address and CPU length. */
    @Override
    public void syncSgForCpu(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir) {
        for (SgEntry e : SgWalk.of(sgl, nents)) {
            syncSingleForCpu(m, dev, e.dmaAddress(), e.lengthBytes(), dir);
        }
    }

    /** Models dma_direct_sync_sg_for_device(): every entry, by its DMA address and CPU length. */
    @Override
    public void syncSgForDevice(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir) {
        for (SgEntry e : SgWalk.of(sgl, nents)) {
            syncSingleForDevice(m, dev, e.dmaAddress(), e.lengthBytes(), dir);
        }
    }

    /** Models dma_direct_map_page() as the ops' map_page: see {@link #directMapPage}; the kind as {@link #classify} finds it. */
    @Override
    public DmaPageMapping mapPage(DmaMapping m, DmaDevice dev, Page page, long offset, long size, DmaDirection dir, DmaAttrs attrs) {
        return classify(dev, directMapPage(m, dev, page, offset, size, dir, attrs));
    }

    /** Models dma_direct_unmap_page(): see {@link #directUnmapPage}. */
    @Override
    public void unmapPage(DmaMapping m, DmaDevice dev, long dmaAddress, long size, DmaDirection dir, DmaAttrs attrs) {
        directUnmapPage(m, dev, dmaAddress, size, dir, attrs);
    }

    /**
     * The kind of an address dma_direct_map_page() returned, decided as dma_direct_unmap_page()
     * decides it: a bounce slot when its CPU side (dma_to_phys) lies in the device's swiotlb pool
     * (is_swiotlb_buffer()), else the range map's image of the page itself.
     */
    static DmaPageMapping classify(DmaDevice dev, long dma) {
        if (dma == DmaMasks.DMA_MAPPING_ERROR) {
            return DmaPageMapping.ERROR;
        }
        Swiotlb pool = dev.swiotlbOrNull();
        boolean bounced = pool != null && pool.contains(dev.dmaToPhys(dma));
        return new DmaPageMapping(dma, bounced ? DmaPageMapping.Kind.SWIOTLB_SLOT : DmaPageMapping.Kind.PHYSICAL);
    }

    /**
     * Models dma_direct_max_mapping_size(): the swiotlb limit when the device has a pool and is
     * addressing-limited or forced to bounce, else SIZE_MAX.
     */
    @Override
    public long maxMappingBytes(DmaMapping m, DmaDevice dev) {
        if (dev.isSwiotlbActive() && (addressingLimited(m, dev) || dev.isSwiotlbForceBounce())) {
            return Swiotlb.maxMappingBytes(dev);
        }
        return DmaMasks.SIZE_MAX;
    }

    /**
     * Models dma_direct_get_required_mask(): the smallest all-ones mask covering the DMA address of
     * the last RAM page.
     */
    public static long requiredMask(DmaMapping m, DmaDevice dev) {
        long lastPage = 0;
        for (PhysicalMemory.Region r : m.memory().regions()) {
            if (r.kind() == PhysicalMemory.Kind.RAM) {
                lastPage = Math.max(lastPage, r.cpuStart() + r.sizeBytes() - PageSize.PAGE_SIZE);
            }
        }
        long maxDma = dev.physToDma(lastPage);
        int fls = 64 - Long.numberOfLeadingZeros(maxDma);
        if (fls == 0) {
            return 0;
        }
        return fls == 64 ? -1L : (1L << fls) - 1;
    }

    /**
     * Models dma_addressing_limited() for a dma-direct device: its reach is below the required mask,
     * or its range map leaves some RAM out (dma_direct_all_ram_mapped() false).
     */
    public static boolean addressingLimited(DmaMapping m, DmaDevice dev) {
        if (Long.compareUnsigned(dev.effectiveDmaLimit(), requiredMask(m, dev)) < 0) {
            return true;
        }
        for (PhysicalMemory.Region r : m.memory().regions()) {
            if (r.kind() == PhysicalMemory.Kind.RAM && !dev.rangeMap().covers(r.cpuStart(), r.sizeBytes())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Models dma_direct_map_page(): the DMA address of {@code [page + offset, + size)}, a swiotlb
     * bounce buffer when forced or when the address is not DMA-capable (P2PDMA pages are never
     * bounced: DMA_MAPPING_ERROR), or DMA_MAPPING_ERROR with a once-only overflow WARN when there
     * is no pool. A non-coherent device gets a cache sync unless SKIP_CPU_SYNC.
     */
    static long directMapPage(DmaMapping m, DmaDevice dev, Page page, long offset, long size, DmaDirection dir, DmaAttrs attrs) {
        long phys = page.physAddress() + offset;
        long dma = dev.physToDma(phys);
        if (dev.isSwiotlbForceBounce()) {
            if (page.isP2pdma()) {
                return DmaMasks.DMA_MAPPING_ERROR;
            }
            return dev.swiotlbOrNull().map(m, dev, phys, size, dir, attrs);
        }
        if (!dev.dmaCapable(dma, size) || dev.kmallocNeedsBounce(size, dir)) {
            if (page.isP2pdma()) {
                return DmaMasks.DMA_MAPPING_ERROR;
            }
            Swiotlb pool = dev.swiotlbOrNull();
            if (pool != null) {
                return pool.map(m, dev, phys, size, dir, attrs);
            }
            m.warnings().warnOnce("dma_direct_map_page:overflow", String.format("%s: DMA addr %s+%d overflow (mask %x, bus limit %x).",
                    dev.name(), DmaMasks.pad(dma), size, dev.rawDmaMask(), dev.busDmaLimit()));
            return DmaMasks.DMA_MAPPING_ERROR;
        }
        if (!dev.coherent() && !attrs.skipCpuSync()) {
            m.cache().syncForDevice(size);
        }
        return dma;
    }

    /**
     * Models dma_direct_unmap_page(): sync for the CPU unless SKIP_CPU_SYNC, then release the
     * swiotlb slots if the address is a bounce buffer (without copying again).
     */
    static void directUnmapPage(DmaMapping m, DmaDevice dev, long dmaAddress, long size, DmaDirection dir, DmaAttrs attrs) {
        long phys = dev.dmaToPhys(dmaAddress);
        if (!attrs.skipCpuSync()) {
            syncSingleForCpu(m, dev, dmaAddress, size, dir);
        }
        Swiotlb pool = dev.swiotlbOrNull();
        if (pool != null && pool.contains(phys)) {
            pool.tblUnmapSingle(m.warnings(), dev, phys, size, dir, attrs.with(DmaAttrs.SKIP_CPU_SYNC));
        }
    }

    /** Models dma_direct_sync_single_for_cpu(): cache sync on non-coherent devices, then the swiotlb copy-back. */
    static void syncSingleForCpu(DmaMapping m, DmaDevice dev, long dmaAddress, long size, DmaDirection dir) {
        long phys = dev.dmaToPhys(dmaAddress);
        if (!dev.coherent()) {
            m.cache().syncForCpu(size);
        }
        Swiotlb pool = dev.swiotlbOrNull();
        if (pool != null && pool.contains(phys)) {
            pool.syncSingleForCpu(m.warnings(), dev, phys, size, dir);
        }
    }

    /** Models dma_direct_sync_single_for_device(): the swiotlb copy, then cache sync on non-coherent devices. */
    static void syncSingleForDevice(DmaMapping m, DmaDevice dev, long dmaAddress, long size, DmaDirection dir) {
        long phys = dev.dmaToPhys(dmaAddress);
        Swiotlb pool = dev.swiotlbOrNull();
        if (pool != null && pool.contains(phys)) {
            pool.syncSingleForDevice(m.warnings(), dev, phys, size, dir);
        }
        if (!dev.coherent()) {
            m.cache().syncForDevice(size);
        }
    }
}
