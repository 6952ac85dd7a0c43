package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec 2.5: the 22 rows of the kernel's own scatterlist test ({@code tools/testing/scatterlist/main.c},
 * v5.15+ append form), run the way its harness runs them: the page of pfn k is {@code Page.ram(k)},
 * offset 0; rows with append pfns first call the append builder with {@code left_pages = num_pages},
 * then append the second array with left_pages 0 and check only nents; the other rows call
 * sg_alloc_table_from_pages_segment and check nents and orig_nents.
 */
class SgKernelTestVectorsTest {

    /** PAGE_SIZE. */
    private static final long P = 4096;
    /** The harness's sgmax: UINT_MAX, which the builder rounds down to SCATTERLIST_MAX_SEGMENT. */
    private static final long SGMAX = SgFromPages.UINT_MAX;

    private static Arguments row(int n, Errno ret, long[] pfns, long[] appendPfns, long size, long maxSeg, int expected) {
        return Arguments.of(n, Optional.ofNullable(ret), pfns, Optional.ofNullable(appendPfns), size, maxSeg, expected);
    }

    private static long[] pfn(long... p) {
        return p;
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row(1, Errno.EINVAL, pfn(0), null, P, 0, 1),
                row(2, null, pfn(0), null, P, P + 1, 1),
                row(3, null, pfn(0), null, P, SGMAX, 1),
                row(4, null, pfn(0), null, 1, SGMAX, 1),
                row(5, null, pfn(0, 1), null, 2 * P, SGMAX, 1),
                row(6, null, pfn(1, 0), null, 2 * P, SGMAX, 2),
                row(7, null, pfn(0, 1, 2), null, 3 * P, SGMAX, 1),
                row(8, null, pfn(0, 1, 2), null, 3 * P, SGMAX, 1),
                row(9, null, pfn(0, 1, 2), pfn(3, 4, 5), 3 * P, SGMAX, 1),
                row(10, null, pfn(0, 1, 2), pfn(4, 5, 6), 3 * P, SGMAX, 2),
                row(11, null, pfn(0, 2, 1), null, 3 * P, SGMAX, 3),
                row(12, null, pfn(0, 1, 3), null, 3 * P, SGMAX, 2),
                row(13, null, pfn(1, 2, 4), null, 3 * P, SGMAX, 2),
                row(14, null, pfn(1, 3, 4), null, 3 * P, SGMAX, 2),
                row(15, null, pfn(0, 1, 3, 4), null, 4 * P, SGMAX, 2),
                row(16, null, pfn(0, 1, 3, 4, 5), null, 5 * P, SGMAX, 2),
                row(17, null, pfn(0, 1, 3, 4, 6), null, 5 * P, SGMAX, 3),
                row(18, null, pfn(0, 1, 2, 3, 4), null, 5 * P, SGMAX, 1),
                row(19, null, pfn(0, 1, 2, 3, 4), null, 5 * P, 2 * P, 3),
                row(20, null, pfn(0, 1, 2, 3, 4, 5), null, 6 * P, 2 * P, 3),
                row(21, null, pfn(0, 2, 3, 4, 5, 6), null, 6 * P, 2 * P, 4),
                row(22, null, pfn(0, 1, 3, 4, 5, 6), pfn(7, 8, 9, 10, 11, 12), 6 * P, 12 * P, 2));
    }

    private static Page[] pages(long[] pfns) {
        return Arrays.stream(pfns).mapToObj(Page::ram).toArray(Page[]::new);
    }

    @ParameterizedTest(name = "row {0}: pfns {2} + {3}, size {4}, max_seg {5} -> {6}")
    @MethodSource("rows")
    void theKernelsScatterlistTestTable_spec2_5(int row, Optional<Errno> ret, long[] pfns, Optional<long[]> appendPfns, long size,
            long maxSeg, int expected) {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        if (appendPfns.isPresent()) {
            SgAppendTable append = new SgAppendTable(alloc);
            assertThat(append.appendFromPages(pages(pfns), pfns.length, 0, size, maxSeg, pfns.length)).isEqualTo(ret);
            assertThat(append.appendFromPages(pages(appendPfns.get()), pfns.length, 0, size, maxSeg, 0)).isEqualTo(ret);
            assertThat(append.sgt().nents()).as("nents").isEqualTo(expected);
            append.free();
        } else {
            SgTable sgt = new SgTable(alloc);
            assertThat(SgFromPages.allocTableFromPagesSegment(sgt, pages(pfns), pfns.length, 0, size, maxSeg)).isEqualTo(ret);
            if (ret.isEmpty()) {
                assertThat(sgt.nents()).as("nents").isEqualTo(expected);
                assertThat(sgt.origNents()).as("orig_nents").isEqualTo(expected);
                sgt.free();
            }
        }
        assertThat(alloc.liveChunks()).as("chunks left after free").isZero();
    }

    @ParameterizedTest(name = "row {0} with max_seg SCATTERLIST_MAX_SEGMENT")
    @MethodSource("rows")
    void theOlderSgmaxAlreadyRoundedGivesTheSameCounts_spec2_5(int row, Optional<Errno> ret, long[] pfns, Optional<long[]> appendPfns,
            long size, long maxSeg, int expected) {
        long seg = maxSeg == SGMAX ? SgFromPages.SCATTERLIST_MAX_SEGMENT : maxSeg;
        SgTable sgt = new SgTable();
        if (appendPfns.isEmpty()) {
            assertThat(SgFromPages.allocTableFromPagesSegment(sgt, pages(pfns), pfns.length, 0, size, seg)).isEqualTo(ret);
            assertThat(sgt.nents()).isEqualTo(ret.isEmpty() ? expected : 0);
        } else {
            SgAppendTable append = new SgAppendTable();
            append.appendFromPages(pages(pfns), pfns.length, 0, size, seg, pfns.length);
            append.appendFromPages(pages(appendPfns.get()), pfns.length, 0, size, seg, 0);
            assertThat(append.sgt().nents()).isEqualTo(expected);
        }
    }
}
