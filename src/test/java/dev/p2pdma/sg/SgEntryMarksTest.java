package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.Page;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Spec 2.1: the two places a bus address can be marked (dma_flags, merged; page_link, RFC) and SG_DMA_SWIOTLB. */
class SgEntryMarksTest {

    @ParameterizedTest
    @EnumSource(BusAddressMark.class)
    void markThenUnmarkRoundTrips_spec2_1(BusAddressMark style) {
        SgEntry e = SgSlots.initTable(2)[0];
        assertThat(style.isMarked(e)).isFalse();
        style.mark(e);
        assertThat(style.isMarked(e)).isTrue();
        style.unmark(e);
        assertThat(style.isMarked(e)).isFalse();
    }

    @Test
    void theDmaFlagsMarkDoesNotSetThePageLinkBit_spec2_1() {
        SgEntry e = SgSlots.initTable(1)[0];
        BusAddressMark.DMA_FLAGS.mark(e);
        assertThat(e.dmaFlags()).isEqualTo(SgEntry.SG_DMA_BUS_ADDRESS);
        assertThat(BusAddressMark.PAGE_LINK.isMarked(e)).isFalse();
        assertThat(e.linkFlags()).isEqualTo(SgEntry.SG_END);
    }

    @Test
    void thePageLinkMarkDoesNotSetTheDmaFlag_spec2_1() {
        SgEntry e = SgSlots.initTable(1)[0];
        BusAddressMark.PAGE_LINK.mark(e);
        assertThat(e.linkFlags() & SgEntry.SG_PCI_P2PDMA).isEqualTo(SgEntry.SG_PCI_P2PDMA);
        assertThat(BusAddressMark.DMA_FLAGS.isMarked(e)).isFalse();
        assertThat(e.dmaFlags()).isZero();
    }

    @Test
    void thePageLinkMarkLeavesEndUntouched_spec2_1() {
        SgEntry[] t = SgSlots.initTable(2);
        BusAddressMark.PAGE_LINK.mark(t[1]);
        assertThat(t[1].isLast()).isTrue();
        assertThat(t[1].isChain()).isFalse();
        BusAddressMark.PAGE_LINK.unmark(t[1]);
        assertThat(t[1].isLast()).isTrue();
        BusAddressMark.PAGE_LINK.mark(t[0]);
        assertThat(t[0].isLast()).isFalse();
        assertThat(t[0].next()).contains(t[1]);
    }

    @Test
    void thePageLinkMarkLeavesChainUntouched_spec2_1() {
        SgEntry[] a = SgSlots.initTable(2);
        SgEntry[] b = SgSlots.initTable(1);
        SgSlots.chain(a, 2, b);
        BusAddressMark.PAGE_LINK.mark(a[1]);
        assertThat(a[1].isChain()).isTrue();
        assertThat(a[1].isLast()).isFalse();
        assertThat(a[0].next()).contains(b[0]);
        BusAddressMark.PAGE_LINK.unmark(a[1]);
        assertThat(a[1].linkFlags()).isEqualTo(SgEntry.SG_CHAIN);
    }

    @Test
    void unmarkingOneStyleLeavesTheOtherSet_spec2_1() {
        SgEntry e = SgSlots.initTable(1)[0];
        BusAddressMark.DMA_FLAGS.mark(e);
        BusAddressMark.PAGE_LINK.mark(e);
        BusAddressMark.DMA_FLAGS.unmark(e);
        assertThat(BusAddressMark.PAGE_LINK.isMarked(e)).isTrue();
        assertThat(BusAddressMark.DMA_FLAGS.isMarked(e)).isFalse();
    }

    @Test
    void theSwiotlbMarkIsItsOwnDmaFlagBit_spec2_1() {
        SgEntry e = SgSlots.initTable(1)[0];
        e.markDmaSwiotlb();
        assertThat(e.isDmaSwiotlb()).isTrue();
        assertThat(e.dmaFlags()).isEqualTo(SgEntry.SG_DMA_SWIOTLB);
        assertThat(e.isDmaBusAddress()).isFalse();
        e.markDmaBusAddress();
        assertThat(e.dmaFlags()).isEqualTo(SgEntry.SG_DMA_SWIOTLB | SgEntry.SG_DMA_BUS_ADDRESS);
        e.unmarkDmaSwiotlb();
        assertThat(e.isDmaSwiotlb()).isFalse();
        assertThat(e.isDmaBusAddress()).isTrue();
        assertThat(e.linkFlags()).isEqualTo(SgEntry.SG_END);
    }

    @Test
    void theFlagValuesAreTheKernels_spec2_1() {
        assertThat(SgEntry.SG_CHAIN).isEqualTo(0x1);
        assertThat(SgEntry.SG_END).isEqualTo(0x2);
        assertThat(SgEntry.SG_PCI_P2PDMA).isEqualTo(0x4);
        assertThat(SgEntry.SG_DMA_BUS_ADDRESS).isEqualTo(1);
        assertThat(SgEntry.SG_DMA_SWIOTLB).isEqualTo(2);
        assertThat(SgTable.SG_MAX_SINGLE_ALLOC).isEqualTo(128);
    }

    @Test
    void dmaMarksSurviveSetPage_spec2_1() {
        SgEntry e = SgSlots.initTable(1)[0];
        e.markDmaBusAddress();
        e.setPage(Page.ram(3), 4096, 0);
        assertThat(e.isDmaBusAddress()).isTrue();
    }

    @Test
    void settingANewPageDropsTheRfcPageLinkMarkButKeepsEnd_spec2_1() {
        SgEntry e = SgSlots.initTable(1)[0];
        e.setPage(dev.p2pdma.mm.Page.ram(1), 4096, 0);
        e.markPageLinkP2pdma();
        e.setPage(dev.p2pdma.mm.Page.ram(2), 4096, 0);
        org.assertj.core.api.Assertions.assertThat(e.isPageLinkP2pdma()).isFalse();
        org.assertj.core.api.Assertions.assertThat(e.isLast()).isTrue();
    }
}
