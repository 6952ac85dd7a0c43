package dev.p2pdma.block;

import static dev.p2pdma.block.BlockFixtures.K4;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Spec 6.3 step 3 and 7 step 3: the user address space and pin_user_pages_fast() with the FOLL_PCI_P2PDMA gate. */
class UserAddressSpaceTest {

    private static final Set<GupFlag> P2P = EnumSet.of(GupFlag.WRITE, GupFlag.PCI_P2PDMA);
    private static final Set<GupFlag> NO_P2P = EnumSet.of(GupFlag.WRITE);
    /** A fixed address below the mmap area for RAM placed right before p2pmem. */
    private static final long FIXED = 0x5000_0000_0000L;

    private static List<Page> pinned(UserAddressSpace.PinResult r) {
        assertThat(r).isInstanceOf(UserAddressSpace.Pinned.class);
        return ((UserAddressSpace.Pinned) r).pages();
    }

    /** RAM page at FIXED, then the p2pmem mapping right after it. */
    private static BlockFixtures ramThenP2p() {
        BlockFixtures f = new BlockFixtures();
        assertThat(f.mm.mapAnonymousFixed(FIXED, K4)).isInstanceOf(UserAddressSpace.Mapped.class);
        assertThat(f.mm.mapP2pmemFixed(FIXED + K4, f.p2pmem)).isInstanceOf(UserAddressSpace.Mapped.class);
        return f;
    }

    @Test
    void consecutiveAnonymousPagesGetDescendingPhysicalPages_spec6_3_4() {
        BlockFixtures f = new BlockFixtures();
        long buf = f.ram(3 * K4);
        long pfn0 = f.mm.pageAt(buf).orElseThrow().pfn();
        assertThat(f.mm.pageAt(buf + K4).orElseThrow().pfn()).isEqualTo(pfn0 - 1);
        assertThat(f.mm.pageAt(buf + 2 * K4 + 100).orElseThrow().pfn()).isEqualTo(pfn0 - 2);
        assertThat(f.mm.pageAt(buf).orElseThrow().isZoneDevice()).isFalse();
    }

    @Test
    void aP2pmemMappingIsContiguousP2pdmaPagesOfOnePagemap_spec7_1() {
        BlockFixtures f = new BlockFixtures();
        Page first = f.mm.pageAt(f.p2pStart).orElseThrow();
        Page later = f.mm.pageAt(f.p2pStart + 100 * K4).orElseThrow();
        assertThat(first.isP2pdma()).isTrue();
        assertThat(later.pfn()).isEqualTo(first.pfn() + 100);
        assertThat(Page.haveSamePagemap(first, later)).isTrue();
    }

    @Test
    void withTheFlagP2pPagesArePinnedLikeAnyPage_spec7_3() {
        BlockFixtures f = ramThenP2p();
        List<Page> pages = pinned(f.mm.pinUserPagesFast(FIXED, 3, P2P));
        assertThat(pages).hasSize(3);
        assertThat(pages.get(1).isP2pdma()).isTrue();
        assertThat(f.mm.pinCount(pages.get(2))).isEqualTo(1);
    }

    @Test
    void withoutTheFlagPinningStopsBeforeTheFirstP2pPage_spec7_3() {
        BlockFixtures f = ramThenP2p();
        List<Page> pages = pinned(f.mm.pinUserPagesFast(FIXED, 3, NO_P2P));
        assertThat(pages).hasSize(1);
        assertThat(pages.get(0).isP2pdma()).isFalse();
        assertThat(f.mm.totalPins()).isEqualTo(1);
    }

    @Test
    void withoutTheFlagAP2pFirstPageIsEremoteio_spec7_3() {
        BlockFixtures f = new BlockFixtures();
        assertThat(f.mm.pinUserPagesFast(f.p2pStart, 2, NO_P2P)).isEqualTo(new UserAddressSpace.PinFailed(Errno.EREMOTEIO));
        assertThat(f.mm.totalPins()).isZero();
    }

    @Test
    void longtermWithP2pdmaIsEinvalEvenForRam_spec7_3() {
        BlockFixtures f = new BlockFixtures();
        long buf = f.ram(K4);
        assertThat(f.mm.pinUserPagesFast(buf, 1, EnumSet.of(GupFlag.LONGTERM, GupFlag.PCI_P2PDMA)))
                .isEqualTo(new UserAddressSpace.PinFailed(Errno.EINVAL));
        assertThat(pinned(f.mm.pinUserPagesFast(buf, 1, EnumSet.of(GupFlag.LONGTERM)))).hasSize(1);
    }

    @Test
    void anUnmappedPageFaultsWithEfaultAndEndsAPinBeforeIt_spec6_3() {
        BlockFixtures f = new BlockFixtures();
        long buf = f.ram(2 * K4);
        f.mm.unmap(buf + K4, K4);
        assertThat(f.mm.pageAt(buf + K4)).isEmpty();
        assertThat(f.mm.pinUserPagesFast(buf + K4, 1, P2P)).isEqualTo(new UserAddressSpace.PinFailed(Errno.EFAULT));
        assertThat(pinned(f.mm.pinUserPagesFast(buf, 2, P2P))).hasSize(1);
    }

    @Test
    void anUnmappedPinnedPageReturnsToItsSourceAtTheLastUnpin() {
        BlockFixtures f = new BlockFixtures();
        int free = f.ram.freePages();
        long buf = f.ram(K4);
        List<Page> pages = pinned(f.mm.pinUserPagesFast(buf, 1, P2P));
        f.mm.unmap(buf, K4);
        assertThat(f.ram.freePages()).isEqualTo(free - 1);
        f.mm.unpinUserPages(pages);
        assertThat(f.ram.freePages()).isEqualTo(free);
    }
}
