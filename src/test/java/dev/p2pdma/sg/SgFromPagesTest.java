package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.pci.PciAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec 2.4: sg_alloc_append_table_from_pages, sg_alloc_table_from_pages_segment, sg_alloc_table_from_pages. */
class SgFromPagesTest {

    /** PAGE_SIZE. */
    private static final int P = 4096;
    /** A P2P page map over pfns 0x100000 .. 0x1000ff (provider 03:00.0). */
    private static final DevicePageMap MAP_A = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:03:00.0"), 0,
            0x100000L * P, 0x100L * P, 0);
    /** Another provider's map directly after it (pfns 0x100100 ..). */
    private static final DevicePageMap MAP_B = new DevicePageMap(2, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:04:00.0"), 0,
            0x100100L * P, 0x100L * P, 0);

    private static Page[] ram(long... pfns) {
        Page[] out = new Page[pfns.length];
        for (int i = 0; i < pfns.length; i++) {
            out[i] = Page.ram(pfns[i]);
        }
        return out;
    }

    /** Entries of a table as "pfn+offset/length" strings, in order. */
    private static List<String> layout(SgTable t) {
        return t.entries(t.origNents()).stream().map(e -> e.pageOrNull().pfn() + "+" + e.offset() + "/" + e.lengthBytes()).toList();
    }

    private static SgTable segment(Page[] pages, int offset, long size, long maxSeg) {
        SgTable t = new SgTable();
        assertThat(SgFromPages.allocTableFromPagesSegment(t, pages, pages.length, offset, size, maxSeg)).isEmpty();
        return t;
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 4095})
    void aMaxSegmentBelowOnePageAfterRoundingIsEinval_spec2_4(long maxSeg) {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgTable t = new SgTable(alloc);
        assertThat(SgFromPages.allocTableFromPagesSegment(t, ram(0), 1, 0, P, maxSeg)).contains(Errno.EINVAL);
        assertThat(t.first()).isEmpty();
        assertThat(alloc.liveChunks()).isZero();
    }

    @Test
    void maxSegmentIsRoundedDownToAPage_spec2_4() {
        assertThat(layout(segment(ram(0, 1, 2), 0, 3L * P, 2 * P + 1))).containsExactly("0+0/8192", "2+0/4096");
        assertThat(layout(segment(ram(0, 1), 0, 2L * P, P + 1))).containsExactly("0+0/4096", "1+0/4096");
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 0x1_0000_0000L})
    void aMaxSegmentOutsideThirtyTwoBitsIsEinval_spec2_4(long maxSeg) {
        assertThat(SgFromPages.allocTableFromPagesSegment(new SgTable(), ram(0), 1, 0, P, maxSeg)).contains(Errno.EINVAL);
    }

    @Test
    void impossibleArgumentsAreEinvalAndAllocateNothing_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgAppendTable t = new SgAppendTable(alloc);
        assertThat(t.appendFromPages(ram(0), 0, 0, P, P, 0)).contains(Errno.EINVAL);
        assertThat(t.appendFromPages(ram(0), 2, 0, P, P, 0)).contains(Errno.EINVAL);
        assertThat(t.appendFromPages(ram(0), 1, -1, P, P, 0)).contains(Errno.EINVAL);
        assertThat(t.appendFromPages(ram(0), 1, 0, P, P, -1)).contains(Errno.EINVAL);
        assertThat(SgFromPages.appendFromPages(t, ram(0, 1), 2, 1, 0, P, P, 0)).contains(Errno.EINVAL);
        assertThat(alloc.liveChunks()).isZero();
        assertThat(t.prv()).isEmpty();
    }

    @Test
    void contiguousPagesMergeIntoOneEntry_spec2_4() {
        SgTable t = segment(ram(7, 8, 9, 10), 0, 4L * P, SgFromPages.UINT_MAX);
        assertThat(layout(t)).containsExactly("7+0/16384");
        assertThat(t.nents()).isEqualTo(1);
        assertThat(t.first().orElseThrow().isLast()).isTrue();
    }

    @Test
    void aGapOrABackwardStepStartsANewEntry_spec2_4() {
        assertThat(layout(segment(ram(7, 8, 10, 9), 0, 4L * P, SgFromPages.UINT_MAX))).containsExactly("7+0/8192", "10+0/4096", "9+0/4096");
    }

    @Test
    void aRunClosesOnceItReachesMaxSegment_spec2_4() {
        assertThat(layout(segment(ram(0, 1, 2, 3, 4), 0, 5L * P, 2 * P))).containsExactly("0+0/8192", "2+0/8192", "4+0/4096");
    }

    @Test
    void p2pPagesNeverMergeWithRam_spec2_4() {
        Page ramBefore = Page.ram(0xfffff);
        Page p0 = Page.device(0x100000, MAP_A);
        Page p1 = Page.device(0x100001, MAP_A);
        assertThat(SgFromPages.mergeable(p0, ramBefore)).isFalse();
        assertThat(SgFromPages.mergeable(p1, p0)).isTrue();
        assertThat(layout(segment(new Page[] {ramBefore, p0, p1}, 0, 3L * P, SgFromPages.UINT_MAX)))
                .containsExactly((0xfffff) + "+0/4096", (0x100000) + "+0/8192");
    }

    @Test
    void p2pPagesOfTwoProvidersNeverMerge_spec2_4() {
        Page a = Page.device(0x1000ff, MAP_A);
        Page b = Page.device(0x100100, MAP_B);
        assertThat(SgFromPages.mergeable(b, a)).isFalse();
        SgTable t = segment(new Page[] {a, b}, 0, 2L * P, SgFromPages.UINT_MAX);
        assertThat(t.nents()).isEqualTo(2);
        assertThat(t.entries(2)).extracting(e -> e.pageOrNull().pagemap().orElseThrow()).containsExactly(MAP_A, MAP_B);
    }

    @Test
    void theFirstEntryStartsAtTheOffsetAndTheLastEndsWithTheSize_spec2_4() {
        assertThat(layout(segment(ram(0, 1, 2), 100, 3L * P - 150, SgFromPages.UINT_MAX))).containsExactly("0+100/12138");
        assertThat(layout(segment(ram(0, 1, 2), 100, 3L * P - 150, 2 * P))).containsExactly("0+100/8092", "2+0/4046");
    }

    @Test
    void aSizeOfOneByteGivesAOneByteEntry_spec2_4() {
        assertThat(layout(segment(ram(0), 0, 1, SgFromPages.UINT_MAX))).containsExactly("0+0/1");
    }

    @Test
    void sizeIsUnsignedSoAShortSizeLeavesLaterEntriesWhole_spec2_4() {
        // the first entry takes min(size, 4096) = 100, then size -= 4096 wraps below zero, as the kernel's unsigned long does
        assertThat(layout(segment(ram(0, 5), 0, 100, SgFromPages.UINT_MAX))).containsExactly("0+0/100", "5+0/4096");
    }

    @Test
    void sgAllocTableFromPagesUsesUintMax_spec2_4() {
        SgTable t = new SgTable();
        assertThat(SgFromPages.allocTableFromPages(t, ram(3, 4, 5, 9), 4, 0, 4L * P)).isEmpty();
        assertThat(layout(t)).containsExactly("3+0/12288", "9+0/4096");
    }

    @Test
    void theSegmentBuilderLeavesAPlainTableWithTotalEqualToOrig_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgTable t = new SgTable(alloc);
        Page[] pages = new Page[300];
        for (int i = 0; i < 300; i++) {
            pages[i] = Page.ram(2L * i);
        }
        assertThat(SgFromPages.allocTableFromPagesSegment(t, pages, 300, 0, 300L * P, SgFromPages.UINT_MAX)).isEmpty();
        assertThat(t.origNents()).isEqualTo(300);
        assertThat(t.nents()).isEqualTo(300);
        assertThat(t.totalNents()).isZero();
        assertThat(SgTableAllocTest.chunkSizes(t)).containsExactly(128, 128, 46);
        assertThat(SgTable.sgNents(t.first().orElseThrow())).isEqualTo(300);
        t.free();
        assertThat(alloc.liveChunks()).isZero();
    }

    @Test
    void theSegmentBuilderRefusesAnAllocatedTable_spec2_4() {
        SgTable t = new SgTable();
        t.alloc(1);
        assertThatThrownBy(() -> SgFromPages.allocTableFromPagesSegment(t, ram(0), 1, 0, P, P)).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void enomemInTheSegmentBuilderFreesEverything_spec2_4(int failingAllocation) {
        ChunkAllocator alloc = ChunkAllocator.failingFrom(failingAllocation);
        SgTable t = new SgTable(alloc);
        Page[] pages = new Page[400];
        for (int i = 0; i < 400; i++) {
            pages[i] = Page.ram(2L * i);
        }
        assertThat(SgFromPages.allocTableFromPagesSegment(t, pages, 400, 0, 400L * P, SgFromPages.UINT_MAX)).contains(Errno.ENOMEM);
        assertThat(alloc.liveChunks()).isZero();
        assertThat(t.first()).isEmpty();
        assertThat(t.origNents()).isZero();
    }

    @Test
    void appendingExtendsTheLastEntryWithContiguousPages_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        assertThat(t.appendFromPages(ram(0, 1), 2, 0, 2L * P, SgFromPages.UINT_MAX, 2)).isEmpty();
        assertThat(t.appendFromPages(ram(2, 3), 2, 0, 2L * P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(layout(t.sgt())).containsExactly("0+0/16384");
        assertThat(t.sgt().nents()).isEqualTo(1);
        assertThat(t.prv().orElseThrow().isLast()).isTrue();
    }

    @Test
    void appendingExtendsTheLastEntryOnlyUpToMaxSegment_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        t.appendFromPages(ram(0, 1), 2, 0, 2L * P, 3 * P, 2);
        assertThat(t.appendFromPages(ram(2, 3), 2, 0, 2L * P, 3 * P, 0)).isEmpty();
        assertThat(layout(t.sgt())).containsExactly("0+0/12288", "3+0/4096");
    }

    @Test
    void aFullLastEntryIsNotExtended_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        t.appendFromPages(ram(0, 1), 2, 0, 2L * P, 2 * P, 1);
        assertThat(t.appendFromPages(ram(2), 1, 0, P, 2 * P, 0)).isEmpty();
        assertThat(layout(t.sgt())).containsExactly("0+0/8192", "2+0/4096");
    }

    @Test
    void appendingMergesAfterAnOffsetFirstEntryByItsEndAddress_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        t.appendFromPages(ram(0), 1, 100, P - 100, SgFromPages.UINT_MAX, 1);
        assertThat(t.appendFromPages(ram(1), 1, 0, P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(layout(t.sgt())).containsExactly("0+100/8092");
    }

    @Test
    void appendingDoesNotMergeAP2pPageIntoARamEntry_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        t.appendFromPages(new Page[] {Page.ram(0xfffff)}, 1, 0, P, SgFromPages.UINT_MAX, 1);
        assertThat(t.appendFromPages(new Page[] {Page.device(0x100000, MAP_A)}, 1, 0, P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(t.sgt().nents()).isEqualTo(2);
    }

    @Test
    void appendingWithAnOffsetIsEinvalAndChangesNothing_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        t.appendFromPages(ram(0), 1, 0, P, SgFromPages.UINT_MAX, 1);
        assertThat(t.appendFromPages(ram(1), 1, 8, P, SgFromPages.UINT_MAX, 0)).contains(Errno.EINVAL);
        assertThat(layout(t.sgt())).containsExactly("0+0/4096");
        assertThat(t.prv().orElseThrow().isLast()).isFalse();
    }

    @Test
    void endIsMarkedOnlyWhenNoPagesAreLeft_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        t.appendFromPages(ram(0, 5), 2, 0, 2L * P, SgFromPages.UINT_MAX, 3);
        assertThat(t.prv().orElseThrow().isLast()).isFalse();
        t.appendFromPages(ram(9), 1, 0, P, SgFromPages.UINT_MAX, 2);
        assertThat(t.prv().orElseThrow().isLast()).isFalse();
        t.appendFromPages(ram(10, 20), 2, 0, 2L * P, SgFromPages.UINT_MAX, 0);
        assertThat(t.prv().orElseThrow().isLast()).isTrue();
        assertThat(layout(t.sgt())).containsExactly("0+0/4096", "5+0/4096", "9+0/8192", "20+0/4096");
        assertThat(SgTable.sgNents(t.sgt().first().orElseThrow())).isEqualTo(4);
    }

    @Test
    void theFirstChunkHoldsTheRunsAndTheLeftPages_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgAppendTable t = new SgAppendTable(alloc);
        t.appendFromPages(ram(0), 1, 0, P, SgFromPages.UINT_MAX, 5);
        assertThat(t.totalNents()).isEqualTo(6);
        assertThat(SgTableAllocTest.chunkSizes(t.sgt())).containsExactly(6);
        assertThat(t.appendFromPages(ram(2, 4, 6, 8, 10), 5, 0, 5L * P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(alloc.liveChunks()).isEqualTo(1);
        assertThat(t.totalNents()).isEqualTo(6);
        assertThat(t.sgt().origNents()).isEqualTo(6);
        assertThat(t.sgt().nents()).isEqualTo(6);
    }

    @Test
    void theEndEntryOfAChunkIsReusedWhenItIsTheLastOneNeeded_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgAppendTable t = new SgAppendTable(alloc);
        t.appendFromPages(ram(0), 1, 0, P, SgFromPages.UINT_MAX, 2);
        assertThat(t.appendFromPages(ram(2, 4), 2, 0, 2L * P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(SgTableAllocTest.chunkSizes(t.sgt())).containsExactly(3);
        assertThat(t.sgt().entries(3)).noneMatch(SgEntry::isChain);
        assertThat(t.totalNents()).isEqualTo(3);
    }

    @Test
    void theEndEntryBecomesALinkWhenMoreThanOneIsNeeded_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgAppendTable t = new SgAppendTable(alloc);
        t.appendFromPages(ram(0), 1, 0, P, SgFromPages.UINT_MAX, 1);
        assertThat(t.totalNents()).isEqualTo(2);
        // the caller promised one page but brings three runs: the END entry at index 1 becomes a link
        assertThat(t.appendFromPages(ram(2, 4, 6), 3, 0, 3L * P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(SgTableAllocTest.chunkSizes(t.sgt())).containsExactly(2, 3);
        assertThat(t.totalNents()).isEqualTo(4);
        assertThat(t.sgt().origNents()).isEqualTo(4);
        assertThat(layout(t.sgt())).containsExactly("0+0/4096", "2+0/4096", "4+0/4096", "6+0/4096");
        t.free();
        assertThat(alloc.liveChunks()).isZero();
    }

    @Test
    void manyRunsFillFullChunksThenAChunkOfWhatIsLeft_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        Page[] pages = new Page[200];
        for (int i = 0; i < 200; i++) {
            pages[i] = Page.ram(2L * i);
        }
        assertThat(t.appendFromPages(pages, 200, 0, 200L * P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(SgTableAllocTest.chunkSizes(t.sgt())).containsExactly(128, 73);
        assertThat(t.totalNents()).isEqualTo(200);
    }

    @Test
    void leftPagesEnlargeTheChunksAllocated_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgAppendTable t = new SgAppendTable(alloc);
        Page[] pages = new Page[200];
        for (int i = 0; i < 200; i++) {
            pages[i] = Page.ram(2L * i);
        }
        assertThat(t.appendFromPages(pages, 200, 0, 200L * P, SgFromPages.UINT_MAX, 1000)).isEmpty();
        assertThat(SgTableAllocTest.chunkSizes(t.sgt())).containsExactly(128, 128);
        assertThat(t.totalNents()).isEqualTo(255);
        assertThat(t.sgt().origNents()).isEqualTo(200);
        t.free();
        assertThat(alloc.liveChunks()).isZero();
    }

    @Test
    void enomemWhileAppendingRestoresTheLastEntrysLength_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.failingFrom(1);
        SgAppendTable t = new SgAppendTable(alloc);
        assertThat(t.appendFromPages(ram(0), 1, 0, P, SgFromPages.UINT_MAX, 1)).isEmpty();
        SgEntry prv = t.prv().orElseThrow();
        // pfn 1 merges into prv first, then pfn 5 needs a new chunk, which fails
        assertThat(t.appendFromPages(ram(1, 5, 9), 3, 0, 3L * P, SgFromPages.UINT_MAX, 0)).contains(Errno.ENOMEM);
        assertThat(prv.lengthBytes()).isEqualTo(P);
        assertThat(t.prv()).contains(prv);
        assertThat(t.sgt().nents()).isEqualTo(1);
        assertThat(t.sgt().origNents()).isEqualTo(1);
        t.free();
        assertThat(alloc.liveChunks()).isZero();
    }

    @Test
    void enomemInAFirstAppendLeavesTheChunksForFree_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.failingFrom(2);
        SgAppendTable t = new SgAppendTable(alloc);
        Page[] pages = new Page[400];
        for (int i = 0; i < 400; i++) {
            pages[i] = Page.ram(2L * i);
        }
        assertThat(t.appendFromPages(pages, 400, 0, 400L * P, SgFromPages.UINT_MAX, 0)).contains(Errno.ENOMEM);
        assertThat(alloc.liveChunks()).isEqualTo(2);
        assertThat(t.prv()).isEmpty();
        assertThat(t.sgt().nents()).isZero();
        t.free();
        assertThat(alloc.liveChunks()).isZero();
    }

    @Test
    void appendingAfterTheEndMergesButRefusesNewEntries_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        t.appendFromPages(ram(0), 1, 0, P, SgFromPages.UINT_MAX, 0);
        assertThat(t.appendFromPages(ram(1), 1, 0, P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(layout(t.sgt())).containsExactly("0+0/8192");
        // the kernel would follow sg_next(prv) == NULL here; the model refuses and restores prv
        assertThat(t.appendFromPages(ram(2, 7), 2, 0, 2L * P, SgFromPages.UINT_MAX, 0)).contains(Errno.EINVAL);
        assertThat(layout(t.sgt())).containsExactly("0+0/8192");
    }

    @Test
    void appendingFromTheMiddleOfAnArrayUsesThatSlice_spec2_4() {
        SgAppendTable t = new SgAppendTable();
        Page[] pages = ram(0, 1, 2, 3, 9, 10);
        assertThat(SgFromPages.appendFromPages(t, pages, 0, 2, 0, 2L * P, SgFromPages.UINT_MAX, 4)).isEmpty();
        assertThat(SgFromPages.appendFromPages(t, pages, 2, 4, 0, 4L * P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(layout(t.sgt())).containsExactly("0+0/16384", "9+0/8192");
    }

    @Test
    void freeingAnAppendTableUsesTotalNents_spec2_4() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgAppendTable t = new SgAppendTable(alloc);
        Page[] pages = new Page[130];
        for (int i = 0; i < 130; i++) {
            pages[i] = Page.ram(2L * i);
        }
        t.appendFromPages(pages, 1, 0, P, SgFromPages.UINT_MAX, 129);
        for (int i = 1; i < 130; i++) {
            assertThat(SgFromPages.appendFromPages(t, pages, i, 1, 0, P, SgFromPages.UINT_MAX, 129 - i)).isEmpty();
        }
        assertThat(SgTableAllocTest.chunkSizes(t.sgt())).containsExactly(128, 3);
        assertThat(t.sgt().origNents()).isEqualTo(130);
        assertThat(t.totalNents()).isEqualTo(130);
        assertThat(alloc.liveChunks()).isEqualTo(2);
        t.free();
        assertThat(alloc.liveChunks()).isZero();
        assertThat(t.prv()).isEmpty();
    }

    @Test
    void appendedPagesThatMergeAddWholePagesWhateverTheSize_spec2_4() {
        // the merge step grows prv by PAGE_SIZE per page and never reads size
        SgAppendTable t = new SgAppendTable();
        t.appendFromPages(ram(0), 1, 0, P, SgFromPages.UINT_MAX, 1);
        assertThat(t.appendFromPages(ram(1), 1, 0, 10, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(layout(t.sgt())).containsExactly("0+0/8192");
    }

    @Test
    void aLastEntryOfFourGibibytesLessAPageIsNotExtendedPastMaxSegment_spec2_4() {
        // prv.length + PAGE_SIZE is compared in 64 bits: 0xFFFFF000 + 4096 does not wrap to 0
        int n = (int) (SgFromPages.SCATTERLIST_MAX_SEGMENT / P);
        Page[] pages = new Page[n + 1];
        for (int i = 0; i <= n; i++) {
            pages[i] = Page.ram(0x100000L + i);
        }
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgAppendTable t = new SgAppendTable(alloc);
        assertThat(SgFromPages.appendFromPages(t, pages, 0, n, 0, (long) n * P, SgFromPages.UINT_MAX, 1)).isEmpty();
        assertThat(t.prv().orElseThrow().lengthBytes()).isEqualTo(0xFFFFF000L);
        assertThat(SgFromPages.appendFromPages(t, pages, n, 1, 0, P, SgFromPages.UINT_MAX, 0)).isEmpty();
        assertThat(layout(t.sgt())).containsExactly(0x100000L + "+0/" + 0xFFFFF000L, (0x100000L + n) + "+0/4096");
        t.free();
        assertThat(alloc.liveChunks()).isZero();
    }
}
