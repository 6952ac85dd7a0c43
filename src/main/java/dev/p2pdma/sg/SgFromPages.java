package dev.p2pdma.sg;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import java.util.Optional;

/**
 * Builds scatterlists from page arrays (spec 2.4): {@code sg_alloc_append_table_from_pages()} and
 * the one-shot {@code sg_alloc_table_from_pages_segment()} / {@code sg_alloc_table_from_pages()}.
 *
 * <p>Rules kept exactly: max_segment is rounded down to a page and must then be at least a page;
 * runs of pages are merged while each page's pfn follows the previous one and both have the same
 * page map ({@link #mergeable}), a run closing once it has reached max_segment; the runs are counted
 * in a first pass and written in a second; entries come from chunks of at most
 * {@link SgTable#SG_MAX_SINGLE_ALLOC} sized by the entries still needed (runs left plus
 * {@code left_pages}); END is marked only when {@code left_pages} is 0. Sizes follow the kernel's
 * unsigned types: {@code size} is an unsigned 64-bit count, entry lengths unsigned 32-bit (so a
 * 0xFFFFF000-byte entry works; see {@link SgEntry}).
 *
 * <p>Where the kernel has no error for an impossible argument (no pages, a negative count or
 * offset, a max_segment beyond 32 bits) it reads out of bounds or truncates; the model returns
 * {@link Errno#EINVAL} and changes nothing. Stateless; thread-safe as long as each table is used
 * by one thread at a time.
 */
public final class SgFromPages {

    /** UINT_MAX: the max_segment {@code sg_alloc_table_from_pages()} passes. */
    public static final long UINT_MAX = 0xFFFFFFFFL;
    /** UINT_MAX rounded down to a page, the largest effective max_segment (SCATTERLIST_MAX_SEGMENT). */
    public static final long SCATTERLIST_MAX_SEGMENT = 0xFFFFF000L;

    private SgFromPages() {
    }

    /**
     * Models pages_are_mergeable(a, b): {@code a} directly follows {@code b} in pfn order and both
     * are RAM or both belong to the same device page map (zone_device_pages_have_same_pgmap()), so
     * P2P pages never merge with RAM or with another provider's pages. Reads fields of both pages.
     */
    public static boolean mergeable(Page a, Page b) {
        return b.pfn() + 1 == a.pfn() && Page.haveSamePagemap(a, b);
    }

    /**
     * Models sg_alloc_append_table_from_pages(sgt_append, pages, n_pages, offset, size, max_segment,
     * left_pages) on {@code pages[0 .. nPages)}.
     *
     * @return empty on success; EINVAL for a max_segment below a page after rounding, a non-zero
     *         offset when appending, or an impossible argument; ENOMEM when a chunk cannot be
     *         allocated (the last entry's length is restored; what was allocated stays in the table
     *         for {@link SgAppendTable#free()})
     */
    public static Optional<Errno> appendFromPages(SgAppendTable table, Page[] pages, int nPages, int offset, long sizeBytes,
            long maxSegmentBytes, int leftPages) {
        return appendFromPages(table, pages, 0, nPages, offset, sizeBytes, maxSegmentBytes, leftPages);
    }

