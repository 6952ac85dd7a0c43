package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.MemMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A user mapping of the {@code p2pmem/allocate} file (spec 1.6 rules 6 and 7): pages of one pool
 * allocation inserted into a process's address space in order, each holding one reference on the
 * page map. A page goes back to the pool (p2pdma_page_free()) and drops its page-map reference when
 * its last reference drops: the mapping's own ({@link #releasePage(int)}: unmap, munmap, removal)
 * and every pin an I/O took on it ({@link #pin(int)}, as pin_user_pages() raises the page count).
 * So a provider removed while I/O is in flight takes the pages out of the process at once
 * ({@link #unmap()} tells every address space holding the mapping to zap it) but returns a pinned
 * page only at its last unpin.
 *
 * <p>Invariants: each page is returned to the pool at most once, and never while pinned;
 * {@link #livePages()} counts the pages not yet returned; the mapping leaves its provider's set of
 * user mappings when it reaches 0. Thread-safe: page state changes under the mapping's lock; the
 * zap callbacks run without it.
 */
public final class P2pMemMapping {

    /** The provider whose pool the pages came from. */
    private final P2pDmaProvider provider;
    /** The page map of the pages' chunk. */
    private final DevicePageMap pagemap;
    /** The memory map, for the struct pages. */
    private final MemMap memMap;
    /** Kernel virtual address of the first page. */
    private final long virtStart;
    /** Number of pages mapped. */
    private final int pageCount;
    /** Per page: 1 once returned to the pool. */
    private final AtomicIntegerArray released;
    /** Pages not yet returned. */
    private final AtomicInteger live;
    /** Per page: pins held by I/O. */
    private final int[] pins;
    /** Per page: the mapping's own reference has dropped (the page is returned at its last unpin). */
    private final boolean[] unmapped;
    /** Called with no lock held when the whole mapping is torn down: each address space zaps it. */
    private final List<Runnable> zapListeners = new CopyOnWriteArrayList<>();

    P2pMemMapping(P2pDmaProvider provider, DevicePageMap pagemap, MemMap memMap, long virtStart, int pageCount) {
        this.provider = provider;
        this.pagemap = pagemap;
        this.memMap = memMap;
        this.virtStart = virtStart;
        this.pageCount = pageCount;
        this.released = new AtomicIntegerArray(pageCount);
        this.live = new AtomicInteger(pageCount);
        this.pins = new int[pageCount];
        this.unmapped = new boolean[pageCount];
    }

    /** Registers what an address space does when the mapping is torn down under it (zap its PTEs). */
    public void addZapListener(Runnable zap) {
        zapListeners.add(zap);
    }

    /**
     * Takes a pin on page {@code i} (pin_user_pages() of a mapped page).
     *
     * @return false when the page is no longer mapped (the access faults)
     */
    public synchronized boolean pin(int i) {
        checkIndex(i);
        if (unmapped[i] || released.get(i) != 0) {
            return false;
        }
        pins[i]++;
        return true;
    }

    /**
     * Drops a pin on page {@code i}; the last one returns an unmapped page to the pool.
     *
     * @throws IllegalStateException when the page holds no pin
     */
    public void unpin(int i) {
        boolean free;
        synchronized (this) {
            checkIndex(i);
            if (pins[i] == 0) {
                throw new IllegalStateException("page " + i + " of " + this + " is not pinned");
            }
            pins[i]--;
            free = pins[i] == 0 && unmapped[i];
        }
        if (free) {
            returnToPool(i);
        }
    }

    /** Pins held on page {@code i}. */
    public synchronized int pinCount(int i) {
        checkIndex(i);
        return pins[i];
    }

    /** Number of pages mapped. */
    public int pageCount() {
        return pageCount;
    }

    /** Length of the mapping in bytes. */
    public long lengthBytes() {
        return (long) pageCount << PageSize.PAGE_SHIFT;
    }

    /** Kernel virtual address of the first page. */
    public long virtStart() {
        return virtStart;
    }

    /** The page map the pages belong to. */
    public DevicePageMap pagemap() {
        return pagemap;
    }

    /** The struct page mapped at page index {@code i} (virt_to_page() of its kernel address). */
    public Page page(int i) {
        checkIndex(i);
        return memMap.pageOrThrow(PageSize.pfn(DirectMap.phys(virtStart) + ((long) i << PageSize.PAGE_SHIFT)));
    }

    /** True while page {@code i} is still mapped. */
    public boolean isMapped(int i) {
        checkIndex(i);
        return released.get(i) == 0;
    }

    /** Pages still mapped. */
    public int livePages() {
        return live.get();
    }

    /**
     * The mapping's reference to page {@code i} drops (unmap, munmap, process exit): when no pin
     * holds the page, models p2pdma_page_free() for it, which returns its 4096 bytes to the pool and
     * drops its page-map reference; a pinned page is returned at its last unpin.
     *
     * @return true when this call returned the page; false when it had been returned already or waits for its pins
     */
    public boolean releasePage(int i) {
        synchronized (this) {
            checkIndex(i);
            if (unmapped[i] && released.get(i) != 0) {
                return false;
            }
            unmapped[i] = true;
            if (pins[i] > 0) {
                return false;
            }
        }
        return returnToPool(i);
    }

    /** p2pdma_page_free() of page {@code i}, exactly once. */
    private boolean returnToPool(int i) {
        if (!released.compareAndSet(i, 0, 1)) {
            return false;
        }
        provider.pool().free(virtStart + ((long) i << PageSize.PAGE_SHIFT), PageSize.PAGE_SIZE);
        pagemap.put();
        if (live.decrementAndGet() == 0) {
            provider.userMappings().remove(this);
        }
        return true;
    }

    /**
     * Unmaps the whole mapping (munmap(), or unmap_mapping_range() when the {@code allocate} file is
     * removed): every address space holding it zaps it, and every page still mapped is returned, a
     * pinned one at its last unpin.
     *
     * @return the number of pages this call returned (pinned pages are returned later)
     */
    public int unmap() {
        for (Runnable zap : zapListeners) {
            zap.run();
        }
        int n = 0;
        for (int i = 0; i < pageCount; i++) {
            if (releasePage(i)) {
                n++;
            }
        }
        return n;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= pageCount) {
            throw new IndexOutOfBoundsException("page " + i + " of a " + pageCount + "-page mapping");
        }
    }

    @Override
    public String toString() {
        return "p2pmem mapping of " + provider.address() + " at 0x" + Long.toHexString(virtStart) + ", " + live.get() + "/" + pageCount
                + " pages mapped";
    }
}
