package dev.p2pdma.block;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.RamPageSource;
import dev.p2pdma.p2pdma.P2pMemMapping;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Models a process's address space ({@code struct mm_struct}) as far as O_DIRECT needs it: user
 * virtual pages mapped to {@link Page}s, the pin counts that {@code pin_user_pages_fast()} takes,
 * and mmap/munmap of two kinds of memory:
 * <ul>
 *   <li>anonymous RAM ({@link #mapAnonymous(long)}), populated at once from a {@link RamPageSource}.
 *       Consecutive virtual pages get <b>descending</b> physical pages, as the traced 6.12 guests
 *       showed for fresh anonymous memory without THP (spec 6.3 step 4), so no two of them merge
 *       into one bvec;</li>
 *   <li>a p2pmem mapping ({@link #mapP2pmem(P2pMemMapping)}): the pages of one pool allocation,
 *       physically contiguous P2PDMA pages of one page map, in order (spec 7 step 1).</li>
 * </ul>
 * New mappings are placed one after the other from {@link #MMAP_BASE}, each followed by an
 * unmapped guard page, so an access running off a mapping faults.
 *
 * <p>Invariants: a virtual page maps at most one page; a pin count is positive while held; an
 * anonymous page goes back to its source once it is unmapped and no longer pinned (a pinned page
 * outlives its mapping, as in the kernel). A p2pmem page is only unmapped here: returning it to
 * the pool stays with {@link P2pMemMapping#unmap()}, called by the mapping's owner. Thread-safe:
 * every method synchronizes on the instance (the model's mmap lock).
 */
public final class UserAddressSpace {

    /** Where the first mapping is placed (a typical x86-64 mmap area address). */
    public static final long MMAP_BASE = 0x7f00_0000_0000L;

    /** What mmap returned. */
    public sealed interface MapResult permits Mapped, MapFailed {
    }

    /**
     * The mapping was made.
     *
     * @param start       user virtual address of the first byte (page aligned)
     * @param lengthBytes mapped bytes (whole pages)
     */
    public record Mapped(long start, long lengthBytes) implements MapResult {
    }

    /**
     * mmap failed.
     *
     * @param errno the kernel's error
     */
    public record MapFailed(Errno errno) implements MapResult {
    }

    /** What pin_user_pages_fast() returned. */
    public sealed interface PinResult permits Pinned, PinFailed {
    }

    /**
     * Pages were pinned (possibly fewer than asked for; the kernel's positive return value is
     * {@code pages.size()}).
     *
     * @param pages the pinned pages, in virtual order
     */
    public record Pinned(List<Page> pages) implements PinResult {
        /** Copies the list. */
        public Pinned {
            pages = List.copyOf(pages);
        }
    }

    /**
     * Nothing was pinned.
     *
     * @param errno the kernel's error
     */
    public record PinFailed(Errno errno) implements PinResult {
    }

    /** Where a virtual page points. */
    private record Pte(Page page, boolean anonymous, Optional<P2pMemMapping> mapping, int index) {
        /** An anonymous or plain page. */
        Pte(Page page, boolean anonymous) {
            this(page, anonymous, Optional.empty(), -1);
        }
    }

    /** Where anonymous pages come from. */
    private final RamPageSource ram;
    /** Virtual page number to its page. */
    private final Map<Long, Pte> ptes = new HashMap<>();
    /** Pin counts of pinned pages (page identity, as the kernel's page pointers). */
    private final Map<Page, Integer> pins = new IdentityHashMap<>();
    /** For each pinned p2pmem page, the mapping (and index) its pins were taken on. */
    private final Map<Page, Pte> pinnedP2p = new IdentityHashMap<>();
    /** Anonymous pages unmapped while pinned: freed at their last unpin. */
    private final Map<Page, Boolean> orphans = new IdentityHashMap<>();
    /** Where the next mapping goes. */
    private long nextStart = MMAP_BASE;

    /** An empty address space whose anonymous memory comes from {@code ram}. */
    public UserAddressSpace(RamPageSource ram) {
        this.ram = ram;
    }

    /**
     * Models mmap(MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE) of {@code lengthBytes}, rounded up to
     * whole pages: virtual page i gets the i-th page of one {@link RamPageSource#allocate} call, so
     * physical addresses descend as virtual ones ascend.
     *
     * @return the mapping; EINVAL for a length of 0 or less; ENOMEM when the source has too few pages
     */
    public synchronized MapResult mapAnonymous(long lengthBytes) {
        return anonymous(Optional.empty(), lengthBytes);
    }

    /**
     * {@link #mapAnonymous(long)} at a chosen page-aligned address (MAP_FIXED: whatever was mapped
     * there is unmapped first), e.g. to put RAM right before a p2pmem mapping.
     *
     * @return the mapping; EINVAL for an unaligned start or a bad length; ENOMEM as above
     */
    public synchronized MapResult mapAnonymousFixed(long start, long lengthBytes) {
        return anonymous(Optional.of(start), lengthBytes);
    }

    private MapResult anonymous(Optional<Long> fixed, long lengthBytes) {
        if (lengthBytes <= 0 || lengthBytes > Integer.MAX_VALUE * (long) PageSize.PAGE_SIZE
                || fixed.map(s -> (s & PageSize.PAGE_MASK) != 0 || s < 0).orElse(false)) {
            return new MapFailed(Errno.EINVAL);
        }
        int n = (int) (PageSize.alignUp(lengthBytes) >>> PageSize.PAGE_SHIFT);
        Optional<List<Page>> pages = ram.allocate(n);
        if (pages.isEmpty()) {
            return new MapFailed(Errno.ENOMEM);
        }
        long start = fixed.isPresent() ? fixed.get() : place(n);
        if (fixed.isPresent()) {
            unmap(start, (long) n << PageSize.PAGE_SHIFT);
        }
        for (int i = 0; i < n; i++) {
            ptes.put(vpn(start) + i, new Pte(pages.get().get(i), true));
        }
        return new Mapped(start, (long) n << PageSize.PAGE_SHIFT);
    }

    /**
     * Models the user side of mmap() of {@code p2pmem/allocate} once p2pmem_alloc_mmap() succeeded:
     * page i of the mapping at virtual page i (vm_insert_page() in order). Pages the mapping has
     * already returned to the pool are left unmapped.
     *
     * @return the mapping
     */
    public synchronized MapResult mapP2pmem(P2pMemMapping mapping) {
        return p2pmem(Optional.empty(), mapping);
    }

    /**
     * {@link #mapP2pmem(P2pMemMapping)} at a chosen page-aligned address (MAP_FIXED: whatever was
     * mapped there is unmapped first).
     *
     * @return the mapping; EINVAL for an unaligned start
     */
    public synchronized MapResult mapP2pmemFixed(long start, P2pMemMapping mapping) {
        return p2pmem(Optional.of(start), mapping);
    }

    private MapResult p2pmem(Optional<Long> fixed, P2pMemMapping mapping) {
        int n = mapping.pageCount();
        if (fixed.map(s -> (s & PageSize.PAGE_MASK) != 0 || s < 0).orElse(false)) {
            return new MapFailed(Errno.EINVAL);
        }
        long start = fixed.isPresent() ? fixed.get() : place(n);
        if (fixed.isPresent()) {
            unmap(start, mapping.lengthBytes());
        }
        for (int i = 0; i < n; i++) {
            if (mapping.isMapped(i)) {
                ptes.put(vpn(start) + i, new Pte(mapping.page(i), false, Optional.of(mapping), i));
            }
        }
        // unmap_mapping_range() when the provider goes away: this process loses the pages at once
        mapping.addZapListener(() -> zap(start, mapping));
        return new Mapped(start, mapping.lengthBytes());
    }

    /**
     * Models munmap() of {@code [start, start + lengthBytes)} (page aligned outward): the pages are
     * no longer reachable, so later pins and accesses there fault with EFAULT. Unpinned anonymous
     * pages go back to the page source at once, pinned ones at their last unpin.
     */
    public synchronized void unmap(long start, long lengthBytes) {
        long first = vpn(start);
        long last = vpn(PageSize.alignUp(start + Math.max(0, lengthBytes)));
        for (long v = first; v < last; v++) {
            Pte pte = ptes.remove(v);
            if (pte != null && pte.anonymous()) {
                if (pins.containsKey(pte.page())) {
                    orphans.put(pte.page(), Boolean.TRUE);
                } else {
                    ram.free(pte.page());
                }
            }
        }
    }

    /** Drops this address space's PTEs of {@code mapping} at {@code start} (the provider is being removed). */
    private synchronized void zap(long start, P2pMemMapping mapping) {
        for (int i = 0; i < mapping.pageCount(); i++) {
            Pte pte = ptes.get(vpn(start) + i);
            if (pte != null && pte.mapping().isPresent() && pte.mapping().get() == mapping) {
                ptes.remove(vpn(start) + i);
            }
        }
    }

    /** The page mapped at a user virtual address, empty when an access there faults (EFAULT). */
    public synchronized Optional<Page> pageAt(long virt) {
        Pte pte = ptes.get(vpn(virt));
        return pte == null ? Optional.empty() : Optional.of(pte.page());
    }

    /**
     * Models pin_user_pages_fast(start, nrPages, gup_flags, pages) of Linux 6.12 (spec 6.3 step 3, 7
     * step 3). {@code start} is rounded down to its page.
     * <ol>
     *   <li>FOLL_LONGTERM together with FOLL_PCI_P2PDMA → EINVAL, nothing pinned;</li>
     *   <li>pages are pinned in virtual order and the walk stops at the first virtual page that is
     *       not mapped, or, without FOLL_PCI_P2PDMA, at the first P2PDMA page (GUP-fast refuses it
     *       and the slow path fails it);</li>
     *   <li>the pages pinned before the stop are returned; if the stop was at the first page the
     *       result is its error: EFAULT for an unmapped page, EREMOTEIO for a P2PDMA page.</li>
     * </ol>
     * {@code nrPages <= 0} pins nothing and returns an empty list.
     */
    public synchronized PinResult pinUserPagesFast(long start, int nrPages, Set<GupFlag> flags) {
        if (flags.contains(GupFlag.LONGTERM) && flags.contains(GupFlag.PCI_P2PDMA)) {
            return new PinFailed(Errno.EINVAL);
        }
        List<Page> out = new ArrayList<>(Math.max(0, nrPages));
        long v0 = vpn(start);
        for (int i = 0; i < nrPages; i++) {
            Pte pte = ptes.get(v0 + i);
            Optional<Errno> stop = pte == null ? Optional.of(Errno.EFAULT)
                    : pte.page().isP2pdma() && !flags.contains(GupFlag.PCI_P2PDMA) ? Optional.of(Errno.EREMOTEIO) : Optional.empty();
            if (stop.isPresent()) {
                if (out.isEmpty()) {
                    return new PinFailed(stop.get());
                }
                break;
            }
            if (pte.mapping().isPresent() && !pins.containsKey(pte.page()) && !pte.mapping().get().pin(pte.index())) {
                // the provider tore the mapping down under us: the page faults
                if (out.isEmpty()) {
                    return new PinFailed(Errno.EFAULT);
                }
                break;
            }
            out.add(pte.page());
            if (pte.mapping().isPresent()) {
                pinnedP2p.put(pte.page(), pte);
            }
        }
        for (Page p : out) {
            pins.merge(p, 1, Integer::sum);
        }
        return new Pinned(out);
    }

    /**
     * Models unpin_user_pages(): drops one pin of each page (a page listed twice loses two).
     *
     * @throws IllegalStateException when a page is not pinned (a kernel WARN and refcount underflow)
     */
    public synchronized void unpinUserPages(List<Page> pages) {
        for (Page p : pages) {
            Integer n = pins.get(p);
            if (n == null) {
                throw new IllegalStateException(p + " is not pinned");
            }
            if (n == 1) {
                pins.remove(p);
                if (orphans.remove(p) != null) {
                    ram.free(p);
                }
                Pte p2p = pinnedP2p.remove(p);
                if (p2p != null) {
                    p2p.mapping().orElseThrow().unpin(p2p.index());
                }
            } else {
                pins.put(p, n - 1);
            }
        }
    }

    /** How many pins {@code page} holds (0 when none). */
    public synchronized int pinCount(Page page) {
        return pins.getOrDefault(page, 0);
    }

    /** Total pins held on all pages (0 once every I/O released its pages). */
    public synchronized int totalPins() {
        int n = 0;
        for (int c : pins.values()) {
            n += c;
        }
        return n;
    }

    private long place(int pages) {
        long start = nextStart;
        nextStart += (long) (pages + 1) << PageSize.PAGE_SHIFT;
        return start;
    }

    private static long vpn(long virt) {
        return virt >>> PageSize.PAGE_SHIFT;
    }
}
