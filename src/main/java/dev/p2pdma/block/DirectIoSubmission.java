package dev.p2pdma.block;

import dev.p2pdma.base.Errno;
import java.util.List;
import java.util.Optional;

/**
 * Models the state of one blkdev_direct_IO() call (its {@code struct blkdev_dio}) once everything is
 * submitted (spec 6.3): its bios, the requests they became in issue order, and the outcome known
 * before any request completes.
 *
 * <p>Invariants: {@code directBytes} is the sum of the bios' bytes and of the requests' bytes;
 * {@code directBytes <= count}; when {@code error} is present the call returns it whatever the
 * requests do (a refused call has no bios; the multi-bio path may have issued requests before a
 * later bio got no page). Immutable; thread-safe.
 *
 * @param count       bytes the call asked for after truncation at the device end
 * @param bios        the bios submitted, in order
 * @param requests    the requests made from them, in issue order
 * @param directBytes bytes carried by the bios
 * @param error       the error the call returns regardless of the requests, if any
 */
public record DirectIoSubmission(long count, List<Bio> bios, List<Request> requests, long directBytes, Optional<Errno> error) {

    /** Checks the invariants. */
    public DirectIoSubmission {
        bios = List.copyOf(bios);
        requests = List.copyOf(requests);
        long b = 0;
        for (Bio x : bios) {
            b += x.bytes();
        }
        long r = 0;
        for (Request x : requests) {
            r += x.bytes();
        }
        if (b != directBytes || r != directBytes || directBytes > count) {
            throw new IllegalArgumentException("inconsistent submission: bios " + b + ", requests " + r + ", direct " + directBytes + ", count " + count);
        }
    }

    /** A call that failed before submitting anything. */
    static DirectIoSubmission failed(long count, Errno errno) {
        return new DirectIoSubmission(count, List.of(), List.of(), 0, Optional.of(errno));
    }

    /**
     * Bytes left for the buffered fallback when the direct part completes without error (spec 6.3
     * step 6: blkdev_read_iter() → filemap_read(), blkdev_write_iter() → direct_write_fallback());
     * 0 when the call fails.
     */
    public long fallbackBytes() {
        return error.isPresent() ? 0 : count - directBytes;
    }

    /**
     * Models the end of the call (__blkdev_direct_IO_simple() / __blkdev_direct_IO() and their bio
     * completion): the submission's own error if any; else the errno of the first request that ended
     * with an error status (blk_status_to_errno(), the parent bio's status is its pieces' first
     * error); else the direct bytes, with {@link #fallbackBytes()} still to do through the page cache.
     *
     * @param statuses one final status per request, in issue order
     */
    public IoResult complete(List<BlkStatus> statuses) {
        if (statuses.size() != requests.size()) {
            throw new IllegalArgumentException(statuses.size() + " statuses for " + requests.size() + " requests");
        }
        if (error.isPresent()) {
            return new IoResult.Failed(error.get());
        }
        for (BlkStatus s : statuses) {
            if (s.errno().isPresent()) {
                return new IoResult.Failed(s.errno().get());
            }
        }
        return new IoResult.Transferred(directBytes, fallbackBytes());
    }

    /** {@link #complete(List)} with every request ending OK. */
    public IoResult completeAllOk() {
        return complete(java.util.Collections.nCopies(requests.size(), BlkStatus.OK));
    }
}
