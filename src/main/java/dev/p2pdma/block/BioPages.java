package dev.p2pdma.block;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Models how a bio is filled from user memory in Linux 6.12 (spec 6.3 steps 3 and 4):
 * bio_iov_iter_get_pages() with its rounds of __bio_iov_iter_get_pages(), and the merge rule of
 * bio_iov_add_folio() / bvec_try_merge_page(). Stateless; thread-safe as far as the address space is.
 */
final class BioPages {

    /** UINT_MAX: the most bytes a bio may carry. */
    private static final long BIO_MAX_BYTES = 0xFFFF_FFFFL;

    /** A bio under construction: its bvecs and the pins it holds. */
    static final class Builder {
        /** The bvecs so far. */
        final List<Bvec> bvecs = new ArrayList<>();
        /** The pins held. */
        final List<Page> pinned = new ArrayList<>();
        /** bi_max_vecs. */
        final int maxVecs;

        Builder(int maxVecs) {
            this.maxVecs = maxVecs;
        }

        long bytes() {
            long n = 0;
            for (Bvec b : bvecs) {
                n += b.length();
            }
            return n;
        }

        Bio build(ReqOp op, long sector) {
            return new Bio(op, sector, bvecs, maxVecs, pinned);
        }
    }

    private BioPages() {
    }

    /**
     * Models bio_iov_iter_get_pages(): rounds continue while the last one succeeded, bytes remain and
     * the bio has a free bvec slot.
     *
     * @return empty when the bio received at least one bvec, even if a later round failed (the bio
     *         is just shorter); else the error of the round that failed
     */
    static Optional<Errno> getPages(Builder bio, IovIter it, UserAddressSpace mm, QueueLimits limits, Set<GupFlag> gup) {
        Optional<Errno> ret;
        do {
            ret = round(bio, it, mm, limits, gup);
        } while (ret.isEmpty() && it.count() > 0 && bio.bvecs.size() < bio.maxVecs);
        return bio.bvecs.isEmpty() ? ret.or(() -> Optional.of(Errno.EFAULT)) : Optional.empty();
    }

    /**
     * Models one __bio_iov_iter_get_pages() round: pins pages of the current iovec only (as many as
     * free bvec slots), cuts the bytes down to whole logical blocks (the rest goes back to the
     * iterator), adds page by page, and unpins the pages not used.
     */
    private static Optional<Errno> round(Builder bio, IovIter it, UserAddressSpace mm, QueueLimits limits, Set<GupFlag> gup) {
        int slots = bio.maxVecs - bio.bvecs.size();
        Optional<IovIter.Segment> seg = it.firstSegment(BIO_MAX_BYTES - bio.bytes());
        if (seg.isEmpty() || seg.get().length() == 0) {
            return Optional.of(Errno.EFAULT);
        }
        long addr = seg.get().base();
        int offset = (int) (addr & PageSize.PAGE_MASK);
        long want = (offset + seg.get().length() + PageSize.PAGE_MASK) >>> PageSize.PAGE_SHIFT;
        int n = (int) Math.min(want, slots);
        UserAddressSpace.PinResult pin = mm.pinUserPagesFast(addr - offset, n, gup);
        if (pin instanceof UserAddressSpace.PinFailed f) {
            return Optional.of(f.errno());
        }
        List<Page> pages = ((UserAddressSpace.Pinned) pin).pages();
        long size = Math.min(seg.get().length(), ((long) pages.size() << PageSize.PAGE_SHIFT) - offset);
        it.advance(size);
        long trim = size & (limits.logicalBlockBytes() - 1);
        it.revert(trim);
        size -= trim;
        int used = 0;
        if (size > 0) {
            long left = size;
            int off = offset;
            while (left > 0) {
                int len = (int) Math.min(PageSize.PAGE_SIZE - off, left);
                Page page = pages.get(used++);
                if (!addPage(bio, page, off, len)) {
                    mm.unpinUserPages(List.of(page));
                }
                left -= len;
                off = 0;
            }
        }
        mm.unpinUserPages(pages.subList(used, pages.size()));
        return size == 0 ? Optional.of(Errno.EFAULT) : Optional.empty();
    }

    /**
     * Models bio_iov_add_folio(): appends {@code len} bytes at {@code off} in {@code page} to the last
     * bvec when bvec_try_merge_page() allows it (spec 6.3 step 4: physically continuing it, same page
     * map, and on a new page a consecutive struct page), else starts a new bvec.
     *
     * @return false when the bytes were merged into the page the last bvec already ends in (the
     *         caller drops the extra pin), true when the bio keeps this pin
     */
    private static boolean addPage(Builder bio, Page page, int off, int len) {
        if (!bio.bvecs.isEmpty()) {
            int lastIx = bio.bvecs.size() - 1;
            Bvec last = bio.bvecs.get(lastIx);
            Page lastPage = last.pages().get(last.pages().size() - 1);
            if (last.physEnd() == page.physAddress() + off && Page.haveSamePagemap(last.page(), page)) {
                boolean samePage = ((last.physEnd() - 1) >>> PageSize.PAGE_SHIFT) == ((page.physAddress() + off) >>> PageSize.PAGE_SHIFT);
                if (samePage || page.pfn() == lastPage.pfn() + 1) {
                    bio.bvecs.set(lastIx, last.extendedBy(page, len));
                    if (samePage) {
                        return false;
                    }
                    bio.pinned.add(page);
                    return true;
                }
            }
        }
        bio.bvecs.add(Bvec.of(page, off, len));
        bio.pinned.add(page);
        return true;
    }
}
