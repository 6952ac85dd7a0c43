package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.MemMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A user mapping of the {@code p2pmem/allocate} file (spec 1.6 rules 6 and 7): pages of one pool
 * allocation inserted into a process's address space in order, each holding one reference on the
 * page map. When the last user reference to a page drops ({@link #releasePage(int)}), that page
 * alone goes back to the pool (p2pdma_page_free()) and its page-map reference is dropped.
 *
 * <p>Invariants: each page is returned to the pool at most once; {@link #livePages()} counts the
 * pages not yet returned; the mapping leaves its provider's set of user mappings when it reaches 0.
 * Thread-safe: a page's release is claimed by CAS, so a user's release racing the teardown at
 * removal returns the page exactly once.
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

    P2pMemMapping(P2pDmaProvider provider, DevicePageMap pagemap, MemMap memMap, long virtStart, int pageCount) {
        this.provider = provider;
        this.pagemap = pagemap;
        this.memMap = memMap;
        this.virtStart = virtStart;
        this.pageCount = pageCount;
        this.released = new AtomicIntegerArray(pageCount);
        this.live = new AtomicInteger(pageCount);
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
     * The last user reference to page {@code i} drops (unmap, munmap, process exit): models
     * p2pdma_page_free() for that page, which returns its 4096 bytes to the pool and drops its
     * page-map reference.
     *
     * @return true when this call returned the page; false when it had been returned already
     */
    public boolean releasePage(int i) {
        checkIndex(i);
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
     * removed): every page still mapped is returned.
     *
     * @return the number of pages this call returned
     */
    public int unmap() {
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
