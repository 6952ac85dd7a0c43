package dev.p2pdma.block;

import dev.p2pdma.mm.PageSize;
import java.util.ArrayList;
import java.util.List;

/**
 * Models how Linux 6.12 cuts a READ/WRITE bio to the queue limits on submission (spec 6.3 step 5,
 * 6.4): bio_may_need_split(), bio_split_rw_at() with bvec_split_segs() and get_max_segment_size(),
 * get_max_io_size(), and the loop of __bio_split_to_limits() where each split-off front becomes a
 * request ({@code REQ_NOMERGE}) and the remainder is submitted again.
 *
 * <p>Precondition: {@code virt_boundary_mask < PAGE_SIZE} (it is a device page mask; the model
 * keeps bvec offsets below PAGE_SIZE, which gives the same answers under that condition).
 * Stateless; thread-safe.
 */
public final class BioSplit {

    /**
     * Where bio_split_rw_at() decided to cut.
     *
     * @param split true when the bio must be split
     * @param bytes bytes of the front piece (all the bio's bytes when not split)
     * @param nsegs segments counted for the front piece
     */
    record SplitPoint(boolean split, long bytes, int nsegs) {
    }

    private BioSplit() {
    }

    /**
     * Models __bio_split_to_limits() applied until nothing is left to split: the requests the bio
     * becomes, in the order the kernel issues them (front pieces first, each marked not mergeable;
     * the last piece is the original bio and stays mergeable).
     *
     * @throws IllegalArgumentException when the virt boundary mask is not below PAGE_SIZE
     * @throws IllegalStateException    when a cut rounds down to 0 bytes (cannot happen for bios built
     *                                  by {@link BlockDirectIo}, whose rounds are whole logical blocks)
     */
    public static List<Request> splitToLimits(Bio bio, QueueLimits limits) {
        if (limits.virtBoundaryMask() >= PageSize.PAGE_SIZE) {
            throw new IllegalArgumentException("virt_boundary_mask must be below PAGE_SIZE: " + limits.virtBoundaryMask());
        }
        List<Request> out = new ArrayList<>();
        List<Bvec> rest = bio.bvecs();
        long sector = bio.sector();
        boolean first = true;
        while (true) {
            long total = sum(rest);
            if (first && !mayNeedSplit(rest)) {
                out.add(new Request(bio.op(), sector, total, List.of(rest), 1, true));
                return List.copyOf(out);
            }
            first = false;
            SplitPoint sp = splitAt(rest, sector, limits);
            if (!sp.split()) {
                out.add(new Request(bio.op(), sector, total, List.of(rest), sp.nsegs(), true));
                return List.copyOf(out);
            }
            if (sp.bytes() <= 0) {
                throw new IllegalStateException("split of a bio at sector " + sector + " rounds down to 0 bytes");
            }
            out.add(new Request(bio.op(), sector, sp.bytes(), List.of(take(rest, sp.bytes())), sp.nsegs(), false));
            rest = drop(rest, sp.bytes());
            sector += sp.bytes() / QueueLimits.SECTOR_BYTES;
        }
    }

    /**
     * Models bio_may_need_split() for a READ/WRITE bio without chunk_sectors: false only for a bio of
     * one bvec that does not cross a page, which counts as one segment without further checks.
     * (A re-submitted remainder keeps its original bvec count in the kernel, so only the first
     * submission of a bio can take this shortcut; the full walk gives the same answer.)
     */
    static boolean mayNeedSplit(List<Bvec> bvecs) {
        return bvecs.size() != 1 || bvecs.get(0).offset() + bvecs.get(0).length() > PageSize.PAGE_SIZE;
    }

    /** Models get_max_io_size() without chunk_sectors: sectors a request starting at {@code sector} may carry. */
    static long maxIoSectors(long sector, QueueLimits limits) {
        long pbs = limits.physicalBlockBytes() / QueueLimits.SECTOR_BYTES;
        long lbs = limits.logicalBlockBytes() / QueueLimits.SECTOR_BYTES;
        long start = sector & (pbs - 1);
        long end = (start + limits.maxSectors()) & ~(pbs - 1);
        return end > start ? end - start : limits.maxSectors() & ~(lbs - 1);
    }

    /** Models get_max_segment_size(): the longest segment from {@code phys} within the boundary mask and max_segment_size. */
    static long maxSegmentSize(QueueLimits limits, long phys, long len) {
        long mask = limits.segBoundaryMask();
        long roomAfterFirstByte = mask - (phys & mask);
        return Math.min(Math.min(len - 1, roomAfterFirstByte), limits.maxSegmentBytes() - 1) + 1;
    }

    /** Models the virt-boundary gap test (bvec_gap_to_prev()). */
    static boolean gapToPrev(QueueLimits limits, Bvec prev, int nextOffset) {
        long mask = limits.virtBoundaryMask();
        return mask != 0 && ((nextOffset & mask) != 0 || ((prev.offset() + (long) prev.length()) & mask) != 0);
    }

    /** Models bio_split_rw_at(): see spec 6.4. */
    static SplitPoint splitAt(List<Bvec> bvecs, long sector, QueueLimits limits) {
        long maxBytes = maxIoSectors(sector, limits) * QueueLimits.SECTOR_BYTES;
        long mask = limits.virtBoundaryMask();
        int nsegs = 0;
        long bytes = 0;
        Bvec prev = null;
        for (Bvec bv : bvecs) {
            if (prev != null && gapToPrev(limits, prev, bv.offset())) {
                return cut(bytes, nsegs, limits);
            }
            if (nsegs < limits.maxSegments() && bytes + bv.length() <= maxBytes && bv.offset() + bv.length() <= PageSize.PAGE_SIZE) {
                nsegs++;
                bytes += bv.length();
            } else {
                long len = Math.min(bv.length(), maxBytes - bytes);
                long done = 0;
                while (len > 0 && nsegs < limits.maxSegments()) {
                    long piece = maxSegmentSize(limits, bv.phys() + done, len);
                    nsegs++;
                    done += piece;
                    len -= piece;
                    if (((bv.offset() + done) & mask) != 0) {
                        break;
                    }
                }
                bytes += done;
                if (done < bv.length()) {
                    return cut(bytes, nsegs, limits);
                }
            }
            prev = bv;
        }
        return new SplitPoint(false, bytes, nsegs);
    }

    private static SplitPoint cut(long bytes, int nsegs, QueueLimits limits) {
        long lbs = limits.logicalBlockBytes();
        return new SplitPoint(true, bytes / lbs * lbs, nsegs);
    }

    static long sum(List<Bvec> bvecs) {
        long n = 0;
        for (Bvec b : bvecs) {
            n += b.length();
        }
        return n;
    }

    /** The first {@code bytes} of the bvecs (the split-off front, bio_split()). */
    static List<Bvec> take(List<Bvec> bvecs, long bytes) {
        List<Bvec> out = new ArrayList<>();
        long left = bytes;
        for (Bvec b : bvecs) {
            if (left == 0) {
                break;
            }
            int n = (int) Math.min(b.length(), left);
            out.add(n == b.length() ? b : b.slice(0, n));
            left -= n;
        }
        return out;
    }

    /** The bvecs after the first {@code bytes} (the remainder, advanced past the front). */
    static List<Bvec> drop(List<Bvec> bvecs, long bytes) {
        List<Bvec> out = new ArrayList<>();
        long skip = bytes;
        for (Bvec b : bvecs) {
            if (skip >= b.length()) {
                skip -= b.length();
                continue;
            }
            out.add(skip == 0 ? b : b.slice((int) skip, b.length() - (int) skip));
            skip = 0;
        }
        return out;
    }
}
