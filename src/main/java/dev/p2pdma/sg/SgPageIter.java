package dev.p2pdma.sg;

import dev.p2pdma.mm.MemMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import java.util.Optional;

/**
 * Models {@code struct sg_page_iter} over the CPU view (spec 2.7): every page each entry spans,
 * ceil((offset + length) / PAGE_SIZE) of them, in list order ({@code for_each_sg_page},
 * {@code for_each_sgtable_page}). Use: {@code while (it.next()) { it.pfn(); }}.
 *
 * <p>Invariant: the accessors answer only after {@link #next()} returned true. Not thread-safe:
 * an iterator belongs to one caller.
 */
public final class SgPageIter {

    /** The walk. */
    private final SgPageCursor cursor;

    private SgPageIter(SgPageCursor cursor) {
        this.cursor = cursor;
    }

    /** Models __sg_page_iter_start(): at most {@code nents} entries from {@code first}, skipping {@code pgOffset} pages. */
    public static SgPageIter start(SgEntry first, int nents, long pgOffset) {
        return new SgPageIter(new SgPageCursor(first, nents, pgOffset, false));
    }

    /** Models for_each_sgtable_page(): the table's orig_nents CPU entries. */
    public static SgPageIter ofTable(SgTable table, long pgOffset) {
        return new SgPageIter(new SgPageCursor(table.first().orElse(null), table.origNents(), pgOffset, false));
    }

    /** Models __sg_page_iter_next(): moves to the next page; false when the walk is over. */
    public boolean next() {
        return cursor.advance();
    }

    /** The entry holding the current page (piter->sg). */
    public SgEntry entry() {
        return cursor.entry();
    }

    /** The current page's index inside its entry (piter->sg_pgoffset). */
    public long pageOffsetInEntry() {
        return cursor.pageOffset();
    }

    /** page_to_pfn(sg_page_iter_page()): the entry's first pfn plus the page index. */
    public long pfn() {
        SgEntry e = cursor.entry();
        Page first = e.pageOrNull();
        if (first == null) {
            throw new IllegalStateException("entry has no page: " + e);
        }
        return first.pfn() + cursor.pageOffset();
    }

    /** The current page's physical address. */
    public long physAddress() {
        return PageSize.phys(pfn());
    }

    /** Models sg_page_iter_page() (nth_page()): the current page as {@code memMap} holds it. */
    public Optional<Page> page(MemMap memMap) {
        return memMap.page(pfn());
    }
}
