package dev.p2pdma.block;

import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import java.util.List;

/**
 * Models a multi-page {@code struct bio_vec}: {@code length} bytes starting {@code offset} bytes
 * into the first of {@code pages}, running on through the following pages. The bvec keeps every
 * page it spans so that later steps can advance the page pointer (spec 6.5).
 *
 * <p>Invariants: {@code 0 <= offset < PAGE_SIZE}; {@code length > 0}; {@code pages} holds exactly
 * the pages the bytes span, with consecutive pfns and one page map (so the range is physically
 * contiguous; on x86's linear vmemmap their struct pages are consecutive too). Immutable; thread-safe.
 *
 * @param pages  the pages spanned, first to last
 * @param offset byte offset into the first page ({@code bv_offset})
 * @param length bytes ({@code bv_len})
 */
public record Bvec(List<Page> pages, int offset, int length) {

    /** Checks the invariants. */
    public Bvec {
        pages = List.copyOf(pages);
        if (offset < 0 || offset >= PageSize.PAGE_SIZE || length <= 0) {
            throw new IllegalArgumentException("bad bvec offset " + offset + " length " + length);
        }
        long span = ((long) offset + length + PageSize.PAGE_MASK) >>> PageSize.PAGE_SHIFT;
        if (pages.size() != span) {
            throw new IllegalArgumentException("a bvec of " + length + " bytes at offset " + offset + " spans " + span + " pages, not " + pages.size());
        }
        for (int i = 1; i < pages.size(); i++) {
            if (pages.get(i).pfn() != pages.get(0).pfn() + i || !Page.haveSamePagemap(pages.get(0), pages.get(i))) {
                throw new IllegalArgumentException("bvec pages are not contiguous: " + pages.get(i - 1) + ", " + pages.get(i));
            }
        }
    }

    /** A bvec inside one page. */
    public static Bvec of(Page page, int offset, int length) {
        return new Bvec(List.of(page), offset, length);
    }

    /** The first page ({@code bv_page}). */
    public Page page() {
        return pages.get(0);
    }

    /** Models bvec_phys(): the physical address of the first byte. */
    public long phys() {
        return page().physAddress() + offset;
    }

    /** The physical address one past the last byte. */
    public long physEnd() {
        return phys() + length;
    }

    /** True when the bvec is a P2PDMA page run. */
    public boolean isP2pdma() {
        return page().isP2pdma();
    }

    /**
     * The bytes {@code [from, from + len)} of this bvec as a bvec of their own, its first page the one
     * holding byte {@code from} (offset kept below PAGE_SIZE).
     */
    public Bvec slice(int from, int len) {
        if (from < 0 || len <= 0 || (long) from + len > length) {
            throw new IllegalArgumentException("slice " + from + "+" + len + " of " + length);
        }
        int abs = offset + from;
        int firstPage = abs >>> PageSize.PAGE_SHIFT;
        int off = abs & (int) PageSize.PAGE_MASK;
        int lastPage = (int) ((abs + (long) len - 1) >>> PageSize.PAGE_SHIFT);
        return new Bvec(pages.subList(firstPage, lastPage + 1), off, len);
    }

    /**
     * This bvec grown by {@code len} bytes on the page {@code next} (which must continue it):
     * the same page when the bvec ends inside it, else a new last page.
     */
    Bvec extendedBy(Page next, int len) {
        boolean samePage = ((offset + length) & PageSize.PAGE_MASK) != 0 && next == pages.get(pages.size() - 1);
        if (samePage) {
            return new Bvec(pages, offset, length + len);
        }
        List<Page> grown = new java.util.ArrayList<>(pages);
        grown.add(next);
        return new Bvec(grown, offset, length + len);
    }
}
