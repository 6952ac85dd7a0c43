package dev.p2pdma.base;

/**
 * Kernel virtual addresses of the x86-64 direct map, as the P2PDMA pool hands them out (spec 1.2
 * step 8: the pool's "virtual" start of a chunk is the kernel address memremap_pages() returned,
 * which for P2PDMA memory is the direct-map address of the BAR range).
 *
 * <p>The model fixes {@code PAGE_OFFSET} at {@code 0xffff888000000000}, the direct-map base of
 * 4-level paging without KASLR, so {@code virt = PAGE_OFFSET + phys} and back. Virtual addresses
 * are plain {@code long}s compared unsigned. Stateless; thread-safe.
 */
public final class DirectMap {

    /** Start of the direct map (x86-64, 4-level paging, KASLR off). */
    public static final long PAGE_OFFSET = 0xffff888000000000L;

    private DirectMap() {
    }

    /** Models __va(): the kernel virtual address of a physical address. */
    public static long virt(long phys) {
        return PAGE_OFFSET + phys;
    }

    /** Models __pa() for a direct-map address: the physical address behind it. */
    public static long phys(long virt) {
        return virt - PAGE_OFFSET;
    }

    /** True when {@code virt} lies in the direct map (at or above {@link #PAGE_OFFSET}). */
    public static boolean isDirectMapped(long virt) {
        return Long.compareUnsigned(virt, PAGE_OFFSET) >= 0;
    }
}
