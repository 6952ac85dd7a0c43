package dev.p2pdma.block;

import dev.p2pdma.base.Errno;
import java.util.Optional;

/**
 * Models {@code blk_status_t} and blk_status_to_errno() of Linux 6.12 (spec 6.10): the status a
 * driver returns for a request and the errno a caller finally sees. RESOURCE and DEV_RESOURCE are
 * what a driver returns to have the request requeued; they reach user space only if a request is
 * ended with them, which nvme-pci never does.
 */
public enum BlkStatus {
    /** BLK_STS_OK. */
    OK(0, Optional.empty()),
    /** BLK_STS_NOTSUPP. */
    NOTSUPP(1, Optional.of(Errno.EOPNOTSUPP)),
    /** BLK_STS_TIMEOUT. */
    TIMEOUT(2, Optional.of(Errno.ETIMEDOUT)),
    /** BLK_STS_NOSPC. */
    NOSPC(3, Optional.of(Errno.ENOSPC)),
    /** BLK_STS_TRANSPORT. */
    TRANSPORT(4, Optional.of(Errno.ENOLINK)),
    /** BLK_STS_TARGET: the request's target cannot be reached, e.g. a P2P page the client cannot DMA to. */
    TARGET(5, Optional.of(Errno.EREMOTEIO)),
    /** BLK_STS_RESV_CONFLICT. */
    RESV_CONFLICT(6, Optional.of(Errno.EBADE)),
    /** BLK_STS_MEDIUM. */
    MEDIUM(7, Optional.of(Errno.ENODATA)),
    /** BLK_STS_PROTECTION. */
    PROTECTION(8, Optional.of(Errno.EILSEQ)),
    /** BLK_STS_RESOURCE: out of a resource for now; blk-mq requeues the request. */
    RESOURCE(9, Optional.of(Errno.ENOMEM)),
    /** BLK_STS_IOERR. */
    IOERR(10, Optional.of(Errno.EIO)),
    /** BLK_STS_DM_REQUEUE. */
    DM_REQUEUE(11, Optional.of(Errno.EREMCHG)),
    /** BLK_STS_AGAIN. */
    AGAIN(12, Optional.of(Errno.EAGAIN)),
    /** BLK_STS_DEV_RESOURCE: like RESOURCE, but the driver restarts the queue itself. */
    DEV_RESOURCE(13, Optional.of(Errno.EBUSY)),
    /** BLK_STS_ZONE_OPEN_RESOURCE. */
    ZONE_OPEN_RESOURCE(14, Optional.of(Errno.ETOOMANYREFS)),
    /** BLK_STS_ZONE_ACTIVE_RESOURCE. */
    ZONE_ACTIVE_RESOURCE(15, Optional.of(Errno.EOVERFLOW)),
    /** BLK_STS_OFFLINE. */
    OFFLINE(16, Optional.of(Errno.ENODEV)),
    /** BLK_STS_DURATION_LIMIT. */
    DURATION_LIMIT(17, Optional.of(Errno.ETIME)),
    /** BLK_STS_INVAL (value 18 is unused). */
    INVAL(19, Optional.of(Errno.EINVAL));

    /** The kernel's numeric value of the status. */
    private final int value;
    /** What blk_status_to_errno() gives, empty for OK. */
    private final Optional<Errno> errno;

    BlkStatus(int value, Optional<Errno> errno) {
        this.value = value;
        this.errno = errno;
    }

    /** The kernel's numeric value ({@code blk_status_t}). */
    public int value() {
        return value;
    }

    /** Models blk_status_to_errno(): empty for OK. */
    public Optional<Errno> errno() {
        return errno;
    }

    /** Whether blk-mq requeues a request its driver returned this status for (RESOURCE, DEV_RESOURCE). */
    public boolean requeues() {
        return this == RESOURCE || this == DEV_RESOURCE;
    }
}
