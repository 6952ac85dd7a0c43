package dev.p2pdma.block;

import static dev.p2pdma.block.BlockFixtures.K4;
import static dev.p2pdma.block.BlockFixtures.iov;
import static dev.p2pdma.block.BlockFixtures.nents;
import static dev.p2pdma.block.BlockFixtures.sizes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 6.4 and the request-shape vectors of 7.9 (5, 7, 8, 9, 17, 18): bios split into requests. */
class BioSplitTest {

    private static final long K128 = 128 << 10;
    private static final long K252 = 252 << 10;
    private static final long K512 = 512 << 10;
    private final BlockFixtures f = new BlockFixtures();

    private static List<Long> times(int n, long v) {
        return new ArrayList<>(Collections.nCopies(n, v));
    }

    private static List<Integer> segs(DirectIoSubmission s) {
        return s.requests().stream().map(Request::nrPhysSegments).toList();
    }

    private IoVec[] sparse32() {
        long buf = f.ram(64 * K4);
        IoVec[] v = new IoVec[32];
        for (int i = 0; i < 32; i++) {
            v[i] = iov(buf + 2L * i * K4, K4);
        }
        return v;
    }

    @Test
    void aGapAtTheVirtBoundarySplitsTwo1KIovecsIntoTwoRequests_spec7_9_5() {
        long buf = f.ram(2 * K4);
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(buf + 512, 1024), iov(buf + K4 + 512, 1024));
        assertThat(sizes(s)).containsExactly(1024L, 1024L);
        assertThat(segs(s)).containsExactly(1, 1);
        assertThat(s.requests().get(1).sector()).isEqualTo(s.requests().get(0).sector() + 2);
    }

    @Test
    void thirtyTwoScattered4KIovecsAreOneRequestOf32Segments_spec7_9_7() {
        for (QueueLimits q : List.of(BlockFixtures.direct(), BlockFixtures.iommu(), BlockFixtures.swiotlb())) {
            DirectIoSubmission s = f.read(q, sparse32());
            assertThat(sizes(s)).containsExactly(K128);
            assertThat(segs(s)).containsExactly(32);
            assertThat(nents(s, q)).containsExactly(32);
        }
    }

    @Test
    void one128KIovecOfNonAdjacentRamIsTheSameAsVector7_spec7_9_8() {
        long buf = f.ram(K128);
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(buf, K128));
        assertThat(sizes(s)).containsExactly(K128);
        assertThat(segs(s)).containsExactly(32);
        assertThat(nents(s, BlockFixtures.iommu())).containsExactly(32);
    }

    @Test
    void a1MiBRamReadSplitsByMaxSectorsAndMaxSegments_spec7_9_9() {
        long buf = f.ram(1 << 20);
        DirectIoSubmission iommu = f.read(BlockFixtures.iommu(), iov(buf, 1 << 20));
        assertThat(sizes(iommu)).isEqualTo(times(8, K128));
        assertThat(nents(iommu, BlockFixtures.iommu())).containsOnly(32);
        BlockDirectIo.release(f.mm, iommu);
        DirectIoSubmission direct = f.read(BlockFixtures.direct(), iov(buf, 1 << 20));
        assertThat(sizes(direct)).containsExactly(K512, K512);
        assertThat(nents(direct, BlockFixtures.direct())).containsExactly(128, 128);
        DirectIoSubmission tlb = f.read(BlockFixtures.swiotlb(), iov(buf, 1 << 20));
        List<Long> expected = times(4, K252);
        expected.add(16384L);
        assertThat(sizes(tlb)).isEqualTo(expected);
        assertThat(segs(tlb)).containsExactly(63, 63, 63, 63, 4);
        assertThat(tlb.completeAllOk()).isEqualTo(new IoResult.Transferred(1 << 20, 0));
    }

    @Test
    void a1MiBP2pBvecIsSplitOnlyByMaxSectors_spec7_9_17() {
        DirectIoSubmission iommu = f.read(BlockFixtures.iommu(), iov(f.p2pStart, 1 << 20));
        assertThat(sizes(iommu)).isEqualTo(times(8, K128));
        assertThat(nents(iommu, BlockFixtures.iommu())).containsOnly(1);
        DirectIoSubmission direct = f.read(BlockFixtures.direct(), iov(f.p2pStart, 1 << 20));
        assertThat(sizes(direct)).containsExactly(K512, K512);
        assertThat(nents(direct, BlockFixtures.direct())).containsExactly(1, 1);
        DirectIoSubmission tlb = f.read(BlockFixtures.swiotlb(), iov(f.p2pStart, 1 << 20));
        List<Long> expected = times(4, K252);
        expected.add(16384L);
        assertThat(sizes(tlb)).isEqualTo(expected);
        assertThat(nents(tlb, BlockFixtures.swiotlb())).containsOnly(1);
    }

    @Test
    void ramP2pRamMixedIsOneRequestOf40KWithSevenSegments_spec7_9_18() {
        long a = f.ram(16384);
        long b = f.ram(8192);
        for (QueueLimits q : List.of(BlockFixtures.direct(), BlockFixtures.iommu(), BlockFixtures.swiotlb())) {
            DirectIoSubmission s = f.read(q, iov(a, 16384), iov(f.p2pStart + (128 << 10), 16384), iov(b, 8192));
            assertThat(sizes(s)).containsExactly(40960L);
            assertThat(segs(s)).containsExactly(7);
            assertThat(nents(s, q)).containsExactly(7);
        }
    }

    @Test
    void maxSegmentsEndsARequest_spec6_4() {
        QueueLimits q = BlockFixtures.nvme(512, 4, true);
        long buf = f.ram(8 * K4);
        DirectIoSubmission s = f.read(q, iov(buf, 8 * K4));
        assertThat(sizes(s)).containsExactly(4L * K4, 4L * K4);
        assertThat(segs(s)).containsExactly(4, 4);
    }

    @Test
    void aCutInsideABvecIsRoundedDownToTheLogicalBlock_spec6_4() {
        // 1000-byte segments, two per request: the cut after 2000 bytes is rounded down to 1536
        QueueLimits q = new QueueLimits(512, 512, 1024, 1024, 2, 1000, 0xFFFF_FFFFL, 0, 3, true);
        DirectIoSubmission s = f.read(q, iov(f.p2pStart, 8192));
        assertThat(s.requests().get(0).bytes()).isEqualTo(1536);
        assertThat(s.requests().get(0).nrPhysSegments()).isEqualTo(2);
        assertThat(s.requests().get(0).mergeable()).as("a split-off piece is REQ_NOMERGE").isFalse();
        assertThat(s.requests().stream().mapToLong(Request::bytes).sum()).isEqualTo(8192);
    }

    @Test
    void anUnalignedStartSectorCutsAtThePhysicalBlock_spec6_4() {
        // 8 KiB max_sectors, 4 KiB physical blocks, start at sector 2049: first cut after 15 sectors
        QueueLimits q = new QueueLimits(512, 4096, 16, 16, 128, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 4095, 3, true);
        DirectIoSubmission s = BlockDirectIo.submit(f.mm, q, BlockFixtures.DISK_BYTES, ReqOp.READ, (1 << 20) + 512, List.of(iov(f.p2pStart, 32768)));
        assertThat(sizes(s)).containsExactly(7680L, 8192L, 8192L, 8192L, 512L);
    }

    @Test
    void aSingleBvecInsideOnePageIsOneSegmentWithoutAWalk_spec6_3_5() {
        long buf = f.ram(K4);
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(buf + 512, 2048));
        assertThat(segs(s)).containsExactly(1);
        assertThat(s.requests().get(0).mergeable()).isTrue();
        assertThat(BioSplit.mayNeedSplit(s.bios().get(0).bvecs())).isFalse();
    }

    @Test
    void aBioFittingAfterARemainderBackMergesIntoItsRequestInThePlug_spec6_4() {
        long buf = f.ram((1 << 20) + K4);
        DirectIoSubmission s = f.read(BlockFixtures.swiotlb(), iov(buf, (1 << 20) + K4));
        List<Long> expected = times(4, K252);
        expected.add(16384L + K4);
        assertThat(sizes(s)).isEqualTo(expected);
        assertThat(segs(s)).containsExactly(63, 63, 63, 63, 5);
        assertThat(s.requests().get(4).bios()).hasSize(2);
        assertThat(nents(s, BlockFixtures.swiotlb())).containsExactly(63, 63, 63, 63, 5);
    }

    @Test
    void aSplitOffPieceIsNeverMergedIntoTheRequestBeforeIt_spec6_3_5() {
        // bio 1: 256 pages (4 x 252 KiB + a mergeable 16 KiB remainder); bio 2: 4 KiB, then a gap, then 1 KiB
        long buf = f.ram(1 << 20);
        long b = f.ram(K4);
        long c = f.ram(K4);
        DirectIoSubmission s = f.read(BlockFixtures.swiotlb(), iov(buf, 1 << 20), iov(b, K4), iov(c + 512, 1024));
        assertThat(s.bios()).hasSize(2);
        List<Long> expected = times(4, K252);
        expected.addAll(List.of(16384L, (long) K4, 1024L));
        assertThat(sizes(s)).isEqualTo(expected);
    }
}
