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
    /** Result out of range. */
    ERANGE(34),
    /** Operation not supported. */
    EOPNOTSUPP(95),
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
