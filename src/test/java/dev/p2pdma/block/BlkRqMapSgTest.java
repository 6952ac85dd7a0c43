package dev.p2pdma.block;

import static dev.p2pdma.block.BlockFixtures.K4;
import static dev.p2pdma.block.BlockFixtures.iov;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.sg.ChunkAllocator;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 6.5 and 7.9 vectors 10, 11, 16, 18: blk_rq_map_sg(). */
class BlkRqMapSgTest {

    private final BlockFixtures f = new BlockFixtures();

    private static List<Long> lengths(List<BlkRqMapSg.SgPiece> p) {
        return p.stream().map(BlkRqMapSg.SgPiece::length).toList();
    }

    private Request only(DirectIoSubmission s) {
        assertThat(s.requests()).hasSize(1);
        return s.requests().get(0);
    }

    @Test
    void an8KIovecAtPageOffset512GivesThreeEntries_spec7_9_10() {
        long buf = f.ram(3 * K4);
        Request rq = only(f.read(BlockFixtures.iommu(), iov(buf + 512, 8192)));
        List<BlkRqMapSg.SgPiece> p = BlkRqMapSg.pieces(rq, BlockFixtures.iommu());
        assertThat(lengths(p)).containsExactly(3584L, 4096L, 512L);
        assertThat(p).extracting(BlkRqMapSg.SgPiece::offset).containsExactly(512, 0, 0);
    }

    @Test
    void a1KIovecEndingAPageThenA3KIovecStartingOneIsOneRequestOfTwoEntries_spec7_9_11() {
        long a = f.ram(K4);
        long b = f.ram(K4);
        Request rq = only(f.read(BlockFixtures.iommu(), iov(a + 3072, 1024), iov(b, 3072)));
        assertThat(lengths(BlkRqMapSg.pieces(rq, BlockFixtures.iommu()))).containsExactly(1024L, 3072L);
    }

    @Test
    void an8KP2pIovecAtOffset512IsOneEntry_spec7_9_16() {
        Request rq = only(f.read(BlockFixtures.iommu(), iov(f.p2pStart + 512, 8192)));
        List<BlkRqMapSg.SgPiece> p = BlkRqMapSg.pieces(rq, BlockFixtures.iommu());
        assertThat(lengths(p)).containsExactly(8192L);
        assertThat(p.get(0).offset()).isEqualTo(512);
        assertThat(p.get(0).page().isP2pdma()).isTrue();
    }

    @Test
    void theMixedRequestFillsATableOfSevenEntriesTheLastMarkedEnd_spec7_9_18() {
        long a = f.ram(16384);
        long b = f.ram(8192);
        Request rq = only(f.read(BlockFixtures.direct(), iov(a, 16384), iov(f.p2pStart + (128 << 10), 16384), iov(b, 8192)));
        BlkRqMapSg.MapSgResult r = BlkRqMapSg.mapSg(rq, BlockFixtures.direct(), new SgTable());
        assertThat(r.error()).isEmpty();
        assertThat(r.nents()).isEqualTo(7);
        List<SgEntry> e = r.table().entries(7);
        assertThat(e).extracting(SgEntry::length).containsExactly(K4, K4, K4, K4, 16384, K4, K4);
        assertThat(e.get(4).pageOrThrow().isP2pdma()).isTrue();
        assertThat(e.get(4).phys()).isEqualTo(f.p2pmem.page(32).physAddress());
        assertThat(e.get(6).isLast()).isTrue();
        assertThat(e.get(5).isLast()).isFalse();
    }

    @Test
    void aBvecCrossingPagesIsCutByMaxSegmentSizeWithThePageAdvanced_spec6_5() {
        QueueLimits q = new QueueLimits(512, 512, 1024, 1024, 128, 4096, 0xFFFF_FFFFL, 0, 3, true);
        Request rq = only(f.read(q, iov(f.p2pStart + 512, 8192)));
        List<BlkRqMapSg.SgPiece> p = BlkRqMapSg.pieces(rq, q);
        assertThat(lengths(p)).containsExactly(4096L, 4096L);
        assertThat(p).extracting(BlkRqMapSg.SgPiece::offset).containsExactly(512, 512);
        assertThat(p.get(1).page().pfn()).isEqualTo(p.get(0).page().pfn() + 1);
    }

    @Test
    void entriesAreCutAtTheSegmentBoundaryNotAtPageBoundaries_spec6_5() {
        QueueLimits q = new QueueLimits(512, 512, 1024, 1024, 128, 0xFFFF_FFFFL, 0xFFFF, 0, 3, true);
        long phys = f.mm.pageAt(f.p2pStart).orElseThrow().physAddress();
        long first = 0x10000 - (phys & 0xFFFF);
        Request rq = only(f.read(q, iov(f.p2pStart, 0x10000)));
        List<BlkRqMapSg.SgPiece> p = BlkRqMapSg.pieces(rq, q);
        assertThat(lengths(p)).isEqualTo(first == 0x10000 ? List.of(0x10000L) : List.of(first, 0x10000 - first));
        assertThat(rq.nrPhysSegments()).isEqualTo(p.size());
    }

    @Test
    void theFirstBvecOfALaterBioExtendsThePreviousEntryWhenPhysicallyMergeable_spec6_5() {
        // bio 1: 255 RAM pages + the first P2P page; bio 2: the second P2P page, merged into bio 1's remainder
        long buf = f.ram(255 * K4);
        DirectIoSubmission s = f.read(BlockFixtures.swiotlb(), iov(buf, 255 * K4), iov(f.p2pStart, 8192));
        Request last = s.requests().get(s.requests().size() - 1);
        assertThat(last.bios()).hasSize(2);
        assertThat(last.nrPhysSegments()).isEqualTo(5);
        List<BlkRqMapSg.SgPiece> p = BlkRqMapSg.pieces(last, BlockFixtures.swiotlb());
        assertThat(lengths(p)).containsExactly((long) K4, (long) K4, (long) K4, 8192L);
    }

    @Test
    void aTableThatCannotBeAllocatedGivesNoEntriesAndEnomem_spec6_5() {
        Request rq = only(f.read(BlockFixtures.iommu(), iov(f.p2pStart, 8192)));
        BlkRqMapSg.MapSgResult r = BlkRqMapSg.mapSg(rq, BlockFixtures.iommu(), new SgTable(ChunkAllocator.failingFrom(0)));
        assertThat(r.nents()).isZero();
        assertThat(r.error()).contains(Errno.ENOMEM);
        assertThat(r.table().first()).isEmpty();
    }
}