    /**
     * Models sg_alloc_append_table_from_pages() on {@code pages[firstPage .. firstPage + nPages)}
     * (the kernel's caller passes {@code pages + firstPage}).
     *
     * @return as {@link #appendFromPages(SgAppendTable, Page[], int, int, long, long, int)}
     */
    public static Optional<Errno> appendFromPages(SgAppendTable table, Page[] pages, int firstPage, int nPages, int offset,
            long sizeBytes, long maxSegmentBytes, int leftPages) {
        if (maxSegmentBytes < 0 || maxSegmentBytes > UINT_MAX || nPages <= 0 || firstPage < 0 || firstPage > pages.length - nPages
                || offset < 0 || leftPages < 0) {
            return Optional.of(Errno.EINVAL);
        }
        long maxSegment = PageSize.alignDown(maxSegmentBytes);
        if (maxSegment < PageSize.PAGE_SIZE) {
            return Optional.of(Errno.EINVAL);
        }
        int cur = firstPage;
        int end = firstPage + nPages;
        SgEntry prv = table.prvOrNull();
        int prvLength = 0;
        if (prv != null) {
            if (offset != 0) {
                return Optional.of(Errno.EINVAL);
            }
            prvLength = prv.length();
            cur = mergeIntoLast(prv, pages, cur, end, maxSegment);
            if (cur == end) {
                if (leftPages == 0) {
                    prv.markEnd();
                }
                return Optional.empty();
            }
            if (prv.isLast()) {
                // The kernel dereferences sg_next(prv) == NULL here: appending after a call that
                // passed left_pages == 0. The model refuses and leaves the table as it was.
                prv.setLength(prvLength);
                return Optional.of(Errno.EINVAL);
            }
        }
        int chunks = countRuns(pages, cur, end, maxSegment);
        SgTable sgt = table.sgt();
        // the entry being filled, as (chunk, slot): prv to start with, none for a fresh table
        SgChunk chunk = prv == null ? null : prv.chunk();
        int slot = prv == null ? -1 : prv.slot();
        int added = 0;
        long sizeLeft = sizeBytes;
        int entryOffset = offset;
        for (int c = 0; c < chunks; c++) {
            int j = runEnd(pages, cur, end, maxSegment);
            long needed = (long) chunks - c + leftPages;
            // get_next_sg(): the slot after the current one, unless it is its chunk's END slot and
            // more than one entry is still needed; then a new chunk chained from that slot
            SgChunk nextChunk = null;
            int nextSlot = 0;
            if (chunk != null) {
                if ((chunk.linkFlags(slot) & SgEntry.SG_END) != 0 || slot + 1 == chunk.capacity()) {
                    throw new IllegalStateException("scatterlist runs off its chunk without END or CHAIN");
                }
                nextSlot = slot + 1;
                nextChunk = chunk;
                if ((chunk.linkFlags(nextSlot) & SgEntry.SG_CHAIN) != 0) {
                    nextChunk = chunk.chainTargetOf(nextSlot);
                    nextSlot = 0;
                }
            }
            if (nextChunk == null || ((nextChunk.linkFlags(nextSlot) & SgEntry.SG_END) != 0 && needed != 1)) {
                SgChunk made = allocateChunk(sgt, nextChunk, nextSlot, needed);
                if (made == null) {
                    if (prv != null) {
                        prv.setLength(prvLength);
                    }
                    return Optional.of(Errno.ENOMEM);
                }
                nextChunk = made;
                nextSlot = 0;
            }
            chunk = nextChunk;
            slot = nextSlot;
            long chunkBytes = Integer.toUnsignedLong(((j - cur) << PageSize.PAGE_SHIFT) - entryOffset);
            long length = Long.compareUnsigned(sizeLeft, chunkBytes) < 0 ? sizeLeft : chunkBytes;
            chunk.setPage(slot, pages[cur], (int) length, entryOffset);
            added++;
            sizeLeft -= chunkBytes;
            entryOffset = 0;
            cur = j;
            // get_next_sg() while the next slot is a plain entry of this chunk (no END, CHAIN or
            // P2P flag on it, no END on the current one): it returns that slot without allocating
            int capacity = chunk.capacity();
            while (c + 1 < chunks && slot + 1 < capacity && (chunk.linkFlags(slot) & SgEntry.SG_END) == 0
                    && chunk.linkFlags(slot + 1) == 0) {
                c++;
                slot++;
                j = runEnd(pages, cur, end, maxSegment);
                chunkBytes = Integer.toUnsignedLong((j - cur) << PageSize.PAGE_SHIFT);
                length = Long.compareUnsigned(sizeLeft, chunkBytes) < 0 ? sizeLeft : chunkBytes;
                chunk.setPage(slot, pages[cur], (int) length, 0);
                added++;
                sizeLeft -= chunkBytes;
                cur = j;
            }
        }
        int nents = sgt.nents() + added;
        sgt.setCounts(nents, nents);
        SgEntry last = chunk.entry(slot);
        table.setPrv(last);
        if (leftPages == 0) {
            last.markEnd();
        }
        return Optional.empty();
    }

    /**
     * Models sg_alloc_table_from_pages_segment(): the append builder with left_pages 0 on a fresh
     * append table over {@code sgt}, freed again on error; on success {@code sgt} is a plain table
     * (total_nents, equal to orig_nents, is not kept).
     *
     * @return empty on success, or the builder's error with nothing left allocated
     * @throws IllegalStateException when {@code sgt} is already allocated
     */
    public static Optional<Errno> allocTableFromPagesSegment(SgTable sgt, Page[] pages, int nPages, int offset, long sizeBytes,
            long maxSegmentBytes) {
        SgAppendTable append = SgAppendTable.over(sgt);
        Optional<Errno> error = appendFromPages(append, pages, 0, nPages, offset, sizeBytes, maxSegmentBytes, 0);
        if (error.isPresent()) {
            append.free();
            return error;
        }
        if (sgt.totalNents() != sgt.origNents()) {
            throw new IllegalStateException("total_nents " + sgt.totalNents() + " != orig_nents " + sgt.origNents());
        }
        sgt.setTotalNents(0);
        return Optional.empty();
    }

