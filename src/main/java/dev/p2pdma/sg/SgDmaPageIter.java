package dev.p2pdma.sg;

import dev.p2pdma.mm.PageSize;

/**
 * Models {@code struct sg_dma_page_iter} over the DMA view (spec 2.7): each mapped entry spans
 * ceil((offset + dma_length) / PAGE_SIZE) pages, as the kernel's sg_dma_page_count() counts them
 * ({@code for_each_sg_dma_page}, {@code for_each_sgtable_dma_page}). Only DMA addresses are
 * available, never pages.
 *
 * <p>Invariant: the accessors answer only after {@link #next()} returned true. Not thread-safe:
 * an iterator belongs to one caller.
 */
public final class SgDmaPageIter {

    /** The walk. */
    private final SgPageCursor cursor;

    private SgDmaPageIter(SgPageCursor cursor) {
        this.cursor = cursor;
    }

    /** Models __sg_page_iter_start() for the DMA view: at most {@code dmaNents} entries, skipping {@code pgOffset} pages. */
    public static SgDmaPageIter start(SgEntry first, int dmaNents, long pgOffset) {
        return new SgDmaPageIter(new SgPageCursor(first, dmaNents, pgOffset, true));
    }

    /** Models for_each_sgtable_dma_page(): the table's nents mapped entries. */
    public static SgDmaPageIter ofTable(SgTable table, long pgOffset) {
        return new SgDmaPageIter(new SgPageCursor(table.first().orElse(null), table.nents(), pgOffset, true));
    }

    /** Models __sg_page_iter_dma_next(): moves to the next DMA page; false when the walk is over. */
    public boolean next() {
        return cursor.advance();
    }

    /** The entry holding the current page. */
    public SgEntry entry() {
        return cursor.entry();
    }

    /** The current page's index inside its entry. */
    public long pageOffsetInEntry() {
        return cursor.pageOffset();
    }

    /** Models sg_page_iter_dma_address(): the entry's DMA address plus the page index times PAGE_SIZE. */
    public long dmaAddress() {
        return cursor.entry().dmaAddress() + (cursor.pageOffset() << PageSize.PAGE_SHIFT);
    }
}
