package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapResult;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import dev.p2pdma.testing.XorShift64;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Threads of one IOMMU group map and unmap lists on the shared domain at once (spec 5.3): every
 * mapping translates to its own pages while the others churn (no lost or crossed translation), and
 * at the end no IOVA and no page-table entry is left. Bounded to about a second per mode.
 */
class IommuMapStressTest {

    /** Threads. */
    private static final int THREADS = 4;
    /** Time per mode, ns. */
    private static final long RUN_NS = 800_000_000L;

    private static void run(IommuDomainFlushMode mode, long seed) throws InterruptedException {
        IommuFixture f = IommuFixture.intel();
        IommuDomain domain = f.domain(mode);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong maps = new AtomicLong();
        long deadline = System.nanoTime() + RUN_NS;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, domain).build();
            threads.add(Thread.ofPlatform().start(() -> {
                XorShift64 rnd = new XorShift64(seed + id);
                int base = id * 1024;
                while (System.nanoTime() < deadline && problems.isEmpty()) {
                    int n = 1 + rnd.nextInt(32);
                    List<SgLists.Seg> segs = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        segs.add(SgLists.seg(f.machine.ramPage(base + rnd.nextInt(1000)), 0, PageSize.PAGE_SIZE));
                    }
                    SgTable table = SgLists.table(segs);
                    DmaMapResult r = f.mapping.mapSgtable(dev, table, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
                    if (!r.isOk()) {
                        problems.add("seed " + seed + " thread " + id + ": map failed " + r);
                        return;
                    }
                    long dma = table.entries(1).get(0).dmaAddress();
                    int i = 0;
                    for (SgEntry e : table.entries(n)) {
                        long want = segs.get(i++).page().physAddress();
                        long got = domain.iovaToPhys(dma + (long) (i - 1) * PageSize.PAGE_SIZE).orElse(-1);
                        if (got != want) {
                            problems.add(String.format("seed %d thread %d: IOVA page %d translates to 0x%x, not 0x%x", seed, id, i - 1, got, want));
                        }
                    }
                    f.mapping.unmapSgtable(dev, table, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
                    maps.incrementAndGet();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(problems).as("seed %d", seed).isEmpty();
        assertThat(maps.get()).isPositive();
        domain.flush();
        IovaDomain iova = domain.iovaDomain().orElseThrow();
        assertThat(iova.allocatedPfns()).as("leaked IOVA pfns, seed %d", seed).isZero();
        assertThat(domain.pageTable().isEmpty()).as("seed %d", seed).isTrue();
        iova.flushRcaches();
        assertThat(iova.treeNodes()).isEqualTo(3);
    }

    @Test
    void concurrentMapUnmapLeaksNothingAndLosesNoTranslation_strict_spec5_3() throws InterruptedException {
        run(IommuDomainFlushMode.STRICT, 0x5EED_0001L);
    }

    @Test
    void concurrentMapUnmapLeaksNothingAndLosesNoTranslation_lazy_spec5_1() throws InterruptedException {
        run(IommuDomainFlushMode.LAZY, 0x5EED_0002L);
    }
}
