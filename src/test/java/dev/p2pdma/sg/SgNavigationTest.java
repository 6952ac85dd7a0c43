package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 2.2: sg_next, sg_nents, sg_nents_for_len, sg_last, sg_chain, sg_mark_end, sg_set_page. */
class SgNavigationTest {

    /** Three chunks chained by hand: a (3 = 2 data + link), b (3 = 2 data + link), c (2 data), pfn k in the k-th data entry. */
    private static SgEntry[][] threeChunks() {
        SgEntry[] a = SgSlots.initTable(3);
        SgEntry[] b = SgSlots.initTable(3);
        SgEntry[] c = SgSlots.initTable(2);
        SgSlots.chain(a, 3, b);
        SgSlots.chain(b, 3, c);
        SgEntry[] data = {a[0], a[1], b[0], b[1], c[0], c[1]};
        for (int k = 0; k < data.length; k++) {
            data[k].setPage(Page.ram(k), 100 * (k + 1), 0);
        }
        return new SgEntry[][] {a, b, c};
    }

    private static List<Long> pfnsFrom(SgEntry first) {
        List<Long> out = new ArrayList<>();
        for (SgEntry e = first; e != null; e = e.next().orElse(null)) {
            out.add(e.page().orElseThrow().pfn());
        }
        return out;
    }

    @Test
    void sgNextStepsOverChainLinksAndStopsAfterEnd_spec2_2() {
        SgEntry[][] t = threeChunks();
        assertThat(pfnsFrom(t[0][0])).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(t[0][1].next()).contains(t[1][0]);
        assertThat(t[2][1].next()).isEmpty();
        assertThat(t[2][1].nextOrNull()).isNull();
    }

    @Test
    void sgNentsCountsDataEntriesThroughChains_spec2_2() {
        SgEntry[][] t = threeChunks();
        assertThat(SgTable.sgNents(t[0][0])).isEqualTo(6);
        assertThat(SgTable.sgNents(t[1][1])).isEqualTo(3);
        assertThat(SgTable.sgNents(t[2][1])).isEqualTo(1);
    }

    @Test
    void sgNentsForLenIsZeroForZeroLength_spec2_2() {
        assertThat(SgTable.sgNentsForLen(threeChunks()[0][0], 0)).isEqualTo(new SgTable.SgCount(0, java.util.Optional.empty()));
    }

    @Test
    void sgNentsForLenCountsUntilTheTotalFirstReachesTheLength_spec2_2() {
        SgEntry first = threeChunks()[0][0];
        assertThat(SgTable.sgNentsForLen(first, 1).count()).isEqualTo(1);
        assertThat(SgTable.sgNentsForLen(first, 100).count()).isEqualTo(1);
        assertThat(SgTable.sgNentsForLen(first, 300).count()).isEqualTo(2);
        assertThat(SgTable.sgNentsForLen(first, 301).count()).isEqualTo(3);
        assertThat(SgTable.sgNentsForLen(first, 2100)).isEqualTo(new SgTable.SgCount(6, java.util.Optional.empty()));
    }

    @Test
    void sgNentsForLenIsEinvalWhenTheListIsTooShort_spec2_2() {
        SgTable.SgCount c = SgTable.sgNentsForLen(threeChunks()[0][0], 2101);
        assertThat(c.error()).contains(Errno.EINVAL);
    }

    @Test
    void sgNentsForLenReadsLengthsAsUnsigned_spec2_2() {
        SgEntry[] t = SgSlots.initTable(2);
        t[0].setPage(Page.ram(0), (int) 0xFFFFF000L, 0);
        t[1].setPage(Page.ram(0xFFFFF), 4096, 0);
        assertThat(SgTable.sgNentsForLen(t[0], 0xFFFFF000L).count()).isEqualTo(1);
        assertThat(SgTable.sgNentsForLen(t[0], 0x1_0000_0000L).count()).isEqualTo(2);
        assertThat(SgTable.sgNentsForLen(t[0], 0x1_0000_0001L).error()).contains(Errno.EINVAL);
    }

    @Test
    void sgLastWalksNEntriesThroughChains_spec2_2() {
        SgEntry[][] t = threeChunks();
        assertThat(SgTable.sgLast(t[0][0], 6)).contains(t[2][1]);
        assertThat(SgTable.sgLast(t[0][0], 6).orElseThrow().isLast()).isTrue();
        assertThat(SgTable.sgLast(t[0][0], 3)).contains(t[1][0]);
        assertThat(SgTable.sgLast(t[0][0], 1)).contains(t[0][0]);
    }

