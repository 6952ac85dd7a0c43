package dev.p2pdma.mm;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * A minimal page-frame allocator over one range of RAM pfns that its owner set aside for it (for
 * user memory, e.g. anonymous mappings): the model's stand-in for the buddy allocator as seen by a
 * page fault. Other users of RAM (swiotlb pool, test data at fixed addresses) stay correct as long
 * as the owner gives each source a range nobody else uses; two sources over overlapping ranges
 * are the owner's error and are not detected.
 *
 * <p>Order: each allocation takes the highest free pfns, and returns them in descending pfn order.
 * That reproduces what the traced 6.12 guests showed for fresh anonymous memory without THP
 * (consecutive virtual pages on consecutive descending physical pages), so no two neighbouring
 * user pages are physically adjacent in ascending order.
 *
 * <p>Invariants: a pfn is handed out at most once until freed; every pfn of the range is a RAM
 * page of the memory map. Thread-safe: all methods synchronize on the instance.
 */
public final class RamPageSource {

    /** The memory map the pages come from. */
    private final MemMap memMap;
    /** First pfn of the range. */
    private final long firstPfn;
    /** Number of pfns in the range. */
    private final int pageCount;
    /** Bit i set: pfn firstPfn + i is allocated. */
    private final BitSet used;

    /**
     * A source over {@code [firstPfn, firstPfn + pageCount)}.
     *
     * @throws IllegalArgumentException when the range is empty or not all RAM pages of {@code memMap}
     */
    public RamPageSource(MemMap memMap, long firstPfn, int pageCount) {
        if (pageCount <= 0 || firstPfn < 0) {
            throw new IllegalArgumentException("page source range must be non-empty: pfn 0x" + Long.toHexString(firstPfn) + "+" + pageCount);
        }
        for (long pfn : new long[] {firstPfn, firstPfn + pageCount - 1}) {
            Optional<Page> p = memMap.page(pfn);
            if (p.isEmpty() || p.get().isZoneDevice()) {
                throw new IllegalArgumentException("pfn 0x" + Long.toHexString(pfn) + " is not a RAM page");
            }
        }
        this.memMap = memMap;
        this.firstPfn = firstPfn;
        this.pageCount = pageCount;
        this.used = new BitSet(pageCount);
    }

    /**
     * Takes {@code count} free pages, the highest free pfns first, so the list is in descending pfn
     * order.
     *
     * @return the pages, or empty (the kernel's -ENOMEM) when fewer than {@code count} are free; then
     *         nothing is taken
     */
    public synchronized Optional<List<Page>> allocate(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("negative page count " + count);
        }
        if (count > freePages()) {
            return Optional.empty();
        }
        List<Page> out = new ArrayList<>(count);
        int i = pageCount - 1;
        while (out.size() < count) {
            i = used.previousClearBit(i);
            used.set(i);
            out.add(memMap.pageOrThrow(firstPfn + i));
            i--;
        }
        return Optional.of(List.copyOf(out));
    }

    /**
     * Gives a page back.
     *
     * @throws IllegalArgumentException when the page is not from this source or is not allocated
     */
    public synchronized void free(Page page) {
        long rel = page.pfn() - firstPfn;
        if (rel < 0 || rel >= pageCount || !used.get((int) rel) || page.isZoneDevice()) {
            throw new IllegalArgumentException(page + " was not allocated from this source");
        }
        used.clear((int) rel);
    }

    /** Pages still free. */
    public synchronized int freePages() {
        return pageCount - used.cardinality();
    }

    @Override
    public synchronized String toString() {
        return "RAM page source pfn 0x" + Long.toHexString(firstPfn) + "+" + pageCount + ", " + freePages() + " free";
    }
}
