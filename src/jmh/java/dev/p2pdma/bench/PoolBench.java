package dev.p2pdma.bench;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.GenPool;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.P2pDmaProviders;
import dev.p2pdma.p2pdma.P2pMemBlock;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * pci_alloc_p2pmem() + pci_free_p2pmem() of 4 KiB from one provider whose pool is a 64 MiB BAR
 * (the conformance NVMe CMB), with one thread and with two threads sharing the pool; the bare
 * gen_pool alloc+free for reference. Baselines: finding, setting and clearing one bit of a plain
 * {@link BitSet} (no lock), and, for two threads, two compare-and-set updates of one shared
 * {@link AtomicLong} (the unavoidable cost of sharing a cache line).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PoolBench {

    /** The provider. */
    private static final PciAddress NVME = PciAddress.parse("0000:00:02.0");
    /** 4 KiB. */
    private static final long SIZE = 4096;

    /** The registry with the provider's 64 MiB registered. */
    private P2pDmaProviders providers;
    /** A bare pool of the same size. */
    private GenPool<DevicePageMap> pool;
    /** Baseline bitmap. */
    private BitSet bits;
    /** Baseline shared word. */
    private AtomicLong word;
    /** Baseline gen_pool_chunk line: the free count at {@link #AVAIL}, the first bitmap word beside it at {@link #BITS}. */
    private final long[] line = new long[2];
    /** Index of the free count in {@link #line}. */
    private static final int AVAIL = 0;
    /** Index of the bitmap word in {@link #line}. */
    private static final int BITS = 1;
    /** Access to {@link #line}. */
    private static final VarHandle LINE = MethodHandles.arrayElementVarHandle(long[].class);
    /** The provider's page map. */
    private DevicePageMap pagemap;

    @Setup
    public void setUp() {
        PciFunction nvme = PciFunction.builder(NVME).ids(0x1b36, 0x0010).classCode(0x010802).headerType(0)
                .portType(PortType.RC_INTEGRATED_ENDPOINT).acs(AcsState.ABSENT).driver("nvme")
                .bars(List.of(new Bar(2, 0xf8000000L, 64L << 20, true, true, true))).build();
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .add(nvme, new Parent.RootBus(new HostBridge(0, 0))).build();
        providers = P2pDmaProviders.create(t, PhysicalMemory.forTopology(t, 1L << 30), KernelLog.discard(), new SplittableRandom(1));
        if (providers.registration().addResource(NVME, 2, 0, 0).isPresent()) {
            throw new IllegalStateException("add_resource failed");
        }
        pagemap = providers.provider(NVME).orElseThrow().pagemaps().get(0);
        pool = new GenPool<>(12);
        pool.addChunk(0xffff8880f8000000L, 0xf8000000L, 64L << 20, null);
        bits = new BitSet(16384);
        word = new AtomicLong();
    }

    /** pci_alloc_p2pmem(4 KiB) then pci_free_p2pmem(), one thread. */
    @Benchmark
    public long allocFree() {
        return allocFreeOnce();
    }

    /** The same, two threads on the same pool at once (score is per operation per thread). */
    @Benchmark
    @Threads(2)
    public long allocFree2Threads() {
        return allocFreeOnce();
    }

    private long allocFreeOnce() {
        P2pMemBlock b = providers.allocator().allocP2pmem(NVME, SIZE).orElseThrow();
        providers.allocator().freeP2pmem(b);
        return b.virt();
    }

    /** gen_pool_alloc() + gen_pool_free() of 4 KiB on a bare pool, one thread (no page-map reference). */
    @Benchmark
    public long genPoolAllocFree() {
        long v = pool.alloc(SIZE).orElseThrow().virt();
        pool.free(v, SIZE);
        return v;
    }

    /** The bare pool's alloc+free with two threads at once (the share of the pool in {@link #allocFree2Threads}). */
    @Benchmark
    @Threads(2)
    public long genPoolAllocFree2Threads() {
        return genPoolAllocFree();
    }

    /** A page-map reference taken and dropped by two threads at once (the share of the reference in {@link #allocFree2Threads}). */
    @Benchmark
    @Threads(2)
    public boolean pagemapRef2Threads() {
        boolean got = pagemap.tryGet();
        pagemap.put();
        return got;
    }

    /** Baseline: set and clear one bit of a plain BitSet. */
    @Benchmark
    public boolean bitSetSetClear() {
        int i = bits.nextClearBit(0);
        bits.set(i);
        bits.clear(i);
        return bits.isEmpty();
    }

    /**
     * Baseline for two threads: the shared-line traffic of the kernel's own gen_pool alloc+free
     * (lib/genalloc.c 6.12), whose {@code struct gen_pool_chunk} keeps {@code avail} beside
     * {@code bits[0]}: a read and compare-and-set setting the thread's bit, atomic_long_sub() of the
     * free count, a read and compare-and-set clearing the bit, atomic_long_add() of the count.
     */
    @Benchmark
    @Threads(2)
    public long genallocLineTraffic2Threads() {
        long bit = 1L << (Thread.currentThread().threadId() & 63);
        long v;
        do {
            v = (long) LINE.getVolatile(line, BITS);
        } while (!LINE.compareAndSet(line, BITS, v, v | bit));
        LINE.getAndAdd(line, AVAIL, -SIZE);
        do {
            v = (long) LINE.getVolatile(line, BITS);
        } while (!LINE.compareAndSet(line, BITS, v, v & ~bit));
        LINE.getAndAdd(line, AVAIL, SIZE);
        return v;
    }

    /** Baseline for two threads: two compare-and-set updates (up, then down) of one shared word. */
    @Benchmark
    @Threads(2)
    public long atomicCasPair2Threads() {
        long v;
        do {
            v = word.get();
        } while (!word.compareAndSet(v, v + 1));
        do {
            v = word.get();
        } while (!word.compareAndSet(v, v - 1));
        return v;
    }
}
