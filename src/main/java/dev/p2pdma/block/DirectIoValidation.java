package dev.p2pdma.block;

import dev.p2pdma.base.Errno;
import java.util.List;
import java.util.Optional;

/**
 * Models blkdev_dio_invalid() of Linux 6.12 (spec 6.3 step 1): the alignment rules an O_DIRECT
 * call on a block device must meet before anything is pinned. Stateless; thread-safe.
 */
public final class DirectIoValidation {

    private DirectIoValidation() {
    }

    /**
     * Models blkdev_dio_invalid(): EINVAL when the file position or the byte count is not a multiple
     * of the logical block size, or an iovec (up to the last byte of the count, zero-length ones
     * included) has a base not aligned to {@code dma_alignment + 1} or a length that is not a
     * multiple of the logical block size. 512-byte alignment of the buffer is not required.
     *
     * @param pos     file position in bytes
     * @param iovecs  the user buffers
     * @param count   bytes to transfer (the iovecs' total, or less after truncation at the device end)
     * @param limits  the queue's limits
     * @return empty when the call may proceed, else EINVAL
     */
    public static Optional<Errno> blkdevDioInvalid(long pos, List<IoVec> iovecs, long count, QueueLimits limits) {
        IovIter it = new IovIter(iovecs);
        it.truncate(count);
        return invalid(pos, it, limits) ? Optional.of(Errno.EINVAL) : Optional.empty();
    }

    static boolean invalid(long pos, IovIter it, QueueLimits limits) {
        long lbsMask = limits.logicalBlockBytes() - 1;
        return ((pos | it.count()) & lbsMask) != 0 || !it.isAligned(limits.dmaAlignment(), lbsMask);
    }
}
