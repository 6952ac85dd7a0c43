package dev.p2pdma.dma;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.SgDmaBehaviour;
import dev.p2pdma.sg.SgEntry;

/**
 * Models struct pci_p2pdma_map_state and pci_p2pdma_map_segment() (spec 1.14): the map type and
 * bus offset of the last page map seen in one scatterlist, refreshed when the page map changes.
 * Shared by every backend that handles P2PDMA pages (dma-direct, dma-iommu).
 *
 * <p>Invariant: {@link #map} is the answer of {@link P2pMapTypes#mapType} for {@link #pgmap} (or
 * UNKNOWN before the first page). Lives on the stack of one map_sg call; not thread-safe, never
 * shared.
 */
public final class P2pMapState {
    /** The page map the cached answer is for. */
    private DevicePageMap pgmap;
    /** Its map type for this device. */
    private MapType map = MapType.UNKNOWN;
    /** Its bus offset. */
    private long busOffset;

    /** A fresh state (no page map seen yet). */
    public P2pMapState() {
    }

    /**
     * Models pci_p2pdma_map_segment(): refreshes on a new page map; for BUS_ADDR sets the DMA
     * address by the era's {@link SgDmaBehaviour#busAddress() formula}, the DMA length and the era's
     * mark. {@code page} must be a P2PDMA page.
     */
    public MapType mapSegment(DmaMapping m, DmaDevice dev, SgEntry e, Page page) {
        DevicePageMap pm = page.pagemap().orElseThrow();
        if (pm != pgmap) {
            pgmap = pm;
            map = m.p2p().mapType(pm, dev);
            busOffset = pm.busOffset();
        }
        if (map == MapType.BUS_ADDR) {
            SgDmaBehaviour api = m.sgDma();
            e.setDmaAddress(api.busAddress().busAddress(page.physAddress() + e.offset(), e.offset(), busOffset));
            e.setDmaLength(e.length());
            api.mark().mark(e);
        }
        return map;
    }
}
