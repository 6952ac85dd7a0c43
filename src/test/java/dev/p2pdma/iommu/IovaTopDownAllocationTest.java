package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Spec 5.1 and 5.4: domain setup, top-down allocation, size alignment, limits and finding ranges. */
class IovaTopDownAllocationTest {

    private static final long LIMIT_32 = 0xFFFFFL;
    private static final long LIMIT_48 = 0xFFFFFFFFFL;

    @Test
    void initSetsTheShiftThe32BitPfnAndAnAnchorOnlyTree_spec5_1() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        assertThat(d.shift()).isEqualTo(12);
        assertThat(d.dma32BitPfn()).isEqualTo(1L << 20);
        assertThat(d.startPfn()).isEqualTo(1);
        assertThat(d.treeNodes()).isEqualTo(1);
        assertThat(d.ranges()).isEmpty();
        assertThat(d.cachedNode()).isEqualTo(new Iova(-1L, -1L));
        assertThat(d.cached32Node()).isEqualTo(new Iova(-1L, -1L));
        assertThat(d.max32AllocSize()).isEqualTo(1L << 20);
        assertThat(new IovaDomain(1024, 1, 1).dma32BitPfn()).isEqualTo(1L << 22);
    }

    @Test
    void aGranuleThatIsNotAPowerOfTwoUpToAPageIsRefused_spec5_1() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new IovaDomain(3000, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new IovaDomain(8192, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void allocationIsTopDownBelowTheLimit_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        assertThat(d.allocIova(1, LIMIT_32, true)).contains(new Iova(0xFFFFF, 0xFFFFF));
        assertThat(d.allocIova(1, LIMIT_32, true)).contains(new Iova(0xFFFFE, 0xFFFFE));
        assertThat(d.allocIova(16, LIMIT_48, true)).contains(new Iova(0xFFFFFFFF0L, 0xFFFFFFFFFL));
        assertThat(d.allocIova(1, 0x1234, false)).contains(new Iova(0x1234, 0x1234));
        assertThat(d.treeNodes()).isEqualTo(5);
        assertThat(d.allocatedPfns()).isEqualTo(19);
    }

    @Test
    void sizeAlignedRangesStartOnTheSizeRoundedUpToAPowerOfTwo_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.allocIova(1, LIMIT_32, true);
        assertThat(d.allocIova(2, LIMIT_32, true)).contains(new Iova(0xFFFFC, 0xFFFFD));
        assertThat(d.allocIova(3, LIMIT_32, true)).contains(new Iova(0xFFFF8, 0xFFFFA));
        assertThat(d.allocIova(33, LIMIT_32, true)).contains(new Iova(0xFFFC0, 0xFFFE0));
    }

    @Test
    void unalignedRangesEndRightBelowTheNextRange_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.allocIova(1, LIMIT_32, false);
        assertThat(d.allocIova(2, LIMIT_32, false)).contains(new Iova(0xFFFFD, 0xFFFFE));
        assertThat(d.allocIova(3, LIMIT_32, false)).contains(new Iova(0xFFFFA, 0xFFFFC));
    }

    @Test
    void theFirstFittingGapWalkingDownIsUsedAndStartPfnIsNeverHandedOut_spec5_1_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 4, 1);
        assertThat(d.allocIova(4, 7, true)).contains(new Iova(4, 7));
        assertThat(d.allocIova(1, 9, true)).contains(new Iova(9, 9));
        assertThat(d.allocIova(1, 9, true)).contains(new Iova(8, 8));
        assertThat(d.allocIova(1, 9, true)).isEmpty();
    }

    @Test
    void zeroSizeAndRangesLargerThanTheSpaceFail_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        assertThat(d.allocIova(0, LIMIT_32, true)).isEmpty();
        assertThat(d.allocIova(1L << 21, LIMIT_32, false)).isEmpty();
        assertThat(d.allocIovaFast(0, LIMIT_32, true)).isZero();
        assertThat(d.treeNodes()).isEqualTo(1);
    }

    @Test
    void findIovaReturnsTheRangeHoldingAPfnButNeverTheAnchor_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        Iova r = d.allocIova(8, LIMIT_32, true).orElseThrow();
        assertThat(d.findIova(r.pfnLo() + 5)).contains(r);
        assertThat(d.findIova(r.pfnLo() - 1)).isEmpty();
        assertThat(d.findIova(-1L)).isEmpty();
    }

    @Test
    void freeByValueOrByPfnRemovesTheRangeAndUnknownRangesAreIgnored_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        Iova a = d.allocIova(8, LIMIT_32, true).orElseThrow();
        Iova b = d.allocIova(8, LIMIT_32, true).orElseThrow();
        d.freeIova(a);
        d.freeIova(a);
        d.freeIova(b.pfnLo() + 3);
        d.freeIova(12345);
        d.freeIova(-1L);
        assertThat(d.treeNodes()).isEqualTo(1);
        assertThat(d.allocatedPfns()).isZero();
        d.checkInvariants();
    }

    @Test
    void putIovaDomainLeavesOnlyTheAnchor_spec5_1() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.initRcaches();
        d.allocIova(8, LIMIT_32, true);
        d.freeIovaFast(d.allocIovaFast(4, LIMIT_32, true), 4);
        d.putIovaDomain();
        assertThat(d.treeNodes()).isEqualTo(1);
        assertThat(d.hasRcaches()).isFalse();
        assertThat(d.allocIova(1, LIMIT_32, true)).contains(new Iova(0xFFFFF, 0xFFFFF));
    }

    @Test
    void theIovaHHelpersConvertWithTheGranule_spec5_1_spec5_3() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        assertThat(d.mask()).isEqualTo(0xFFF);
        assertThat(d.iovaOffset(0x12345)).isEqualTo(0x345);
        assertThat(d.iovaAlign(0x1001)).isEqualTo(0x2000);
        assertThat(d.iovaAlign(0x1000)).isEqualTo(0x1000);
        assertThat(d.iovaAlignDown(0x1FFF)).isEqualTo(0x1000);
        assertThat(d.iovaDmaAddr(new Iova(0xFFFFF, 0xFFFFF))).isEqualTo(0xFFFFF000L);
        assertThat(d.iovaPfn(0xFFFFF123L)).isEqualTo(0xFFFFF);
        assertThat(IovaDomain.iovaRcacheRangeBytes()).isEqualTo(128 * 1024);
        IovaDomain small = new IovaDomain(1024, 1, 1);
        assertThat(small.iovaAlign(1)).isEqualTo(1024);
        assertThat(small.iovaPfn(0x1000)).isEqualTo(4);
    }
}
