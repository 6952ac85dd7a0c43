package dev.p2pdma.block;

/**
 * Models {@code struct iovec}: one user buffer of a readv/writev-style call. Invariants: the
 * length is not negative. Immutable; thread-safe.
 *
 * @param base   user virtual address of the first byte ({@code iov_base})
 * @param length bytes ({@code iov_len})
 */
public record IoVec(long base, long length) {

    /** Checks the invariant. */
    public IoVec {
        if (length < 0) {
            throw new IllegalArgumentException("negative iovec length " + length);
        }
    }
}
