package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 5.1 and 5.4: reserve_iova() ranges, their merging, and that allocation never uses them. */
class IovaReserveTest {

    private static final long LIMIT_32 = 0xFFFFFL;

    @Test
    void aReservedRangeIsNeverAllocatedAndNotCountedAsAllocated_spec5_1_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        assertThat(d.reserveIova(0xFFF00, 0xFFFFF)).contains(new Iova(0xFFF00, 0xFFFFF));
        assertThat(d.allocIova(1, LIMIT_32, true)).contains(new Iova(0xFFEFF, 0xFFEFF));
        assertThat(d.treeNodes()).isEqualTo(3);
        assertThat(d.allocatedPfns()).isEqualTo(1);
    }

    @Test
    void aReservationInsideAnotherReturnsTheExistingRange_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.reserveIova(0x100, 0x1FF);
        assertThat(d.reserveIova(0x120, 0x130)).contains(new Iova(0x100, 0x1FF));
        assertThat(d.treeNodes()).isEqualTo(2);
    }

    @Test
    void aReservationOverlappingFromBelowWidensTheExistingRange_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.reserveIova(0x100, 0x1FF);
        assertThat(d.reserveIova(0x80, 0x17F)).contains(new Iova(0x80, 0x1FF));
        assertThat(d.ranges()).containsExactly(new Iova(0x80, 0x1FF));
    }

    @Test
    void aReservationOverlappingFromAboveInsertsOnlyTheRestAboveTheExistingRange_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.reserveIova(0x100, 0x1FF);
        assertThat(d.reserveIova(0x180, 0x27F)).contains(new Iova(0x200, 0x27F));
        assertThat(d.ranges()).containsExactly(new Iova(0x100, 0x1FF), new Iova(0x200, 0x27F));
    }

    @Test
    void aReservationSpanningSeveralRangesWidensEachAndInsertsTheTopRest_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.reserveIova(0x100, 0x1FF);
        d.reserveIova(0x300, 0x3FF);
        assertThat(d.reserveIova(0x50, 0x450)).contains(new Iova(0x400, 0x450));
        assertThat(d.ranges()).isEqualTo(List.of(new Iova(0x50, 0x1FF), new Iova(0x200, 0x3FF), new Iova(0x400, 0x450)));
        d.checkInvariants();
    }

    @Test
    void pfnsBeyondTheAddressWidthOrAnInvertedRangeAreRefused_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        assertThat(d.reserveIova(0, 1L << 52)).isEmpty();
        assertThat(d.reserveIova(0x200, 0x100)).isEmpty();
        assertThat(d.reserveIova(0, (1L << 52) - 1)).contains(new Iova(0, (1L << 52) - 1));
        assertThat(d.allocIova(1, LIMIT_32, true)).isEmpty();
    }

    @Test
    void aReservationMayBeFreedLikeAnyRange_spec5_4() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        Iova r = d.reserveIova(0x100, 0x1FF).orElseThrow();
        d.freeIova(r);
        assertThat(d.treeNodes()).isEqualTo(1);
        assertThat(d.allocatedPfns()).isZero();
    }
}
