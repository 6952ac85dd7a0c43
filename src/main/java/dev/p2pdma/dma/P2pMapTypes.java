package dev.p2pdma.dma;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.pci.PciTopology;
import java.util.concurrent.atomic.LongAdder;

/**
 * Models pci_p2pdma_map_type(pgmap, dev) as the DMA layer calls it (spec 1.11): the provider of
 * the page map must be a PCI function with a P2PDMA record and the client must be a PCI device,
 * else NOT_SUPPORTED; otherwise the provider's map-type cache answers, computing verbosely (into
 * the log) on first use.
 *
 * <p>Immutable apart from the lookup counter; thread-safe (the cache is).
 */
public final class P2pMapTypes {

    /** The PCI tree, or null for a machine without one (every P2P page is NOT_SUPPORTED). */
    private final PciTopology topology;
    /** The per-provider caches. */
    private final MapTypeCache cache;
    /** Where the first computation of a pair prints its lines. */
    private final KernelLog log;
    /** Calls of {@link #mapType}: the per-list state of dma_map_sg must keep these to one per page-map run. */
    private final LongAdder lookups = new LongAdder();

    private P2pMapTypes(PciTopology topology, MapTypeCache cache, KernelLog log) {
        this.topology = topology;
        this.cache = cache;
        this.log = log;
    }

    /** Answers from {@code cache} over {@code topology}, printing first computations into {@code log}. */
    public static P2pMapTypes of(PciTopology topology, MapTypeCache cache, KernelLog log) {
        return new P2pMapTypes(topology, cache, log);
    }

    /** A machine with no PCI P2PDMA providers: every P2P page is NOT_SUPPORTED. */
    public static P2pMapTypes none() {
        return new P2pMapTypes(null, null, KernelLog.discard());
    }

    /** Models pci_p2pdma_map_type(pgmap, dev). */
    public MapType mapType(DevicePageMap pgmap, DmaDevice client) {
        lookups.increment();
        if (topology == null) {
            return MapType.NOT_SUPPORTED;
        }
        int provider = topology.indexOf(pgmap.provider());
        if (provider < 0 || !cache.hasRecord(provider)) {
            return MapType.NOT_SUPPORTED;
        }
        int clientIndex = client.pciIndex();
        if (clientIndex < 0) {
            return MapType.NOT_SUPPORTED;
        }
        return cache.mapType(provider, clientIndex, log);
    }

    /** Calls of {@link #mapType} so far. */
    public long lookups() {
        return lookups.sum();
    }
}
