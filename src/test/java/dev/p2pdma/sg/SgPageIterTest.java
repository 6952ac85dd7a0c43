package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.mm.MemMap;
import dev.p2pdma.mm.Page;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 2.7: sg_page_iter over the CPU view (offset + length) and sg_dma_page_iter over the DMA view (offset + dma_length). */
class SgPageIterTest {

    /** Entries: pfn 10 +0/8192, pfn 20 +100/4096 (two pages), pfn 40 +0/0 (no page), pfn 30 +0/1. */
    private static SgTable table() {
        SgTable t = new SgTable();
        t.alloc(4);
        List<SgEntry> es = t.entries(4);
        es.get(0).setPage(Page.ram(10), 8192, 0);
        es.get(1).setPage(Page.ram(20), 4096, 100);
        es.get(2).setPage(Page.ram(40), 0, 0);
        es.get(3).setPage(Page.ram(30), 1, 0);
        return t;
    }

    private static List<Long> pfns(SgPageIter it) {
        List<Long> out = new ArrayList<>();
        while (it.next()) {
            out.add(it.pfn());
        }
        return out;
    }

    @Test
    void everyPageOfEveryEntryIsVisitedInOrder_spec2_7() {
        assertThat(pfns(SgPageIter.ofTable(table(), 0))).containsExactly(10L, 11L, 20L, 21L, 30L);
    }

    @Test
    void anOffsetThatCrossesAPageAddsAPage_spec2_7() {
        SgEntry e = table().entries(2).get(1);
        assertThat(e.pageCount()).isEqualTo(2);
    }

    @Test
    void theStartingPageOffsetSkipsPagesAcrossEntries_spec2_7() {
        assertThat(pfns(SgPageIter.ofTable(table(), 3))).containsExactly(21L, 30L);
        assertThat(pfns(SgPageIter.ofTable(table(), 5))).isEmpty();
    }

    @Test
    void theIteratorStopsAfterNentsEntries_spec2_7() {
        SgTable t = table();
        assertThat(pfns(SgPageIter.start(t.first().orElseThrow(), 1, 0))).containsExactly(10L, 11L);
        assertThat(pfns(SgPageIter.start(t.first().orElseThrow(), 0, 0))).isEmpty();
    }

    @Test
    void theIteratorReportsTheEntryAndThePageIndexInside_spec2_7() {
        SgTable t = table();
        SgPageIter it = SgPageIter.ofTable(t, 0);
        it.next();
        it.next();
        assertThat(it.entry()).isEqualTo(t.first().orElseThrow());
        assertThat(it.pageOffsetInEntry()).isEqualTo(1);
        assertThat(it.physAddress()).isEqualTo(11L * 4096);
    }

    @Test
    void theIteratorWalksThroughChainedChunks_spec2_7() {
        SgTable t = new SgTable();
        t.alloc(300);
        long k = 0;
        for (SgEntry e : t.cpuEntries()) {
            e.setPage(Page.ram(1000 + 3 * k), 4096, 0);
            k++;
        }
        List<Long> got = pfns(SgPageIter.ofTable(t, 0));
        assertThat(got).hasSize(300);
        assertThat(got.get(299)).isEqualTo(1000L + 3 * 299);
    }

    @Test
    void theCurrentPageComesFromTheMemoryMap_spec2_7() {
        MemMap mm = MemMap.ofRam(new long[][] {{0, 1L << 20}});
        SgTable t = new SgTable();
        t.alloc(1);
        t.first().orElseThrow().setPage(mm.pageOrThrow(5), 8192, 0);
        SgPageIter it = SgPageIter.ofTable(t, 0);
        it.next();
        it.next();
        assertThat(it.page(mm)).containsSame(mm.pageOrThrow(6));
    }

    @Test
    void accessorsBeforeNextOrAfterTheEndAreRefused_spec2_7() {
        SgPageIter it = SgPageIter.ofTable(table(), 0);
        assertThatThrownBy(it::pfn).isInstanceOf(IllegalStateException.class);
        while (it.next()) {
            it.pfn();
        }
        assertThatThrownBy(it::entry).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anEmptyTableHasNoPages_spec2_7() {
        assertThat(SgPageIter.ofTable(new SgTable(), 0).next()).isFalse();
        assertThat(SgDmaPageIter.ofTable(new SgTable(), 0).next()).isFalse();
    }

    @Test
    void theDmaViewCountsOffsetPlusDmaLengthForTheMappedEntries_spec2_7() {
        SgTable t = table();
        List<SgEntry> es = t.entries(4);
        es.get(0).setDmaAddress(0x8000_0000L);
        es.get(0).setDmaLength(3 * 4096);
        es.get(1).setDmaAddress(0x9000_0000L);
        es.get(1).setDmaLength(4096);
        t.setNents(2);
        SgDmaPageIter it = SgDmaPageIter.ofTable(t, 0);
        List<Long> addrs = new ArrayList<>();
        while (it.next()) {
            addrs.add(it.dmaAddress());
        }
        assertThat(addrs).containsExactly(0x8000_0000L, 0x8000_1000L, 0x8000_2000L, 0x9000_0000L, 0x9000_1000L);
    }

    @Test
    void theDmaViewIgnoresTheCpuLength_spec2_7() {
        SgTable t = table();
        List<SgEntry> es = t.entries(4);
        es.get(0).setDmaAddress(0x1000L);
        es.get(0).setDmaLength(0);
        es.get(1).setDmaAddress(0x7000L);
        es.get(1).setDmaLength(1);
        t.setNents(2);
        SgDmaPageIter it = SgDmaPageIter.ofTable(t, 0);
        assertThat(it.next()).isTrue();
        assertThat(it.entry()).isEqualTo(es.get(1));
        assertThat(it.dmaAddress()).isEqualTo(0x7000L);
        assertThat(it.next()).isFalse();
    }
}