    @Test
    void sgLastIsEmptyForNoEntriesOrPastTheEnd_spec2_2() {
        SgEntry first = threeChunks()[0][0];
        assertThat(SgTable.sgLast(first, 0)).isEmpty();
        assertThat(SgTable.sgLast(first, 7)).isEmpty();
    }

    @Test
    void sgChainTurnsTheLastEntryIntoALinkWithoutDataOrEnd_spec2_2() {
        SgEntry[] a = SgSlots.initTable(2);
        SgEntry[] b = SgSlots.initTable(1);
        a[1].setPage(Page.ram(9), 4096, 12);
        assertThat(a[1].isLast()).isTrue();
        SgSlots.chain(a, 2, b);
        assertThat(a[1].isChain()).isTrue();
        assertThat(a[1].isLast()).isFalse();
        assertThat(a[1].page()).isEmpty();
        assertThat(a[1].length()).isZero();
        assertThat(a[1].offset()).isZero();
        assertThat(a[1].chainTarget()).contains(b[0].chunk());
        assertThat(a[1].linkFlags()).isEqualTo(SgEntry.SG_CHAIN);
        assertThat(a[0].next()).contains(b[0]);
    }

    @Test
    void sgInitTableMarksOnlyTheLastEntryEnd_spec2_2() {
        SgEntry[] t = SgSlots.initTable(4);
        assertThat(t).extracting(SgEntry::isLast).containsExactly(false, false, false, true);
        assertThat(t).extracting(SgEntry::linkFlags).containsExactly(0, 0, 0, SgEntry.SG_END);
        assertThat(SgTable.sgNents(t[0])).isEqualTo(4);
    }

    @Test
    void sgMarkEndCutsTheListAndUnmarkEndRestoresIt_spec2_2() {
        SgEntry[][] t = threeChunks();
        t[1][0].markEnd();
        assertThat(SgTable.sgNents(t[0][0])).isEqualTo(3);
        assertThat(t[1][0].next()).isEmpty();
        t[1][0].unmarkEnd();
        assertThat(t[1][0].isLast()).isFalse();
        assertThat(SgTable.sgNents(t[0][0])).isEqualTo(6);
    }

    @Test
    void sgMarkEndClearsChain_spec2_2() {
        SgEntry[][] t = threeChunks();
        SgEntry link = t[0][2];
        link.markEnd();
        assertThat(link.isChain()).isFalse();
        assertThat(link.isLast()).isTrue();
        assertThat(link.linkFlags()).isEqualTo(SgEntry.SG_END);
    }

    @Test
    void sgSetPageKeepsEnd_spec2_2() {
        SgEntry[] t = SgSlots.initTable(2);
        t[1].setPage(Page.ram(5), 4096, 0);
        assertThat(t[1].isLast()).isTrue();
        assertThat(t[1].linkFlags()).isEqualTo(SgEntry.SG_END);
        t[0].setPage(Page.ram(4), 512, 100);
        assertThat(t[0].isLast()).isFalse();
        assertThat(t[0].length()).isEqualTo(512);
        assertThat(t[0].offset()).isEqualTo(100);
        assertThat(t[0].phys()).isEqualTo(4L * 4096 + 100);
    }

    @Test
    void sgSetPageKeepsChainByRefusingALinkEntry_spec2_2() {
        SgEntry[][] t = threeChunks();
        SgEntry link = t[0][2];
        assertThatThrownBy(() -> link.setPage(Page.ram(1), 4096, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(link.isChain()).isTrue();
        assertThat(link.chainTarget()).contains(t[1][0].chunk());
    }

    @Test
    void lengthsOfTwoGibibytesAndMoreReadBackUnsigned_spec2_1() {
        SgEntry e = SgSlots.initTable(1)[0];
        e.setPage(Page.ram(0), (int) 0xFFFFF000L, 0);
        assertThat(e.lengthBytes()).isEqualTo(0xFFFFF000L);
        assertThat(e.length()).isEqualTo((int) 0xFFFFF000L);
        assertThat(e.pageCount()).isEqualTo(0xFFFFF);
        e.setDmaLength(0x80000000);
        assertThat(e.dmaLengthBytes()).isEqualTo(0x80000000L);
        assertThat(e.dmaPageCount()).isEqualTo(0x80000);
    }
}
