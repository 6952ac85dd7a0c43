package dev.p2pdma.sg;

/**
 * The walk shared by {@link SgPageIter} and {@link SgDmaPageIter} (spec 2.7): the current entry, the
 * page index inside it, and the entries still allowed. Entries are counted in pages by their CPU
 * span (sg_page_count()) or by their DMA span (sg_dma_page_count(): the entry's offset plus its DMA
 * length), so an entry of length 0 is stepped over.
 *
 * <p>Invariant: after {@link #advance()} returned true, {@code pgOffset} is below the current
 * entry's page count. Not thread-safe: an iterator belongs to one caller.
 */
final class SgPageCursor {

    /** Count pages by dma_length instead of length. */
    private final boolean dmaView;
    /** The entry holding the current page (piter->sg), null when the walk is over. */
    private SgEntry sg;
    /** The page index inside {@link #sg} (sg_pgoffset). */
    private long pgOffset;
    /** Pages to step before the next page (__pg_advance): 0 before the first call, then 1. */
    private int pgAdvance;
    /** Entries the walk may still visit (__nents). */
    private int nentsLeft;
    /** Whether the last {@link #advance()} returned true. */
    private boolean valid;

    /** Models __sg_page_iter_start(). */
    SgPageCursor(SgEntry first, int nents, long pgOffset, boolean dmaView) {
        if (nents < 0 || pgOffset < 0) {
            throw new IllegalArgumentException("nents and pgoffset must not be negative: " + nents + ", " + pgOffset);
        }
        this.sg = first;
        this.nentsLeft = nents;
        this.pgOffset = pgOffset;
        this.dmaView = dmaView;
    }

    /** Models __sg_page_iter_next() / __sg_page_iter_dma_next(). */
    boolean advance() {
        valid = false;
        if (nentsLeft == 0 || sg == null) {
            return false;
        }
        pgOffset += pgAdvance;
        pgAdvance = 1;
        while (pgOffset >= pages(sg)) {
            pgOffset -= pages(sg);
            sg = sg.nextOrNull();
            if (--nentsLeft == 0 || sg == null) {
                return false;
            }
        }
        valid = true;
        return true;
    }

    /** The entry holding the current page. */
    SgEntry entry() {
        if (!valid) {
            throw new IllegalStateException("no current page: call next() first and only while it returns true");
        }
        return sg;
    }

    /** The current page's index inside its entry. */
    long pageOffset() {
        entry();
        return pgOffset;
    }

    private int pages(SgEntry e) {
        return dmaView ? e.dmaPageCount() : e.pageCount();
    }
}
