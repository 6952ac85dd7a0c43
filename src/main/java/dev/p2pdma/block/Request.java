package dev.p2pdma.block;

import java.util.ArrayList;
import java.util.List;

/**
 * Models a block-layer {@code struct request} of the O_DIRECT path: the bios (or split pieces of
 * bios) it carries, each a list of bvecs, and the {@code nr_phys_segments} the block layer counted
 * for it. A bvec of the original bio that a split cut in two appears as the matching slice.
 *
 * <p>Invariants: at least one bio, none empty; {@code bytes} is the sum of the bvec lengths and a
 * multiple of the logical block size; {@code nrPhysSegments >= 1}. Immutable; thread-safe.
 *
 * @param op             READ or WRITE
 * @param sector         first 512-byte sector ({@code blk_rq_pos})
 * @param bytes          payload bytes ({@code blk_rq_bytes})
 * @param bios           the bios' bvecs, one list per bio, in order
 * @param nrPhysSegments segments counted by splitting and merging ({@code rq->nr_phys_segments})
 * @param mergeable      false when the request came from a split-off piece ({@code REQ_NOMERGE})
 */
public record Request(ReqOp op, long sector, long bytes, List<List<Bvec>> bios, int nrPhysSegments, boolean mergeable) {

    /** Checks the invariants. */
    public Request {
        List<List<Bvec>> copy = new ArrayList<>();
        long sum = 0;
        for (List<Bvec> b : bios) {
            if (b.isEmpty()) {
                throw new IllegalArgumentException("a request bio without bvecs");
            }
            copy.add(List.copyOf(b));
            for (Bvec v : b) {
                sum += v.length();
            }
        }
        bios = List.copyOf(copy);
        if (bios.isEmpty() || sum != bytes || nrPhysSegments < 1 || sector < 0) {
            throw new IllegalArgumentException("bad request: " + bios.size() + " bios, " + sum + " != " + bytes + " bytes, " + nrPhysSegments + " segments");
        }
    }

    /** All bvecs of the request, in order ({@code rq_for_each_bvec}). */
    public List<Bvec> bvecs() {
        List<Bvec> out = new ArrayList<>();
        for (List<Bvec> b : bios) {
            out.addAll(b);
        }
        return List.copyOf(out);
    }

    /** The request's first bvec ({@code req_bvec}), which nvme-pci's fast paths look at. */
    public Bvec firstBvec() {
        return bios.get(0).get(0);
    }

    /** The sector after the request. */
    public long endSector() {
        return sector + bytes / QueueLimits.SECTOR_BYTES;
    }

    /** True when any bvec is a P2PDMA page run. */
    public boolean hasP2pdmaPages() {
        for (List<Bvec> b : bios) {
            for (Bvec v : b) {
                if (v.isP2pdma()) {
                    return true;
                }
            }
        }
        return false;
    }
}
