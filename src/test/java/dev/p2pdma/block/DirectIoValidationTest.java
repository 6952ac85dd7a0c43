package dev.p2pdma.block;

import static dev.p2pdma.block.BlockFixtures.DISK_BYTES;
import static dev.p2pdma.block.BlockFixtures.K4;
import static dev.p2pdma.block.BlockFixtures.iov;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Spec 6.3 step 1 and 7.9 vector 12: blkdev_dio_invalid() and the device end. */
class DirectIoValidationTest {

    private final BlockFixtures f = new BlockFixtures();
    private final QueueLimits q = BlockFixtures.direct();

    private DirectIoSubmission read(long pos, IoVec... v) {
        return BlockDirectIo.submit(f.mm, q, DISK_BYTES, ReqOp.READ, pos, List.of(v));
    }

    @Test
    void aFileOffsetNotAMultipleOfTheLogicalBlockIsEinvalWithNothingPinned_spec7_9_12() {
        long buf = f.ram(K4);
        DirectIoSubmission s = read((1 << 20) + 256, iov(buf, K4));
        assertThat(s.error()).contains(Errno.EINVAL);
        assertThat(s.requests()).isEmpty();
        assertThat(f.mm.totalPins()).isZero();
    }

    @Test
    void anIovecLengthNotAMultipleOfTheLogicalBlockIsEinval_spec7_9_12() {
        long buf = f.ram(2 * K4);
        assertThat(read(1 << 20, iov(buf, 1000), iov(buf + K4, 24)).error()).contains(Errno.EINVAL);
        assertThat(f.mm.totalPins()).isZero();
    }

    @Test
    void anIovecBaseNotFourByteAlignedIsEinvalButFourBytesIsEnough_spec7_9_12() {
        long buf = f.ram(2 * K4);
        assertThat(read(1 << 20, iov(buf + 2, 512)).error()).contains(Errno.EINVAL);
        DirectIoSubmission ok = read(1 << 20, iov(buf + 4, 512));
        assertThat(ok.error()).isEmpty();
        assertThat(ok.completeAllOk()).isEqualTo(new IoResult.Transferred(512, 0));
    }

    @Test
    void aZeroLengthIovecBeforeTheLastDataByteIsCheckedButNotOneAfterIt_spec6_3_1() {
        long buf = f.ram(K4);
        assertThat(DirectIoValidation.blkdevDioInvalid(0, List.of(iov(buf + 1, 0), iov(buf, 512)), 512, q)).contains(Errno.EINVAL);
        assertThat(DirectIoValidation.blkdevDioInvalid(0, List.of(iov(buf, 512), iov(buf + 1, 0)), 512, q)).isEqualTo(Optional.empty());
    }

    @Test
    void aReadAtTheDeviceEndReturnsZeroBeforeAnyValidation_spec6_3_1() {
        long buf = f.ram(K4);
        DirectIoSubmission s = read(DISK_BYTES, iov(buf + 1, 100));
        assertThat(s.error()).isEmpty();
        assertThat(s.completeAllOk()).isEqualTo(new IoResult.Transferred(0, 0));
    }

    @Test
    void aReadCrossingTheDeviceEndIsTruncated_spec6_3_1() {
        long buf = f.ram(2 * K4);
        DirectIoSubmission s = read(DISK_BYTES - K4, iov(buf, 2 * K4));
        assertThat(s.count()).isEqualTo(K4);
        assertThat(BlockFixtures.sizes(s)).containsExactly((long) K4);
        assertThat(s.requests().get(0).sector()).isEqualTo((DISK_BYTES - K4) / 512);
    }

    @Test
    void aWriteAtTheDeviceEndIsEnospc() {
        long buf = f.ram(K4);
        assertThat(BlockDirectIo.submit(f.mm, q, DISK_BYTES, ReqOp.WRITE, DISK_BYTES, List.of(iov(buf, K4))).error()).contains(Errno.ENOSPC);
    }
}
