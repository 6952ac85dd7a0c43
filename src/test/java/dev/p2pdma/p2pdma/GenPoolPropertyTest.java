package dev.p2pdma.p2pdma;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.PageSize;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Spec 1.3 as properties over seeded random alloc/free sequences on multi-chunk pools. */
class GenPoolPropertyTest {

    private static final long PAGE = PageSize.PAGE_SIZE;
    /** Seeds tried; each runs its own sequence. */
    private static final long[] SEEDS = {1, 2, 3, 42, 0x5eed, 0xdeadbeefL, 977, 31337};
    /** Operations per sequence. */
    private static final int STEPS = 3000;

    @Test
    void randomSequencesKeepTheBookkeepingExactAndNeverOverlap_spec1_3() {
        for (long seed : SEEDS) {
            run(seed);
        }
    }

    private static void run(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        GenPool<Integer> pool = new GenPool<>(PageSize.PAGE_SHIFT);
        int chunks = 1 + r.nextInt(3);
        long base = 0xffff888100000000L;
        List<long[]> ranges = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            long pages = 1 + r.nextInt(300);
            long virt = base + c * (1L << 30);
            pool.addChunk(virt, 0x4000_0000L * (c + 1), pages * PAGE, c);
            ranges.add(new long[] {virt, pages * PAGE});
        }
        long size = pool.sizeBytes();
        List<GenPool.Block<Integer>> live = new ArrayList<>();
        String why = "seed " + seed;
        for (int step = 0; step < STEPS; step++) {
            if (live.isEmpty() || r.nextInt(100) < 55) {
                long want = r.nextInt(4) == 0 ? 1 + r.nextLong(64 * PAGE) : (1 + r.nextInt(8)) * PAGE;
                long availBefore = pool.availBytes();
                Optional<Long> expected = firstFit(live, ranges, want);
                Optional<GenPool.Block<Integer>> got = pool.alloc(want);
                assertThat(got.map(GenPool.Block::virt)).as(why + ": first fit, newest chunk first, for " + want + " bytes").isEqualTo(expected);
                if (got.isPresent()) {
                    GenPool.Block<Integer> b = got.get();
                    assertThat(b.reservedBytes()).as(why).isEqualTo(PageSize.alignUp(want)).isGreaterThanOrEqualTo(want);
                    long[] chunk = ranges.get(b.owner());
                    assertThat(b.virt() - chunk[0]).as(why + ": block inside its chunk").isBetween(0L, chunk[1] - b.reservedBytes());
                    assertThat(b.virt() & (PAGE - 1)).as(why).isZero();
                    live.add(b);
                    assertThat(pool.availBytes()).as(why).isEqualTo(availBefore - b.reservedBytes());
                } else {
                    assertThat(pool.availBytes()).as(why + ": a failed allocation takes nothing").isEqualTo(availBefore);
                }
            } else {
                GenPool.Block<Integer> b = live.remove(r.nextInt(live.size()));
                assertThat(pool.free(b.virt(), b.sizeBytes())).as(why).isEqualTo(b.owner());
            }
            long inUse = live.stream().mapToLong(GenPool.Block::reservedBytes).sum();
            assertThat(pool.availBytes()).as(why + " at step " + step).isEqualTo(size - inUse);
            assertNoOverlap(live, why);
        }
        for (GenPool.Block<Integer> b : live) {
            pool.free(b.virt(), b.sizeBytes());
        }
        assertThat(pool.availBytes()).as(why + ": freeing everything restores avail").isEqualTo(size);
    }

    private static void assertNoOverlap(List<GenPool.Block<Integer>> live, String why) {
        List<GenPool.Block<Integer>> sorted = new ArrayList<>(live);
        sorted.sort(Comparator.comparingLong(GenPool.Block::virt));
        for (int i = 1; i < sorted.size(); i++) {
            GenPool.Block<Integer> prev = sorted.get(i - 1);
            assertThat(prev.virt() + prev.reservedBytes()).as(why + ": blocks overlap").isLessThanOrEqualTo(sorted.get(i).virt());
        }
    }

    /**
     * A reference first fit recomputed from the live blocks: chunks newest first, skipping those
     * with fewer free bytes than asked, the first run of free pages from page 0.
     */
    private static Optional<Long> firstFit(List<GenPool.Block<Integer>> live, List<long[]> ranges, long want) {
        long need = PageSize.alignUp(want) / PAGE;
        for (int c = ranges.size() - 1; c >= 0; c--) {
            long pages = ranges.get(c)[1] / PAGE;
            boolean[] used = new boolean[(int) pages];
            long free = pages * PAGE;
            for (GenPool.Block<Integer> b : live) {
                if (b.owner() == c) {
                    long first = (b.virt() - ranges.get(c)[0]) / PAGE;
                    for (long k = 0; k < b.reservedBytes() / PAGE; k++) {
                        used[(int) (first + k)] = true;
                    }
                    free -= b.reservedBytes();
                }
            }
            if (want > free) {
                continue;
            }
            int run = 0;
            for (int i = 0; i < used.length; i++) {
                run = used[i] ? 0 : run + 1;
                if (run >= need) {
                    return Optional.of(ranges.get(c)[0] + (i - need + 1) * PAGE);
                }
            }
        }
        return Optional.empty();
    }
}
