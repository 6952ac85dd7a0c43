package dev.p2pdma.sg;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import java.util.Optional;

/**
 * Models {@code struct sg_append_table} (spec 2.3): a table that grows call by call with
 * {@link #appendFromPages}, the last populated entry {@code prv}, and {@code total_nents}, the
 * entries allocated without the chain links (kept in the table, which frees by it).
 *
 * <p>Invariants: {@code prv} is empty until a call succeeds and is then an entry of the table;
 * {@code nents == orig_nents <= total_nents} after every successful call (equal when every call
 * gave {@code left_pages} exactly or all were 0). After an error the table still holds what was
 * allocated and must be released with {@link #free()}. Not thread-safe: one owner at a time.
 */
public final class SgAppendTable {

    /** The table being built (sgt). */
    private final SgTable sgt;
    /** The last populated entry (prv), null before the first successful call. */
    private SgEntry prv;

    /** An empty append table whose chunks come from {@code allocator}. */
    public SgAppendTable(ChunkAllocator allocator) {
        this(new SgTable(allocator));
    }

    /** An empty append table with an allocator that never fails. */
    public SgAppendTable() {
        this(ChunkAllocator.unlimited());
    }

    private SgAppendTable(SgTable sgt) {
        if (sgt.first().isPresent()) {
            throw new IllegalStateException("an append table starts from an unallocated table");
        }
        this.sgt = sgt;
    }

    /** An append table that builds into {@code sgt}, which must be unallocated (for the one-shot builders). */
    static SgAppendTable over(SgTable sgt) {
        return new SgAppendTable(sgt);
    }

    /** The table (sgt). */
    public SgTable sgt() {
        return sgt;
    }

    /** The last populated entry (prv), empty before the first successful call. */
    public Optional<SgEntry> prv() {
        return Optional.ofNullable(prv);
    }

    /** prv without the Optional, for the builder. */
    SgEntry prvOrNull() {
        return prv;
    }

    /** Records the last populated entry (builder). */
    void setPrv(SgEntry e) {
        this.prv = e;
    }

    /** total_nents: entries allocated, chain links not counted. */
    public int totalNents() {
        return sgt.totalNents();
    }

    /**
     * Models sg_alloc_append_table_from_pages(); see
     * {@link SgFromPages#appendFromPages(SgAppendTable, Page[], int, int, long, long, int)}.
     */
    public Optional<Errno> appendFromPages(Page[] pages, int nPages, int offset, long sizeBytes, long maxSegmentBytes, int leftPages) {
        return SgFromPages.appendFromPages(this, pages, nPages, offset, sizeBytes, maxSegmentBytes, leftPages);
    }

    /** Models sg_free_append_table(): frees every chunk by the total_nents geometry; the table is empty again. */
    public void free() {
        sgt.free();
        prv = null;
    }
}
