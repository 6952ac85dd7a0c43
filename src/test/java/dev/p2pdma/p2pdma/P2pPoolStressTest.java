package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.KernelLog;
import static dev.p2pdma.p2pdma.ProviderFixtures.BAR_BYTES;
import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * Spec 1.3 and 1.4 under concurrency: two threads allocate and free p2pmem of one provider for
 * about two seconds; every page of every block is claimed in a shared ownership array, so an
 * overlap between live blocks is seen the moment it happens.
 */
class P2pPoolStressTest {

    private static final PciAddress NVME = a("0000:03:00.0");
    private static final long PAGE = PageSize.PAGE_SIZE;
    private static final long BAR2 = 0x1_0000_0000L;
    /** How long the threads run. */
    private static final long RUN_NANOS = 2_000_000_000L;

    @Test
    void twoThreadsAllocatingAndFreeingNeverOverlapAndLeaveThePoolFull_spec1_3_spec1_4() throws Exception {
        // a small window of the BAR, so the threads contend and sometimes exhaust it
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        assertThat(p.registration().addResource(NVME, 2, 2L << 20, 0)).isEmpty();
        assertThat(p.registration().addResource(NVME, 2, 2L << 20, 4L << 20)).isEmpty();
        long size = p.provider(NVME).orElseThrow().sizeBytes();
        int pages = (int) (BAR_BYTES / PAGE);
        AtomicIntegerArray owner = new AtomicIntegerArray(pages);
        long deadline = System.nanoTime() + RUN_NANOS;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 1; t <= 2; t++) {
                long seed = 0x5eedL * t;
                int me = t;
                results.add(pool.submit(() -> loop(p, owner, me, seed, deadline)));
            }
            for (Future<long[]> f : results) {
                long[] counts = f.get(30, TimeUnit.SECONDS);
                assertThat(counts[0]).as("allocations made").isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
        P2pDmaProvider rec = p.provider(NVME).orElseThrow();
        assertThat(rec.availBytes()).isEqualTo(size);
        assertThat(rec.liveReferences()).isZero();
        for (int i = 0; i < pages; i++) {
            assertThat(owner.get(i)).as("page " + i + " still claimed").isZero();
        }
    }

    /** One thread's loop; returns {allocations, failures}. */
    private static long[] loop(P2pDmaProviders p, AtomicIntegerArray owner, int me, long seed, long deadline) {
        SplittableRandom r = new SplittableRandom(seed);
        ArrayDeque<P2pMemBlock> mine = new ArrayDeque<>();
        long allocs = 0;
        long failures = 0;
        while (System.nanoTime() - deadline < 0) {
            for (int k = 0; k < 64; k++) {
                if (mine.size() < 200 && (mine.isEmpty() || r.nextInt(100) < 55)) {
                    long want = r.nextInt(3) == 0 ? 1 + r.nextLong(16 * PAGE) : (1 + r.nextInt(4)) * PAGE;
                    Optional<P2pMemBlock> b = p.allocator().allocP2pmem(NVME, want);
                    if (b.isEmpty()) {
                        failures++;
                        continue;
                    }
                    claim(owner, b.get(), 0, me, "seed " + seed);
                    mine.add(b.get());
                    allocs++;
                } else {
                    P2pMemBlock b = r.nextBoolean() ? mine.pollFirst() : mine.pollLast();
                    claim(owner, b, me, 0, "seed " + seed);
                    p.allocator().freeP2pmem(b);
                }
            }
        }
        for (P2pMemBlock b : mine) {
            claim(owner, b, me, 0, "seed " + seed);
            p.allocator().freeP2pmem(b);
        }
        return new long[] {allocs, failures};
    }

    /** Moves every page of {@code b} from owner {@code from} to {@code to}; fails on an overlap. */
    private static void claim(AtomicIntegerArray owner, P2pMemBlock b, int from, int to, String why) {
        long first = (DirectMap.phys(b.virt()) - BAR2) / PAGE;
        long count = PageSize.alignUp(b.sizeBytes()) / PAGE;
        for (long i = first; i < first + count; i++) {
            if (!owner.compareAndSet((int) i, from, to)) {
                throw new AssertionError(why + ": page " + i + " of block " + b + " is owned by " + owner.get((int) i) + ", expected " + from);
            }
        }
    }
}
