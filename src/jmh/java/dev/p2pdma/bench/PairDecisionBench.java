package dev.p2pdma.bench;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sim.SyntheticHost;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One pair decision on the synthetic host: cached (pci_p2pdma_map_type() hitting the per-provider
 * cache), uncached (calc_map_type_and_dist()), and uncached verbose (with reasons and log lines);
 * baselines: a bare ConcurrentHashMap lookup and a bare walk of the two chains.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PairDecisionBench {

    /** Pairs cycled through. */
    private static final int PAIRS = 4096;

    /** The decision. */
    private P2pDmaDecision decision;
    /** The cache, warmed for every pair. */
    private MapTypeCache cache;
    /** Provider of each pair. */
    private int[] providers;
    /** Client of each pair. */
    private int[] clients;
    /** Keys of each pair's client, for the baseline map. */
    private long[] keys;
    /** The baseline map. */
    private ConcurrentHashMap<Long, Integer> plainMap;
    /** pci_upstream_bridge() per function. */
    private int[] upstream;
    /** Pair cursor. */
    private int next;

    @Setup
    public void setUp() {
        PciTopology t = SyntheticHost.build();
        decision = P2pDmaDecision.of(t);
        cache = new MapTypeCache(decision);
        int[] eps = t.matrixEndpoints();
        SplittableRandom r = new SplittableRandom(42);
        providers = new int[PAIRS];
        clients = new int[PAIRS];
        keys = new long[PAIRS];
        plainMap = new ConcurrentHashMap<>();
        for (int k = 0; k < PAIRS; k++) {
            // providers from a small set, as a real system has few p2pmem providers
            providers[k] = eps[r.nextInt(16)];
            clients[k] = eps[r.nextInt(eps.length)];
            cache.createRecord(providers[k]);
            cache.mapType(providers[k], clients[k], KernelLog.discard());
            keys[k] = t.function(clients[k]).address().cacheKey();
            plainMap.put(keys[k], k);
        }
        upstream = new int[t.size()];
        for (int i = 0; i < t.size(); i++) {
            upstream[i] = t.upstream(i);
        }
    }

    private int nextPair() {
        int k = next;
        next = (k + 1) & (PAIRS - 1);
        return k;
    }

    /** pci_p2pdma_map_type() on a cached pair. */
    @Benchmark
    public Object cachedMapType() {
        int k = nextPair();
        return cache.mapType(providers[k], clients[k], KernelLog.discard());
    }

    /** Baseline for the cached lookup: one ConcurrentHashMap get with a boxed long key. */
    @Benchmark
    public Object bareMapLookup() {
        return plainMap.get(keys[nextPair()]);
    }

    /** calc_map_type_and_dist(), not cached. */
    @Benchmark
    public long uncachedCalc() {
        int k = nextPair();
        return decision.calc(providers[k], clients[k]);
    }

    /** The verbose calculation with path, reasons and the kernel's log lines. */
    @Benchmark
    public Object uncachedVerdict() {
        int k = nextPair();
        return decision.verdict(providers[k], clients[k]);
    }

    /** Baseline for the uncached decision: walk both chains to the root. */
    @Benchmark
    public long bareChainWalk() {
        int k = nextPair();
        long sum = 0;
        for (int a = providers[k]; a >= 0; a = upstream[a]) {
            sum += a;
        }
        for (int b = clients[k]; b >= 0; b = upstream[b]) {
            sum += b;
        }
        return sum;
    }
}
