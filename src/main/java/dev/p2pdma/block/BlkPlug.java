package dev.p2pdma.block;

import java.util.ArrayList;
import java.util.List;

/**
 * Models the requests of one {@code struct blk_plug} on the O_DIRECT path of Linux 6.12 (spec 6.4
 * last bullets): each submitted piece either back-merges into the most recently plugged request
 * (blk_attempt_plug_merge() → bio_attempt_back_merge() with ll_back_merge_fn() and bio_will_gap())
 * or becomes a new request. The plug is flushed when it already holds
 * {@link #BLK_MAX_REQUEST_COUNT} requests; a flushed request can no longer be merged into.
 * (Merges in the I/O scheduler are not modelled: a synchronous O_DIRECT call's requests are all
 * issued from its plug.)
 *
 * <p>Invariants: {@link #requests()} is in issue order. Not thread-safe: a plug belongs to one task.
 */
public final class BlkPlug {

    /** BLK_MAX_REQUEST_COUNT: requests a plug holds before it is flushed (one hardware queue). */
    public static final int BLK_MAX_REQUEST_COUNT = 32;

    /** Every request made so far, in issue order. */
    private final List<Request> requests = new ArrayList<>();
    /** How many of the last requests are still in the plug (merge candidates). */
    private int plugged;
    /** The queue's limits. */
    private final QueueLimits limits;

    /** An empty plug for a queue with these limits. */
    public BlkPlug(QueueLimits limits) {
        this.limits = limits;
    }

    /** Models blk_mq_submit_bio() of one piece (a one-bio request from {@link BioSplit}) under this plug. */
    public void submit(Request piece) {
        if (plugged > 0) {
            Request last = requests.get(requests.size() - 1);
            Request merged = backMerge(last, piece, limits);
            if (merged != last) {
                requests.set(requests.size() - 1, merged);
                return;
            }
        }
        if (plugged >= BLK_MAX_REQUEST_COUNT) {
            plugged = 0;
        }
        requests.add(piece);
        plugged++;
    }

    /** The requests, in issue order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /**
     * Models bio_attempt_back_merge() of {@code piece} into {@code rq}: allowed when both are mergeable,
     * of the same op, {@code piece} starts where {@code rq} ends, no virt-boundary gap would form
     * (bio_will_gap(): refused when the request's first bvec has an offset inside the boundary, or
     * when the touching bvecs leave a gap and are not physically mergeable), the bytes stay within
     * max_sectors and the segments, added without credit, within max_segments.
     *
     * @return the merged request, or {@code rq} itself when the merge is refused
     */
    static Request backMerge(Request rq, Request piece, QueueLimits limits) {
        if (!rq.mergeable() || !piece.mergeable() || rq.op() != piece.op() || rq.endSector() != piece.sector()) {
            return rq;
        }
        long mask = limits.virtBoundaryMask();
        if (mask != 0) {
            if ((rq.firstBvec().offset() & mask) != 0) {
                return rq;
            }
            List<Bvec> lastBio = rq.bios().get(rq.bios().size() - 1);
            Bvec pb = lastBio.get(lastBio.size() - 1);
            Bvec nb = piece.firstBvec();
            if (!BlkRqMapSg.physMergeable(limits, pb, nb) && BioSplit.gapToPrev(limits, pb, nb.offset())) {
                return rq;
            }
        }
        if (rq.bytes() + piece.bytes() > limits.maxBytes() || rq.nrPhysSegments() + piece.nrPhysSegments() > limits.maxSegments()) {
            return rq;
        }
        List<List<Bvec>> bios = new ArrayList<>(rq.bios());
        bios.addAll(piece.bios());
        return new Request(rq.op(), rq.sector(), rq.bytes() + piece.bytes(), bios, rq.nrPhysSegments() + piece.nrPhysSegments(), true);
    }
}
