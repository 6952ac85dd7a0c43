package dev.p2pdma.block;

import static dev.p2pdma.block.BlockFixtures.K4;
import static dev.p2pdma.block.BlockFixtures.iov;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 6.3 steps 2–4 and 6, 7.9 vector 21: building bios from user pages. */
class BioBuildingTest {

    private static final long FIXED = 0x5000_0000_0000L;
    private final BlockFixtures f = new BlockFixtures();

    private static List<Integer> bvecLengths(Bio b) {
        return b.bvecs().stream().map(Bvec::length).toList();
    }

    @Test
    void everyDescendingRamPageIsItsOwnBvec_spec6_3_4() {
        long buf = f.ram(4 * K4);
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(buf, 4 * K4));
        assertThat(s.bios()).hasSize(1);
        assertThat(bvecLengths(s.bios().get(0))).containsExactly(K4, K4, K4, K4);
    }

    @Test
    void aP2pmemIovecIsOneMultiPageBvec_spec6_3_4() {
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(f.p2pStart, 64 << 10));
        Bio bio = s.bios().get(0);
        assertThat(bvecLengths(bio)).containsExactly(64 << 10);
        assertThat(bio.bvecs().get(0).pages()).hasSize(16);
        assertThat(bio.maxVecs()).as("room for the pages spanned").isEqualTo(16);
        assertThat(bio.pinned()).hasSize(16);
    }

    @Test
    void twoAdjacentP2pmemIovecsMergeIntoOneBvec_spec6_3_4() {
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(f.p2pStart, 8192), iov(f.p2pStart + 8192, 8192));
        assertThat(bvecLengths(s.bios().get(0))).containsExactly(16384);
    }

    @Test
    void twoIovecsInOnePageMergeAndTheExtraPinIsDropped_spec6_3_4() {
        long buf = f.ram(K4);
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(buf, 1024), iov(buf + 1024, 1024));
        assertThat(bvecLengths(s.bios().get(0))).containsExactly(2048);
        assertThat(f.mm.pinCount(f.mm.pageAt(buf).orElseThrow())).isEqualTo(1);
        BlockDirectIo.release(f.mm, s);
        assertThat(f.mm.totalPins()).isZero();
    }

    @Test
    void ramAndP2pIovecsShareOneBioWhenTheQueueAllowsP2pdma_spec6_3_4() {
        long a = f.ram(16384);
        long b = f.ram(8192);
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(a, 16384), iov(f.p2pStart + (128 << 10), 16384), iov(b, 8192));
        assertThat(s.bios()).hasSize(1);
        assertThat(bvecLengths(s.bios().get(0))).containsExactly(K4, K4, K4, K4, 16384, K4, K4);
        assertThat(s.bios().get(0).bvecs().get(4).isP2pdma()).isTrue();
    }

    @Test
    void withoutP2pdmaAP2pOnlyReadIsEremoteioWithNoRequest_spec7_9_21() {
        DirectIoSubmission s = f.read(BlockFixtures.nvme(512, 128, false), iov(f.p2pStart, 64 << 10));
        assertThat(s.error()).contains(Errno.EREMOTEIO);
        assertThat(s.requests()).isEmpty();
        assertThat(s.completeAllOk()).isEqualTo(new IoResult.Failed(Errno.EREMOTEIO));
        assertThat(f.mm.totalPins()).isZero();
    }

    @Test
    void withoutP2pdmaRamThenP2pGivesAShortDirectPartAndTheRestBuffered_spec7_9_21() {
        long a = f.ram(16384);
        DirectIoSubmission s = f.read(BlockFixtures.nvme(512, 128, false), iov(a, 16384), iov(f.p2pStart, 16384));
        assertThat(s.error()).isEmpty();
        assertThat(BlockFixtures.sizes(s)).containsExactly(16384L);
        assertThat(s.completeAllOk()).isEqualTo(new IoResult.Transferred(16384, 16384));
    }

    @Test
    void aRoundIsCutToWholeLogicalBlocksAndTheRestGoesBack_spec6_3_3() {
        assertThat(f.mm.mapAnonymousFixed(FIXED, K4)).isInstanceOf(UserAddressSpace.Mapped.class);
        assertThat(f.mm.mapP2pmemFixed(FIXED + K4, f.p2pmem)).isInstanceOf(UserAddressSpace.Mapped.class);
        // 3068 bytes of RAM before the P2P page: 2560 go direct, 1536 to the buffered fallback
        DirectIoSubmission s = f.read(BlockFixtures.nvme(512, 128, false), iov(FIXED + 1028, K4));
        assertThat(s.directBytes()).isEqualTo(2560);
        assertThat(s.fallbackBytes()).isEqualTo(1536);
    }

    @Test
    void aRoundLeftWithNoWholeBlockIsEfault_spec6_3_3() {
        assertThat(f.mm.mapAnonymousFixed(FIXED, K4)).isInstanceOf(UserAddressSpace.Mapped.class);
        assertThat(f.mm.mapP2pmemFixed(FIXED + K4, f.p2pmem)).isInstanceOf(UserAddressSpace.Mapped.class);
        DirectIoSubmission s = f.read(BlockFixtures.nvme(512, 128, false), iov(FIXED + K4 - 256, 512));
        assertThat(s.error()).contains(Errno.EFAULT);
        assertThat(f.mm.totalPins()).isZero();
    }

    @Test
    void moreThan256PagesUseSeveralBiosOfAtMost256Bvecs_spec6_3_2() {
        long a = f.ram((1 << 20) + K4);
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(a, (1 << 20) + K4));
        assertThat(s.bios()).extracting(b -> b.bvecs().size()).containsExactly(256, 1);
        assertThat(s.bios().get(1).sector()).isEqualTo(((1 << 20) + (1 << 20)) / 512);
        assertThat(s.completeAllOk()).isEqualTo(new IoResult.Transferred((1 << 20) + K4, 0));
    }

    @Test
    void inTheMultiBioLoopALaterBioWithNoPageFailsTheWholeCall_spec6_3_6() {
        long a = f.ram(1 << 20);
        DirectIoSubmission s = f.read(BlockFixtures.nvme(512, 128, false), iov(a, 1 << 20), iov(f.p2pStart, 16384));
        assertThat(s.error()).contains(Errno.EREMOTEIO);
        assertThat(BlockFixtures.sizes(s)).as("the first bio was issued").containsExactly(512L << 10, 512L << 10);
        assertThat(s.completeAllOk()).isEqualTo(new IoResult.Failed(Errno.EREMOTEIO));
    }

    @Test
    void aFailedRequestMakesTheCallReturnItsErrno_spec6_3_6() {
        DirectIoSubmission s = f.read(BlockFixtures.iommu(), iov(f.p2pStart, 1 << 20));
        List<BlkStatus> st = new java.util.ArrayList<>(java.util.Collections.nCopies(s.requests().size(), BlkStatus.OK));
        st.set(3, BlkStatus.TARGET);
        assertThat(s.complete(st)).isEqualTo(new IoResult.Failed(Errno.EREMOTEIO));
    }
}
