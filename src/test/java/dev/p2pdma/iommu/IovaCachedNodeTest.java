package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Spec 5.4: the cached search start (cached_node / cached32_node), how frees move it, the 32-bit
 * fast fail of max32_alloc_size and the retry pass between the cached node and the limit.
 */
class IovaCachedNodeTest {

    private static final long LIMIT_32 = 0xFFFFFL;
    private static final long LIMIT_48 = 0xFFFFFFFFFL;

    @Test
    void anAllocationBelow4GiBMovesCached32AndOneAboveMovesCachedNode_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        Iova low = d.allocIova(1, LIMIT_32, true).orElseThrow();
        Iova high = d.allocIova(1, LIMIT_48, true).orElseThrow();
        assertThat(d.cached32Node()).isEqualTo(low);
        assertThat(d.cachedNode()).isEqualTo(high);
    }

    @Test
    void freeingAtOrAboveTheCachedNodeMovesItToTheSuccessor_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        Iova a = d.allocIova(1, LIMIT_32, true).orElseThrow();
        Iova b = d.allocIova(1, LIMIT_32, true).orElseThrow();
        Iova c = d.allocIova(1, LIMIT_32, true).orElseThrow();
        assertThat(d.cached32Node()).isEqualTo(c);
        d.freeIova(b);
        assertThat(d.cached32Node()).isEqualTo(a);
        // the search restarts at a and finds b's hole first
        assertThat(d.allocIova(1, LIMIT_32, true)).contains(b);
    }

    @Test
    void freeingBelowTheCachedNodeLeavesItAlone_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        Iova a = d.allocIova(1, LIMIT_32, true).orElseThrow();
        Iova b = d.allocIova(1, LIMIT_32, true).orElseThrow();
        d.allocIova(1, LIMIT_32, true);
        Iova dd = d.allocIova(1, LIMIT_32, true).orElseThrow();
        d.freeIova(b);
        assertThat(d.cached32Node()).isEqualTo(a);
        d.freeIova(dd);
        assertThat(d.cached32Node()).isEqualTo(a);
    }

    @Test
    void freeingTheCached32NodeItselfMovesItEvenAbove4GiB_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        Iova high = d.allocIova(1, LIMIT_48, true).orElseThrow();
        assertThat(d.cached32Node()).isEqualTo(new Iova(-1L, -1L));
        Iova low = d.allocIova(1, LIMIT_32, true).orElseThrow();
        d.freeIova(low);
        assertThat(d.cached32Node()).isEqualTo(high);
        assertThat(d.cachedNode()).isEqualTo(high);
        d.freeIova(high);
        assertThat(d.cachedNode()).isEqualTo(new Iova(-1L, -1L));
        assertThat(d.cached32Node()).isEqualTo(new Iova(-1L, -1L));
    }

    @Test
    void a32BitFailureMakesEqualOrLargerSizesFailFastUntilSomethingBelow4GiBIsFreed_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        // only pfns 1..3 lie below limit 4: an aligned 4-page range cannot fit
        assertThat(d.allocIova(4, 3, true)).isEmpty();
        assertThat(d.max32AllocSize()).isEqualTo(4);
        // there is room below 4 GiB, but the kernel's shortcut refuses sizes >= 4 under a 32-bit limit
        assertThat(d.allocIova(4, LIMIT_32, true)).isEmpty();
        assertThat(d.allocIova(8, LIMIT_32, true)).isEmpty();
        Iova three = d.allocIova(3, LIMIT_32, true).orElseThrow();
        assertThat(d.allocIova(4, LIMIT_48, true)).isPresent();
        d.freeIova(three);
        assertThat(d.max32AllocSize()).isEqualTo(d.dma32BitPfn());
        assertThat(d.allocIova(4, LIMIT_32, true)).isPresent();
    }

    @Test
    void aFailureAbove4GiBAlsoRecordsItsSize_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        assertThat(d.allocIova(1L << 40, LIMIT_48, true)).isEmpty();
        assertThat(d.max32AllocSize()).isEqualTo(1L << 40);
    }

    @Test
    void theRetryPassSearchesBetweenTheCachedNodeAndTheLimit_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 0x7FFF0, 1);
        Iova low = d.allocIova(16, 0x7FFFF, true).orElseThrow();
        assertThat(low).isEqualTo(new Iova(0x7FFF0, 0x7FFFF));
        assertThat(d.cached32Node()).isEqualTo(low);
        // nothing fits below the cached node; the retry pass starts at the limit
        assertThat(d.allocIova(1, LIMIT_32, true)).contains(new Iova(0xFFFFF, 0xFFFFF));
        assertThat(d.allocIova(1, LIMIT_32, true)).contains(new Iova(0xFFFFE, 0xFFFFE));
    }

    @Test
    void theRetryPassFromAnInnerNodeStartsAtTheFirstNodeAtOrAboveTheLimit_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 0x100, 1);
        d.allocIova(1, LIMIT_32, true);                 // 0xFFFFF
        Iova mid = d.allocIova(1, 0x8FFFF, true).orElseThrow();
        assertThat(mid).isEqualTo(new Iova(0x8FFFF, 0x8FFFF));
        d.allocIova(0x8FEFF, 0x8FFFE, false);           // fills 0x100 .. 0x8FFFE
        // cached32 is now the low filler; under limit 0xA0000 the retry pass starts at 0xFFFFF's
        // predecessor walk from the first node at or above 0xA0000
        assertThat(d.allocIova(1, 0x9FFFF, true)).contains(new Iova(0x9FFFF, 0x9FFFF));
        d.checkInvariants();
    }

    @Test
    void aFailedRetryPassFails_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 0xFFFF0, 1);
        assertThat(d.allocIova(16, LIMIT_32, true)).contains(new Iova(0xFFFF0, 0xFFFFF));
        assertThat(d.allocIova(1, LIMIT_32, true)).isEmpty();
        assertThat(d.max32AllocSize()).isEqualTo(1);
        assertThat(d.treeNodes()).isEqualTo(2);
    }
}
