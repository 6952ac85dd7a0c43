package dev.p2pdma.block;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Models blk_rq_map_sg() of Linux 6.12 (spec 6.5): a request's bvecs to scatterlist entries.
 * Stateless; thread-safe.
 */
public final class BlkRqMapSg {

    /**
     * One scatterlist entry before it is written into a table. Immutable; thread-safe.
     *
     * @param page   the entry's page (advanced so that the offset is below PAGE_SIZE)
     * @param offset byte offset into the page
     * @param length bytes
     */
    public record SgPiece(Page page, int offset, long length) {
    }

    private BlkRqMapSg() {
    }

    /**
     * Models blk_rq_map_sg() into a freshly allocated table: the entries of {@link #pieces}, the last
     * one marked END. The table's {@code orig_nents} (and {@code nents}, until the table is DMA
     * mapped) is the count the kernel returns.
     *
     * @return the table, or ENOMEM when the table's chunks cannot be allocated
     */
    public static MapSgResult mapSg(Request rq, QueueLimits limits, SgTable into) {
        List<SgPiece> pieces = pieces(rq, limits);
        Optional<Errno> e = into.alloc(pieces.size());
        if (e.isPresent()) {
            return new MapSgResult(into, 0, e);
        }
        List<SgEntry> entries = into.entries(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            SgPiece p = pieces.get(i);
            entries.get(i).setPage(p.page(), (int) p.length(), p.offset());
        }
        return new MapSgResult(into, pieces.size(), Optional.empty());
    }

    /**
     * The result of {@link #mapSg}. The table is the caller's (not thread-safe, like every sg_table).
     *
     * @param table the table (empty when allocation failed)
     * @param nents the entries written (blk_rq_map_sg()'s return value; 0 on failure)
     * @param error ENOMEM when the table could not be allocated
     */
    public record MapSgResult(SgTable table, int nents, Optional<Errno> error) {
    }

    /**
     * The entries blk_rq_map_sg() makes, in order: per bio and bvec, the first bvec of a bio that is
     * not the request's first may extend the previous entry (physically mergeable with the previous
     * bvec and within max_segment_size); otherwise a bvec inside one page is one entry and a bvec
     * crossing pages gives entries of get_max_segment_size() each, the page pointer advanced so
     * every offset is below PAGE_SIZE (entries are not cut at page boundaries).
     */
    public static List<SgPiece> pieces(Request rq, QueueLimits limits) {
        List<SgPiece> out = new ArrayList<>();
        Bvec prevBioLast = null;
        for (List<Bvec> bio : rq.bios()) {
            boolean newBio = prevBioLast != null;
            for (Bvec bv : bio) {
                if (newBio && !out.isEmpty()) {
                    SgPiece last = out.get(out.size() - 1);
                    if (last.length() + bv.length() <= limits.maxSegmentBytes() && physMergeable(limits, prevBioLast, bv)) {
                        out.set(out.size() - 1, new SgPiece(last.page(), last.offset(), last.length() + bv.length()));
                        newBio = false;
                        continue;
                    }
                }
                newBio = false;
                if (bv.offset() + bv.length() <= PageSize.PAGE_SIZE) {
                    out.add(new SgPiece(bv.page(), bv.offset(), bv.length()));
                } else {
                    long done = 0;
                    while (done < bv.length()) {
                        long len = BioSplit.maxSegmentSize(limits, bv.phys() + done, bv.length() - done);
                        long at = bv.offset() + done;
                        out.add(new SgPiece(bv.pages().get((int) (at >>> PageSize.PAGE_SHIFT)), (int) (at & PageSize.PAGE_MASK), len));
                        done += len;
                    }
                }
            }
            prevBioLast = bio.get(bio.size() - 1);
        }
        return List.copyOf(out);
    }

    /**
     * Models biovec_phys_mergeable(): {@code b} starts where {@code a} ends physically, both have the
     * same page map, and the merged range lies in one seg_boundary_mask window.
     */
    static boolean physMergeable(QueueLimits limits, Bvec a, Bvec b) {
        if (a.physEnd() != b.phys() || !Page.haveSamePagemap(a.page(), b.page())) {
            return false;
        }
        long mask = limits.segBoundaryMask();
        return (a.phys() | mask) == ((b.physEnd() - 1) | mask);
    }
}
