package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * Spec 5.4 and 5.5 under concurrency: four threads allocate and free IOVA ranges of 1..64 pages,
 * through the fast API and the tree API, in a 64 Ki-pfn space small enough to run out (so the
 * flush-and-retry path runs), while a fifth thread runs the depot work; one second with a single
 * CPU slot shared by all four threads, one second with two slots. Every pfn of every range is
 * claimed in a shared ownership array, so two live ranges overlapping is seen the moment it happens. At the end every range is freed, the rcaches flushed,
 * and the domain must hold only its anchor: no IOVA leaked.
 */
class IovaStressTest {

    /** The lowest pfn handed out. */
    private static final long START = 0xF0000L;
    /** The limit: the space is START..LIMIT. */
    private static final long LIMIT = 0xFFFFFL;
    /** How long the threads run in each phase. */
    private static final long RUN_NANOS = 1_000_000_000L;
    /** Allocating threads. */
    private static final int THREADS = 4;

    /** A range a thread holds, and whether it came from the fast API. */
    private record Held(long pfn, long sizePfns, long askedPfns, boolean fast) {
    }

    @Test
    void threadsAllocatingAndFreeingNeverOverlapAndLeakNothing_spec5_4_spec5_5() throws Exception {
        // one CPU slot: every thread contends on the same per-CPU locks; two: slots are shared in pairs
        run(1);
        run(2);
    }

    private static void run(int cpus) throws Exception {
        IovaDomain d = new IovaDomain(4096, START, cpus);
        d.initRcaches();
        AtomicIntegerArray owner = new AtomicIntegerArray((int) (LIMIT - START + 1));
        long deadline = System.nanoTime() + RUN_NANOS;
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 1; t <= THREADS; t++) {
                long seed = 0x10AL * t;
                int me = t;
                results.add(pool.submit(() -> loop(d, owner, me, seed, deadline)));
            }
            Future<?> depot = pool.submit(() -> {
                while (!stop.get()) {
                    d.runDepotWork();
                    Thread.onSpinWait();
                }
            });
            long allocations = 0;
            for (Future<long[]> f : results) {
                long[] counts = f.get(60, TimeUnit.SECONDS);
                assertThat(counts[2]).as("overlaps seen with %d CPU slot(s) (seeds 0x10A * thread)", cpus).isZero();
                allocations += counts[0];
            }
            stop.set(true);
            depot.get(60, TimeUnit.SECONDS);
            assertThat(allocations).isPositive();
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        assertThat(d.allocatedPfns()).as("pfns still held after every thread freed its ranges").isZero();
        d.flushRcaches();
        d.checkInvariants();
        assertThat(d.treeNodes()).as("tree nodes left: " + d.ranges()).isEqualTo(1);
        assertThat(d.treeAllocatedPfns()).isZero();
        for (int i = 0; i < owner.length(); i++) {
            assertThat(owner.get(i)).as("pfn 0x%x still claimed", START + i).isZero();
        }
    }

    /** One thread's loop; returns {allocations, failures, overlaps}. */
    private static long[] loop(IovaDomain d, AtomicIntegerArray owner, int me, long seed, long deadline) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Held> mine = new ArrayList<>();
        long[] counts = new long[3];
        while (System.nanoTime() - deadline < 0) {
            for (int k = 0; k < 64; k++) {
                if (mine.size() < 150 && (mine.isEmpty() || r.nextInt(100) < 55)) {
                    long size = 1 + r.nextInt(64);
                    Held h;
                    if (r.nextInt(4) != 0) {
                        long pfn = d.allocIovaFast(size, LIMIT, true);
                        if (pfn == 0) {
                            counts[1]++;
                            continue;
                        }
                        long rounded = size < 32 ? Long.highestOneBit(size - 1) << 1 : size;
                        h = new Held(pfn, size == 1 ? 1 : rounded, size, true);
                    } else {
                        Optional<Iova> got = d.allocIova(size, LIMIT, r.nextBoolean());
                        if (got.isEmpty()) {
                            counts[1]++;
                            continue;
                        }
                        h = new Held(got.get().pfnLo(), got.get().sizePfns(), size, false);
                    }
                    counts[0]++;
                    for (long p = h.pfn(); p < h.pfn() + h.sizePfns(); p++) {
                        if (!owner.compareAndSet((int) (p - START), 0, me)) {
                            counts[2]++;
                        }
                    }
                    mine.add(h);
                } else {
                    release(d, owner, me, mine.remove(r.nextInt(mine.size())), counts);
                }
            }
        }
        while (!mine.isEmpty()) {
            release(d, owner, me, mine.remove(mine.size() - 1), counts);
        }
        return counts;
    }

    /** Unclaims a range's pfns, then frees it the way it was allocated. */
    private static void release(IovaDomain d, AtomicIntegerArray owner, int me, Held h, long[] counts) {
        for (long p = h.pfn(); p < h.pfn() + h.sizePfns(); p++) {
            if (!owner.compareAndSet((int) (p - START), me, 0)) {
                counts[2]++;
            }
        }
        if (h.fast()) {
            d.freeIovaFast(h.pfn(), h.askedPfns());
        } else {
            d.freeIova(new Iova(h.pfn(), h.pfn() + h.sizePfns() - 1));
        }
    }
}
