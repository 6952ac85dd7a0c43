package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.pci.PciTopology;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Models the per-provider map_types cache and pci_p2pdma_map_type() (spec 1.11): the first lookup
 * of a (provider, client) pair runs the verbose calculation and stores its map type under the
 * client's key ({@code domain << 16 | bus << 8 | devfn}); later lookups return the stored value,
 * even if ACS has changed since. Only providers with a P2PDMA record have a cache; for any other
 * provider the answer is NOT_SUPPORTED. Distances are never cached.
 *
 * <p>Thread-safe: each provider's cache is a {@link ConcurrentHashMap} created once (by CAS on an
 * {@link AtomicReferenceArray}); two racing first lookups may both calculate, and both store the
 * same value, as in the kernel.
 */
public final class MapTypeCache {

    /** The decision that fills the cache. */
    private final P2pDmaDecision decision;
    /** Per provider index: its cache, or null when it has no P2PDMA record. */
    private final AtomicReferenceArray<ConcurrentHashMap<Long, MapType>> records;

    /** A cache where the functions with captured {@code p2pmem} attributes have a record. */
    public MapTypeCache(P2pDmaDecision decision) {
        this(decision, true);
    }

    private MapTypeCache(P2pDmaDecision decision, boolean fromCapture) {
        this.decision = decision;
        PciTopology t = decision.topology();
        this.records = new AtomicReferenceArray<>(t.size());
        for (int i = 0; fromCapture && i < t.size(); i++) {
            if (t.function(i).p2pmem().isPresent()) {
                records.set(i, new ConcurrentHashMap<>());
            }
        }
    }

    /**
     * A cache in which no provider has a record yet, for a model that creates records itself
     * through pci_p2pdma_add_resource() ({@link P2pDmaProviders}).
     */
    public static MapTypeCache withoutRecords(P2pDmaDecision decision) {
        return new MapTypeCache(decision, false);
    }

    /** Gives a provider a P2PDMA record (as pci_p2pdma_add_resource() creates one). Idempotent. */
    public void createRecord(int provider) {
        records.compareAndSet(provider, null, new ConcurrentHashMap<>());
    }

    /** Models xa_destroy() of the map types in pci_p2pdma_release(): the provider loses its record and its cached pairs. */
    public void dropRecord(int provider) {
        records.set(provider, null);
    }

    /** True when the provider has a P2PDMA record. */
    public boolean hasRecord(int provider) {
        return records.get(provider) != null;
    }

    /**
     * Models pci_p2pdma_map_type(): NOT_SUPPORTED without a record; else the cached type, computed
     * verbosely into {@code log} on first use.
     */
    public MapType mapType(int provider, int client, KernelLog log) {
        ConcurrentHashMap<Long, MapType> cache = records.get(provider);
        if (cache == null) {
            return MapType.NOT_SUPPORTED;
        }
        long key = decision.topology().function(client).address().cacheKey();
        MapType t = cache.get(key);
        if (t != null) {
            return t;
        }
        P2pVerdict v = decision.verdict(provider, client);
        log.printAll(v.kernelLog());
        cache.put(key, v.mapType());
        return v.mapType();
    }

    /**
     * Models calc_map_type_and_dist()'s side effect for the distance functions: stores the computed
     * type of a pair when the provider has a record (a {@link P2pDmaDecision.PairObserver}).
     */
    public void store(int provider, int client, MapType type) {
        ConcurrentHashMap<Long, MapType> cache = records.get(provider);
        if (cache != null) {
            cache.put(decision.topology().function(client).address().cacheKey(), type);
        }
    }

    /** Number of cached pairs for a provider (0 without a record). */
    public int cachedPairs(int provider) {
        ConcurrentHashMap<Long, MapType> cache = records.get(provider);
        return cache == null ? 0 : cache.size();
    }
}