    /** Models sg_alloc_table_from_pages(): {@link #allocTableFromPagesSegment} with max_segment = UINT_MAX. */
    public static Optional<Errno> allocTableFromPages(SgTable sgt, Page[] pages, int nPages, int offset, long sizeBytes) {
        return allocTableFromPagesSegment(sgt, pages, nPages, offset, sizeBytes, UINT_MAX);
    }

    /**
     * Grows {@code prv} page by page while {@code pages[cur..]} continue it and it stays within
     * {@code maxSegment}. The page before the first appended one is the kernel's
     * pfn_to_page(next_pfn - 1): a page of prv's own run, so prv's page stands in for its page map
     * (the same map, as runs never mix maps). Returns the index of the first page not merged.
     */
    private static int mergeIntoLast(SgEntry prv, Page[] pages, int cur, int end, long maxSegment) {
        Page prvPage = prv.pageOrNull();
        if (prvPage == null) {
            throw new IllegalStateException("append table's last entry has no page");
        }
        long nextPfn = (prvPage.physAddress() + Integer.toUnsignedLong(prv.offset()) + prv.lengthBytes()) >>> PageSize.PAGE_SHIFT;
        if (pages[cur].pfn() != nextPfn) {
            return cur;
        }
        Page last = prvPage;
        long lastPfn = nextPfn - 1;
        while (cur < end) {
            Page p = pages[cur];
            if (p.pfn() != lastPfn + 1 || !Page.haveSamePagemap(p, last)) {
                break;
            }
            if (prv.lengthBytes() + PageSize.PAGE_SIZE > maxSegment) {
                break;
            }
            prv.setLength(prv.length() + PageSize.PAGE_SIZE);
            last = p;
            lastPfn = p.pfn();
            cur++;
        }
        return cur;
    }

    /** The count pass: runs in {@code pages[cur..end)}, a run closing when not mergeable or once it reaches maxSegment. */
    private static int countRuns(Page[] pages, int cur, int end, long maxSegment) {
        int chunks = 1;
        long segBytes = 0;
        Page prev = pages[cur];
        for (int i = cur + 1; i < end; i++) {
            Page p = pages[i];
            segBytes += PageSize.PAGE_SIZE;
            if (segBytes >= maxSegment || !mergeable(p, prev)) {
                chunks++;
                segBytes = 0;
            }
            prev = p;
        }
        return chunks;
    }

    /** The fill pass's scan: the index just past the run that starts at {@code cur}. */
    private static int runEnd(Page[] pages, int cur, int end, long maxSegment) {
        long segBytes = 0;
        Page prev = pages[cur];
        int j = cur + 1;
        for (; j < end; j++) {
            Page p = pages[j];
            segBytes += PageSize.PAGE_SIZE;
            if (segBytes >= maxSegment || !mergeable(p, prev)) {
                break;
            }
            prev = p;
        }
        return j;
    }

    /**
     * The allocating half of get_next_sg(): a new chunk of min(needed, 128) entries, chained from
     * {@code endChunk}'s END slot {@code endSlot} (total_nents grows by its size less the link) or,
     * when {@code endChunk} is null, installed as the first chunk (total_nents = its size).
     *
     * @return the new chunk, or null when it cannot be allocated
     */
    private static SgChunk allocateChunk(SgTable sgt, SgChunk endChunk, int endSlot, long needed) {
        int alloc = (int) Math.min(needed, SgTable.SG_MAX_SINGLE_ALLOC);
        Optional<SgChunk> made = sgt.allocator().allocate(alloc);
        if (made.isEmpty()) {
            return null;
        }
        SgChunk chunk = made.get();
        if (endChunk != null) {
            sgt.setTotalNents(sgt.totalNents() + alloc - 1);
            endChunk.becomeLinkTo(endSlot, chunk);
        } else {
            sgt.setFirstChunk(chunk);
            sgt.setTotalNents(alloc);
        }
        return chunk;
    }
}
