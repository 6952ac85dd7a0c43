package dev.p2pdma.bench;

import dev.p2pdma.iommu.IovaDomain;
import dev.p2pdma.iommu.IovaLocking;
import dev.p2pdma.testing.IovaWorkload;
import dev.p2pdma.testing.IovaWorkload.Prefrag;
import dev.p2pdma.testing.XorShift64;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The IOVA workloads of {@code ../shared/bench/workloads.md}, scored in ns per alloc+free pair:
 * {@code iova.warm.size1} / {@code size32} (10^6 alloc_iova_fast + free_iova_fast pairs per
 * invocation under the 32-bit limit, one domain with rcaches per trial), {@code iova.cold.rand1-64}
 * (10^5 alloc_iova + __free_iova pairs of 1..64 size-aligned pages per invocation on a 50 %
 * fragmented space) and {@code iova.fragfast.rand1-64} (the same space through the fast API). For
 * the fragmented ones the xorshift64 generator seeded 42 runs on from the prefrag through every
 * warm-up and measured invocation, never re-seeded. Each state's setup prints the workload's check
 * values and refuses to run when they differ from the kernel's C.
 *
 * <p>Baselines: {@link #bareLockedPushPop()} two uncontended CAS locks around a push and a pop on
 * an array per pair (the floor of the rcache design); {@link #treeMapPutRemove()} a
 * {@link TreeMap} put + remove of a random key among 32,768 per pair (a library balanced tree).
 *
 * <p>Quick run: {@code ./mvnw -q -o -DskipTests test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test}, then {@code java -cp
 * target/test-classes:target/classes:$(cat target/bench.classpath) org.openjdk.jmh.Main IovaBench
 * -f 1 -wi 3 -i 3 -w 1 -r 1}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IovaBench {

    /** The build named by a {@code locking} parameter. */
    private static IovaLocking build(String locking) {
        return locking.equals("none") ? IovaLocking.NONE : IovaLocking.SPINLOCK;
    }

    /** Refuses to run when a check line differs from the kernel's C; prints it otherwise. */
    private static void check(String name, String actual, String kernel) {
        System.out.println(name + ": " + actual);
        if (!actual.equals(kernel)) {
            throw new IllegalStateException(name + " differs from the kernel's C: " + kernel);
        }
    }

    /** iova.warm: a fresh domain with rcaches per trial, reused by every run. */
    @State(Scope.Thread)
    public static class Warm {
        /** The build: {@code spinlock} (real uncontended spinlocks) or {@code none} (the workloads' nolock build). */
        @Param({"spinlock", "none"})
        public String locking;
        /** The domain. */
        IovaDomain domain;

        /** Checks both warm workloads' values, then makes the trial's domain. */
        @Setup(Level.Trial)
        public void setUp() {
            check("iova.warm.size1", IovaWorkload.warmCheckLine(1, build(locking)), IovaWorkload.KERNEL_WARM_SIZE1);
            check("iova.warm.size32", IovaWorkload.warmCheckLine(32, build(locking)), IovaWorkload.KERNEL_WARM_SIZE32);
            domain = IovaWorkload.domain(true, build(locking));
        }
    }

    /** iova.cold.rand1-64: a fresh prefragmented domain without rcaches per trial, and its generator. */
    @State(Scope.Thread)
    public static class Cold {
        /** The build: {@code spinlock} (real uncontended spinlocks) or {@code none} (the workloads' nolock build). */
        @Param({"spinlock", "none"})
        public String locking;
        /** The domain. */
        IovaDomain domain;
        /** The generator, continuing from the prefrag. */
        XorShift64 gen;

        /** Checks the workload's values, then makes the trial's domain. */
        @Setup(Level.Trial)
        public void setUp() {
            check("iova.cold.rand1-64", IovaWorkload.fragmentedCheckLine(false, IovaWorkload.RUNS, build(locking)), IovaWorkload.KERNEL_COLD);
            domain = IovaWorkload.domain(false, build(locking));
            gen = new XorShift64(IovaWorkload.SEED);
            Prefrag p = IovaWorkload.prefrag(domain, gen);
            if (p.nodes() != 32769) {
                throw new IllegalStateException("prefrag left " + p.nodes() + " nodes");
            }
        }
    }

    /** iova.fragfast.rand1-64: as {@link Cold} with rcaches. */
    @State(Scope.Thread)
    public static class FragFast {
        /** The build: {@code spinlock} (real uncontended spinlocks) or {@code none} (the workloads' nolock build). */
        @Param({"spinlock", "none"})
        public String locking;
        /** The domain. */
        IovaDomain domain;
        /** The generator, continuing from the prefrag. */
        XorShift64 gen;

        /** Checks the workload's values, then makes the trial's domain. */
        @Setup(Level.Trial)
        public void setUp() {
            check("iova.fragfast.rand1-64", IovaWorkload.fragmentedCheckLine(true, IovaWorkload.RUNS, build(locking)), IovaWorkload.KERNEL_FRAGFAST);
            domain = IovaWorkload.domain(true, build(locking));
            gen = new XorShift64(IovaWorkload.SEED);
            IovaWorkload.prefrag(domain, gen);
        }
    }

    /** Baseline state: two lock words and an array stack; a 32,768-key tree map and a generator. */
    @State(Scope.Thread)
    public static class Bare {
        /** The "loaded magazine" lock. */
        final AtomicInteger lock = new AtomicInteger();
        /** The "magazine". */
        final long[] stack = new long[128];
        /** How many entries the stack holds. */
        int top = 1;
        /** The tree map. */
        final TreeMap<Long, Long> map = new TreeMap<>();
        /** Keys for the tree map. */
        final XorShift64 gen = new XorShift64(IovaWorkload.SEED);

        /** Fills the stack's bottom and the map. */
        @Setup(Level.Trial)
        public void setUp() {
            stack[0] = 0xFFFFF;
            for (int i = 0; i < 32768; i++) {
                map.put(gen.next() & 0xFFFFFFFFFL, 0L);
            }
        }
    }

    /** iova.warm.size1: 10^6 alloc_iova_fast(1, 0xFFFFF, true) + free_iova_fast(pfn, 1). */
    @Benchmark
    @OperationsPerInvocation(IovaWorkload.WARM_PAIRS)
    public long warmSize1(Warm s) {
        return IovaWorkload.warmPairs(s.domain, 1, IovaWorkload.WARM_PAIRS);
    }

    /** iova.warm.size32: 10^6 alloc_iova_fast(32, 0xFFFFF, true) + free_iova_fast(pfn, 32). */
    @Benchmark
    @OperationsPerInvocation(IovaWorkload.WARM_PAIRS)
    public long warmSize32(Warm s) {
        return IovaWorkload.warmPairs(s.domain, 32, IovaWorkload.WARM_PAIRS);
    }

    /** iova.cold.rand1-64: 10^5 alloc_iova(rand 1..64, 0xFFFFFFFFF, true) + __free_iova(). */
    @Benchmark
    @OperationsPerInvocation(IovaWorkload.COLD_PAIRS)
    public long coldRand1to64(Cold s) {
        return IovaWorkload.coldPairs(s.domain, s.gen, IovaWorkload.COLD_PAIRS);
    }

    /** iova.fragfast.rand1-64: 10^5 alloc_iova_fast(rand 1..64, 0xFFFFFFFFF, true) + free_iova_fast(). */
    @Benchmark
    @OperationsPerInvocation(IovaWorkload.COLD_PAIRS)
    public long fragfastRand1to64(FragFast s) {
        return IovaWorkload.fragfastPairs(s.domain, s.gen, IovaWorkload.COLD_PAIRS);
    }

    /** Baseline: 10^6 times CAS-lock, pop, release; CAS-lock, push, release. */
    @Benchmark
    @OperationsPerInvocation(IovaWorkload.WARM_PAIRS)
    public long bareLockedPushPop(Bare s) {
        long sum = 0;
        AtomicInteger lock = s.lock;
        long[] stack = s.stack;
        for (int i = 0; i < IovaWorkload.WARM_PAIRS; i++) {
            while (!lock.compareAndSet(0, 1)) {
                Thread.onSpinWait();
            }
            long pfn = stack[--s.top];
            lock.setRelease(0);
            while (!lock.compareAndSet(0, 1)) {
                Thread.onSpinWait();
            }
            stack[s.top++] = pfn;
            lock.setRelease(0);
            sum += pfn;
        }
        return sum;
    }

    /** Baseline: 10^5 TreeMap put + remove of a random 36-bit key in a 32,768-key map. */
    @Benchmark
    @OperationsPerInvocation(IovaWorkload.COLD_PAIRS)
    public long treeMapPutRemove(Bare s) {
        long sum = 0;
        TreeMap<Long, Long> map = s.map;
        for (int i = 0; i < IovaWorkload.COLD_PAIRS; i++) {
            Long key = s.gen.next() & 0xFFFFFFFFFL;
            if (map.putIfAbsent(key, 0L) == null) {
                map.remove(key);
            }
            sum += key;
        }
        return sum;
    }
}
