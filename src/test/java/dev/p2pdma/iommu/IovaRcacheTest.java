package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Spec 5.5 (and alloc_iova_fast() of 5.4): size rounding and classes, per-CPU loaded/prev
 * magazines, the LIFO depot and its trimming work, the pop scan for a pfn within the limit, the
 * bypass of sizes above 32 pages, and the flush on allocation failure.
 */
class IovaRcacheTest {

    private static final long LIMIT_32 = 0xFFFFFL;
    private static final long LIMIT_48 = 0xFFFFFFFFFL;
    private static final int MAG = IovaDomain.IOVA_MAG_SIZE;

    private static IovaDomain domain(int cpus) {
        IovaDomain d = new IovaDomain(4096, 1, cpus);
        d.initRcaches();
        return d;
    }

    /** Allocates {@code n} ranges of {@code size} from the tree on CPU 0 and frees them all into its rcache. */
    private static List<Long> park(IovaDomain d, int n, long size) {
        List<Long> pfns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pfns.add(d.allocIovaFast(0, size, LIMIT_48, true));
        }
        for (long pfn : pfns) {
            d.freeIovaFast(0, pfn, size);
        }
        return pfns;
    }

    @Test
    void theSpecConstantsAreThe612Ones_spec5_5() {
        assertThat(IovaDomain.IOVA_RANGE_CACHE_MAX_SIZE).isEqualTo(6);
        assertThat(IovaDomain.IOVA_MAG_SIZE).isEqualTo(127);
        assertThat(IovaDomain.IOVA_DEPOT_DELAY_MS).isEqualTo(100);
        assertThat(IovaDomain.orderBase2(1)).isZero();
        assertThat(IovaDomain.orderBase2(3)).isEqualTo(2);
        assertThat(IovaDomain.orderBase2(32)).isEqualTo(5);
        assertThat(IovaDomain.orderBase2(33)).isEqualTo(6);
    }

    @Test
    void sizesBelow32AreRoundedUpToAPowerOfTwoAndSizeAligned_spec5_4() {
        IovaDomain d = domain(1);
        long pfn = d.allocIovaFast(0, 3, LIMIT_32, true);
        assertThat(pfn).isEqualTo(0xFFFFC);
        assertThat(d.findIova(pfn)).contains(new Iova(0xFFFFC, 0xFFFFF));
        long big = d.allocIovaFast(0, 33, LIMIT_32, true);
        assertThat(d.findIova(big)).contains(new Iova(0xFFFC0, 0xFFFE0));
    }

    @Test
    void aFreedRangeIsCachedInItsClassAndReturnedWithoutTouchingTheTree_spec5_5() {
        IovaDomain d = domain(1);
        long pfn = d.allocIovaFast(0, 3, LIMIT_32, true);
        d.freeIovaFast(0, pfn, 3);
        assertThat(d.treeNodes()).isEqualTo(2);
        assertThat(d.rcachedRanges()).isEqualTo(1);
        assertThat(d.allocatedPfns()).isZero();
        assertThat(d.allocIovaFast(0, 4, LIMIT_32, true)).isEqualTo(pfn);
        assertThat(d.rcachedRanges()).isZero();
        assertThat(d.allocatedPfns()).isEqualTo(4);
    }

    @Test
    void sizesAbove32PagesBypassTheCacheBothWays_spec5_5() {
        IovaDomain d = domain(1);
        long pfn = d.allocIovaFast(0, 33, LIMIT_32, true);
        d.freeIovaFast(0, pfn, 33);
        assertThat(d.treeNodes()).isEqualTo(1);
        assertThat(d.rcachedRanges()).isZero();
        long p64 = d.allocIovaFast(0, 64, LIMIT_32, true);
        d.freeIovaFast(0, p64, 64);
        assertThat(d.treeNodes()).isEqualTo(1);
    }

    @Test
    void thePopScansDownFromTheTopForAPfnWithinTheLimitAndMovesTheTopIntoItsSlot_spec5_5() {
        IovaDomain d = domain(1);
        long low = d.allocIovaFast(0, 1, LIMIT_32, true);
        long high = d.allocIovaFast(0, 1, LIMIT_48, true);
        assertThat(low).isEqualTo(0xFFFFF);
        assertThat(high).isEqualTo(LIMIT_48);
        d.freeIovaFast(0, low, 1);
        d.freeIovaFast(0, high, 1);
        // top of the magazine is 'high', above the 32-bit limit: the scan skips it
        assertThat(d.allocIovaFast(0, 1, LIMIT_32, true)).isEqualTo(low);
        // only 'high' is left: nothing within the limit, so the tree serves the request
        assertThat(d.allocIovaFast(0, 1, LIMIT_32, true)).isEqualTo(0xFFFFE);
        assertThat(d.rcachedRanges()).isEqualTo(1);
        assertThat(d.allocIovaFast(0, 1, LIMIT_48, true)).isEqualTo(high);
    }

    @Test
    void thePopLimitIsTheLimitPlusOneMinusTheSize_spec5_5() {
        IovaDomain d = domain(1);
        long pfn = d.allocIovaFast(0, 2, LIMIT_32, true);
        assertThat(pfn).isEqualTo(0xFFFFE);
        d.freeIovaFast(0, pfn, 2);
        // a 2-page range at 0xFFFFE ends at 0xFFFFF: it fits limit 0xFFFFF but not 0xFFFFE
        assertThat(d.allocIovaFast(0, 2, 0xFFFFE, false)).isNotEqualTo(pfn);
        assertThat(d.allocIovaFast(0, 2, LIMIT_32, false)).isEqualTo(pfn);
    }

    @Test
    void aFullLoadedMagazineSwapsWithAnEmptyPrevThenGoesToTheDepot_spec5_5() {
        IovaDomain d = domain(1);
        List<Long> pfns = new ArrayList<>();
        for (int i = 0; i < 2 * MAG + 1; i++) {
            pfns.add(d.allocIovaFast(0, 1, LIMIT_48, true));
        }
        for (int i = 0; i < 2 * MAG; i++) {
            d.freeIovaFast(0, pfns.get(i), 1);
        }
        assertThat(d.depotSize(0)).isZero();
        assertThat(d.depotWorkScheduled()).isFalse();
        d.freeIovaFast(0, pfns.get(2 * MAG), 1);
        assertThat(d.depotSize(0)).isEqualTo(1);
        assertThat(d.depotWorkScheduled()).isTrue();
        assertThat(d.rcachedRanges()).isEqualTo(2 * MAG + 1);
        assertThat(d.treeNodes()).isEqualTo(1 + 2 * MAG + 1);
    }

    @Test
    void anEmptyCpuTakesPrevFirstThenTheDepotsNewestMagazine_spec5_5() {
        IovaDomain d = domain(1);
        List<Long> pfns = park(d, 2 * MAG + 1, 1);
        // pfns 0..126 filled magazine A, which became prev; 127..253 filled B, which went to the
        // depot when both were full; 254 sits alone in a fresh loaded magazine
        assertThat(d.allocIovaFast(0, 1, LIMIT_48, true)).isEqualTo(pfns.get(2 * MAG));
        assertThat(d.allocIovaFast(0, 1, LIMIT_48, true)).isEqualTo(pfns.get(MAG - 1));
        for (int i = 1; i < MAG; i++) {
            d.allocIovaFast(0, 1, LIMIT_48, true);
        }
        assertThat(d.depotSize(0)).isEqualTo(1);
        assertThat(d.allocIovaFast(0, 1, LIMIT_48, true)).isEqualTo(pfns.get(2 * MAG - 1));
        assertThat(d.depotSize(0)).isZero();
        assertThat(d.rcachedRanges()).isEqualTo(MAG - 1);
    }

    @Test
    void depotWorkFreesOneMagazinePerDelayWhileTheDepotHoldsMoreThanOnePerCpu_spec5_5() {
        IovaDomain d = domain(1);
        park(d, 2 * MAG + 2 * MAG + 1, 1);
        assertThat(d.depotSize(0)).isEqualTo(3);
        int nodes = d.treeNodes();
        assertThat(d.runDepotWork()).isEqualTo(1);
        assertThat(d.depotSize(0)).isEqualTo(2);
        assertThat(d.treeNodes()).isEqualTo(nodes - MAG);
        assertThat(d.depotWorkScheduled()).isTrue();
        assertThat(d.runDepotWork()).isEqualTo(1);
        assertThat(d.depotSize(0)).isEqualTo(1);
        assertThat(d.runDepotWork()).isZero();
        assertThat(d.depotWorkScheduled()).isFalse();
        assertThat(d.runDepotWork()).isZero();
        assertThat(d.depotSize(0)).isEqualTo(1);
        d.checkInvariants();
    }

    @Test
    void depotWorkKeepsOneMagazinePerOnlineCpu_spec5_5() {
        IovaDomain d = domain(4);
        park(d, 2 * MAG + 4 * MAG, 1);
        assertThat(d.depotSize(0)).isEqualTo(4);
        assertThat(d.runDepotWork()).isZero();
        assertThat(d.depotSize(0)).isEqualTo(4);
    }

    @Test
    void eachCpuHasItsOwnMagazines_spec5_5() {
        IovaDomain d = domain(2);
        long pfn = d.allocIovaFast(0, 1, LIMIT_32, true);
        d.freeIovaFast(0, pfn, 1);
        assertThat(d.allocIovaFast(1, 1, LIMIT_32, true)).isNotEqualTo(pfn);
        assertThat(d.allocIovaFast(0, 1, LIMIT_32, true)).isEqualTo(pfn);
    }

    @Test
    void freeingOneCpusCachedRangesLeavesTheOthers_spec5_5() {
        IovaDomain d = domain(2);
        long a = d.allocIovaFast(0, 1, LIMIT_32, true);
        long b = d.allocIovaFast(1, 1, LIMIT_32, true);
        d.freeIovaFast(0, a, 1);
        d.freeIovaFast(1, b, 1);
        d.freeCpuCachedIovas(1);
        assertThat(d.findIova(b)).isEmpty();
        assertThat(d.findIova(a)).isPresent();
        assertThat(d.rcachedRanges()).isEqualTo(1);
    }

    @Test
    void anAllocationFailureFlushesEveryCacheAndRetriesOnce_spec5_4_spec5_5() {
        IovaDomain d = new IovaDomain(4096, 0xFFFF0, 2);
        d.initRcaches();
        List<Long> pfns = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            pfns.add(d.allocIovaFast(i % 2, 1, LIMIT_32, true));
        }
        for (int i = 0; i < 16; i++) {
            d.freeIovaFast(i % 2, pfns.get(i), 1);
        }
        assertThat(d.treeNodes()).isEqualTo(17);
        // without flush_rcache, the parked ranges stay parked and the request fails
        assertThat(d.allocIovaFast(0, 2, LIMIT_32, false)).isZero();
        assertThat(d.rcachedRanges()).isEqualTo(16);
        long pfn = d.allocIovaFast(0, 2, LIMIT_32, true);
        assertThat(pfn).isEqualTo(0xFFFFE);
        assertThat(d.rcachedRanges()).isZero();
        assertThat(d.treeNodes()).isEqualTo(2);
    }

    @Test
    void flushRcachesReturnsEveryParkedRangeIncludingTheDepot_spec5_5() {
        IovaDomain d = domain(1);
        park(d, 5 * MAG, 1);
        park(d, 40, 32);
        assertThat(d.depotSize(0)).isPositive();
        d.flushRcaches();
        assertThat(d.treeNodes()).isEqualTo(1);
        assertThat(d.depotSize(0)).isZero();
        assertThat(d.allocatedPfns()).isZero();
        assertThat(d.treeAllocatedPfns()).isZero();
    }

    @Test
    void withoutRcachesTheFastApiUsesTheTree_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        long pfn = d.allocIovaFast(5, LIMIT_32, true);
        assertThat(d.findIova(pfn)).contains(new Iova(0xFFFF8, 0xFFFFF));
        d.freeIovaFast(pfn, 5);
        assertThat(d.treeNodes()).isEqualTo(1);
        assertThat(d.depotSize(0)).isZero();
        assertThat(d.runDepotWork()).isZero();
    }
}
