package dev.p2pdma.base;

/**
 * Linux error numbers the model returns as values (spec 0.2). A kernel function that returns
 * {@code -EINVAL} returns {@code Errno.EINVAL} here, wrapped in its result type.
 */
public enum Errno {
    /** I/O error. */
    EIO(5),
    /** No such device or address. */
    ENXIO(6),
    /** Try again (the call would block). */
    EAGAIN(11),
    /** Out of memory. */
    ENOMEM(12),
    /** Bad address. */
    EFAULT(14),
    /** Device or resource busy. */
    EBUSY(16),
    /** No such device. */
    ENODEV(19),
    /** Invalid argument. */
    EINVAL(22),
    /** No space left on device. */
    ENOSPC(28),
    /** Result out of range. */
    ERANGE(34),
    /** Invalid exchange (a reservation conflict, BLK_STS_RESV_CONFLICT). */
    EBADE(52),
    /** No data available (a medium error, BLK_STS_MEDIUM). */
    ENODATA(61),
    /** Timer expired (BLK_STS_DURATION_LIMIT). */
    ETIME(62),
    /** Link has been severed (BLK_STS_TRANSPORT). */
    ENOLINK(67),
    /** Value too large for defined data type (BLK_STS_ZONE_ACTIVE_RESOURCE). */
    EOVERFLOW(75),
    /** Remote address changed (BLK_STS_DM_REQUEUE). */
    EREMCHG(78),
    /** Illegal byte sequence (a protection error, BLK_STS_PROTECTION). */
    EILSEQ(84),
    /** Operation not supported. */
    EOPNOTSUPP(95),
    /** Too many references (BLK_STS_ZONE_OPEN_RESOURCE). */
    ETOOMANYREFS(109),
    /** Connection timed out (BLK_STS_TIMEOUT). */
    ETIMEDOUT(110),
    /** Remote I/O error: the device cannot reach the P2PDMA memory. */
    EREMOTEIO(121);

    /** The positive errno value. */
    private final int value;

    Errno(int value) {
        this.value = value;
    }

    /** The positive errno value, e.g. 121 for EREMOTEIO. */
    public int value() {
        return value;
    }

    /** The value the kernel returns: {@code -value}. */
    public int negative() {
        return -value;
    }
}
