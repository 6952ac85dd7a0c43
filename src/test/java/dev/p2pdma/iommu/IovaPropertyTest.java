package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.XorShift64;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Spec 5.4 and 5.5, seeded random sequences of alloc_iova / __free_iova / free_iova /
 * alloc_iova_fast / free_iova_fast / reserve_iova with 32-bit, 48-bit and small limits, aligned
 * and not, on several CPU slots, with flushes and depot work mixed in: every range handed out
 * lies in {@code [startPfn, limit]}, is size-aligned when asked, and overlaps no live range and no
 * reservation; the tree stays a valid red-black tree; after everything is freed only the anchor
 * and the reservations remain once the rcaches are flushed. The seed is in every failure message.
 */
class IovaPropertyTest {

    private static final long[] LIMITS = {0xFFFFFL, 0xFFFFFFFFFL, 0x3FFFL, 0x10FFFFL};

    /** A live range and how it was allocated. */
    private record Live(Iova range, boolean fast, long askedSize) {
    }

    @Test
    void liveRangesNeverOverlapAndFreeingEverythingLeavesOnlyTheAnchorAndReservations_spec5_4_spec5_5() {
        for (long seed = 1; seed <= 8; seed++) {
            runOne(seed);
        }
    }

    private static void runOne(long seed) {
        XorShift64 g = new XorShift64(seed * 0x9E3779B97F4A7C15L);
        int cpus = 1 + g.nextInt(3);
        long startPfn = 1 + g.nextInt(16);
        IovaDomain d = new IovaDomain(4096, startPfn, cpus);
        boolean rcaches = g.nextInt(4) != 0;
        if (rcaches) {
            d.initRcaches();
        }
        List<Live> live = new ArrayList<>();
        // reservations come first, as the PCI windows at domain init: one that overlaps a live
        // allocation would merge into it (the kernel widens that node) and go when it is freed
        List<Iova> reserved = new ArrayList<>();
        int reservations = g.nextInt(40);
        for (int i = 0; i < reservations; i++) {
            long lo = i % 2 == 0 ? g.next() & 0xFFFFF : g.next() & 0x3FFF;
            long hi = lo + g.nextInt(64);
            Iova r = d.reserveIova(lo, hi).orElseThrow();
            reserved.add(new Iova(lo, hi));
            assertThat(r.pfnHi()).as("seed %d reservation %d", seed, i).isGreaterThanOrEqualTo(hi);
            assertThat(r.pfnLo()).as("seed %d reservation %d", seed, i).isLessThanOrEqualTo(hi);
        }
        for (int step = 0; step < 6000; step++) {
            String where = "seed " + seed + " step " + step;
            int op = g.nextInt(100);
            if (op < 50 || live.isEmpty()) {
                long limit = LIMITS[g.nextInt(LIMITS.length)];
                long size = g.nextInt(10) == 0 ? 33 + g.nextInt(200) : 1 + g.nextInt(32);
                boolean fast = g.nextInt(2) == 0;
                Iova got;
                if (fast) {
                    long pfn = d.allocIovaFast(g.nextInt(cpus), size, limit, g.nextInt(2) == 0);
                    if (pfn == 0) {
                        continue;
                    }
                    got = d.findIova(pfn).orElseThrow();
                    assertThat(got.pfnLo()).as(where).isEqualTo(pfn);
                    long rounded = size < 32 ? Long.highestOneBit(size - 1) << 1 : size;
                    assertThat(got.sizePfns()).as(where).isEqualTo(size == 1 ? 1 : rounded);
                } else {
                    boolean aligned = g.nextInt(3) != 0;
                    var r = d.allocIova(size, limit, aligned);
                    if (r.isEmpty()) {
                        continue;
                    }
                    got = r.get();
                    assertThat(got.sizePfns()).as(where).isEqualTo(size);
                    if (aligned) {
                        long align = Long.highestOneBit(size - 1) << 1;
                        assertThat(got.pfnLo() % Math.max(align, 1)).as(where + " alignment of " + got).isZero();
                    }
                }
                assertThat(got.pfnLo()).as(where).isGreaterThanOrEqualTo(startPfn);
                assertThat(got.pfnHi()).as(where).isLessThanOrEqualTo(limit);
                for (Live l : live) {
                    assertThat(overlap(l.range(), got)).as(where + ": " + got + " overlaps live " + l.range()).isFalse();
                }
                for (Iova r : reserved) {
                    assertThat(overlap(r, got)).as(where + ": " + got + " overlaps reservation " + r).isFalse();
                }
                live.add(new Live(got, fast, size));
            } else if (op < 95) {
                Live l = live.remove(g.nextInt(live.size()));
                freeLive(d, g, cpus, l);
            } else if (op < 97) {
                d.runDepotWork();
            } else if (op < 98) {
                d.flushRcaches();
            } else {
                d.checkInvariants();
            }
        }
        d.checkInvariants();
        long held = 0;
        for (Live l : live) {
            held += l.range().sizePfns();
        }
        assertThat(d.allocatedPfns()).as("seed %d", seed).isEqualTo(held);
        while (!live.isEmpty()) {
            freeLive(d, g, cpus, live.remove(live.size() - 1));
        }
        assertThat(d.allocatedPfns()).as("seed %d", seed).isZero();
        d.flushRcaches();
        d.checkInvariants();
        assertThat(d.treeAllocatedPfns()).as("seed %d", seed).isZero();
        assertThat(d.rcachedRanges()).as("seed %d", seed).isZero();
        for (Iova r : d.ranges()) {
            assertThat(reserved.stream().anyMatch(x -> overlap(x, r))).as("seed %d: %s is no reservation", seed, r).isTrue();
        }
        assertThat(d.treeNodes()).as("seed %d", seed).isEqualTo(1 + d.ranges().size());
    }

    private static void freeLive(IovaDomain d, XorShift64 g, int cpus, Live l) {
        if (l.fast()) {
            d.freeIovaFast(g.nextInt(cpus), l.range().pfnLo(), l.askedSize());
        } else if (g.nextInt(2) == 0) {
            d.freeIova(l.range());
        } else {
            d.freeIova(l.range().pfnLo() + g.nextInt((int) Math.min(l.range().sizePfns(), 1 << 20)));
        }
    }

    private static boolean overlap(Iova a, Iova b) {
        return a.pfnLo() <= b.pfnHi() && b.pfnLo() <= a.pfnHi();
    }
}
