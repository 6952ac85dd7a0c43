package dev.p2pdma.block;

import dev.p2pdma.mm.PageSize;
import java.util.List;
import java.util.Optional;

/**
 * Models an {@code ITER_IOVEC} {@code struct iov_iter}: a position in an iovec array and the bytes
 * still to transfer ({@code count}, which {@link #truncate(long)} may shorten below what the
 * iovecs hold).
 *
 * <p>Invariants: {@code 0 <= consumed <= limit <= total of the iovec lengths}; the count is
 * {@code limit - consumed}. Not thread-safe: one system call owns it.
 */
final class IovIter {

    /**
     * A piece of the current iovec. Immutable.
     *
     * @param base   user address of its first byte
     * @param length bytes of it left to transfer
     */
    record Segment(long base, long length) {
    }

    /** The iovecs. */
    private final List<IoVec> iovecs;
    /** Bytes consumed from the start of the array. */
    private long consumed;
    /** Bytes of the array that belong to the iteration (the end after truncation). */
    private long limit;

    IovIter(List<IoVec> iovecs) {
        this.iovecs = List.copyOf(iovecs);
        long t = 0;
        for (IoVec v : iovecs) {
            t = Math.addExact(t, v.length());
        }
        this.limit = t;
    }

    /** iov_iter_count(). */
    long count() {
        return limit - consumed;
    }

    /** iov_iter_truncate(): at most {@code n} bytes remain. */
    void truncate(long n) {
        if (n < count()) {
            limit = consumed + n;
        }
    }

    /** iov_iter_advance(). */
    void advance(long n) {
        if (n < 0 || n > count()) {
            throw new IllegalArgumentException("advance " + n + " of " + count());
        }
        consumed += n;
    }

    /** iov_iter_revert(). */
    void revert(long n) {
        if (n < 0 || n > consumed) {
            throw new IllegalArgumentException("revert " + n + " of " + consumed);
        }
        consumed -= n;
    }

    /**
     * Models first_iovec_segment(): the rest of the current iovec (empty ones skipped), limited to
     * the count and to {@code maxBytes}; empty when no bytes remain.
     */
    Optional<Segment> firstSegment(long maxBytes) {
        if (count() == 0) {
            return Optional.empty();
        }
        long at = 0;
        for (IoVec v : iovecs) {
            if (consumed < at + v.length()) {
                long skip = consumed - at;
                long len = Math.min(Math.min(v.length() - skip, count()), maxBytes);
                return Optional.of(new Segment(v.base() + skip, len));
            }
            at += v.length();
        }
        return Optional.empty();
    }

    /** Models iov_iter_npages(): pages the remaining bytes span, counted per iovec, at most {@code maxPages}. */
    int npages(int maxPages) {
        long left = count();
        long at = 0;
        long pages = 0;
        for (IoVec v : iovecs) {
            long end = at + v.length();
            if (left > 0 && consumed < end) {
                long skip = Math.max(0, consumed - at);
                long len = Math.min(v.length() - skip, left);
                long start = v.base() + skip;
                if (len == 0) {
                    at = end;
                    continue;
                }
                pages += ((start & PageSize.PAGE_MASK) + len + PageSize.PAGE_MASK) >>> PageSize.PAGE_SHIFT;
                if (pages >= maxPages) {
                    return maxPages;
                }
                left -= len;
            }
            at = end;
        }
        return (int) pages;
    }

    /**
     * Models iov_iter_is_aligned(iter, addrMask, lenMask) for an iovec iterator that has not moved
     * yet: every segment up to the last byte of the count (zero-length ones before it included) has
     * its start aligned to {@code addrMask + 1} and its length (as far as the count reaches) a
     * multiple of {@code lenMask + 1}.
     */
    boolean isAligned(long addrMask, long lenMask) {
        if (consumed != 0) {
            throw new IllegalStateException("alignment is checked before the iterator moves");
        }
        long left = count();
        for (IoVec v : iovecs) {
            if (left == 0) {
                break;
            }
            long len = Math.min(v.length(), left);
            if ((len & lenMask) != 0 || (v.base() & addrMask) != 0) {
                return false;
            }
            left -= len;
        }
        return true;
    }
}
