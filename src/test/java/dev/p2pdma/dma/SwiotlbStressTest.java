package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Spec 4 under concurrency: threads bounce their own buffers through one small two-area pool at
 * once (large enough that it can run full); every successful bounce must carry exactly its own bytes both
 * ways, and the pool must end empty. Bounded to about two seconds.
 */
class SwiotlbStressTest {

    /** Seed of thread 0 (thread i uses SEED + i). */
    private static final long SEED = 0x57E55L;
    /** Threads bouncing at once. */
    private static final int THREADS = 4;
    /** How long they run. */
    private static final long RUN_NS = 2_000_000_000L;

    @Test
    void concurrentBouncesNeverShareSlotsAndThePoolEndsEmpty_spec4() throws Exception {
        DmaFixture f = DmaFixture.intel();
        Swiotlb pool = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 256, 2, () -> (int) Thread.currentThread().threadId());
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(pool).build();
        DeviceDma device = DeviceDma.of(f.topology, f.memory);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong bounces = new AtomicLong();
        AtomicLong full = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long deadline = System.nanoTime() + RUN_NS;
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(SEED + id);
                long base = SwitchMachine.BUFFERS_PHYS + id * (4L << 20);
                try {
                    start.await();
                    int round = 0;
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        int len = 1 + r.nextInt(120 * 1024);
                        byte[] mine = SgLists.pattern(len, id * 1_000_003 + round);
                        f.memory.write(base, mine, 0, len);
                        SgTable tab = table(seg(f.machine.ram(base), 0, len));
                        DmaMapResult res = f.mapping.mapSgtable(dev, tab, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
                        if (!res.isOk()) {
                            full.incrementAndGet();
                            continue;
                        }
                        SgEntry e = tab.entries(1).get(0);
                        if (!Arrays.equals(device.readSegment(dev, e), mine)) {
                            throw new AssertionError("seed=" + (SEED + id) + " round " + round + ": bounce buffer holds foreign bytes");
                        }
                        byte[] back = SgLists.pattern(len, -id - round);
                        device.write(dev, e.dmaAddress(), back);
                        f.mapping.unmapSgtable(dev, tab, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
                        if (!Arrays.equals(f.memory.read(base, len), back)) {
                            throw new AssertionError("seed=" + (SEED + id) + " round " + round + ": copy-back lost bytes");
                        }
                        bounces.incrementAndGet();
                        round++;
                    }
                } catch (Throwable x) {
                    failure.compareAndSet(null, x);
                }
            });
            threads.add(th);
            th.start();
        }
        start.countDown();
        for (Thread th : threads) {
            th.join(TimeUnit.NANOSECONDS.toMillis(RUN_NS) + 10_000);
        }
        assertThat(failure.get()).isNull();
        assertThat(bounces.get()).as("seed=" + SEED).isPositive();
        assertThat(pool.usedSlots()).isZero();
        assertThat(pool.areaUsedSlots(0) + pool.areaUsedSlots(1)).isZero();
        assertThat(pool.highWaterSlots()).isLessThanOrEqualTo(256);
    }
}
