package dev.p2pdma.mm;

/** x86-64 page geometry (spec 0.2). */
public final class PageSize {

    /** log2 of the page size. */
    public static final int PAGE_SHIFT = 12;
    /** Bytes per page. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Mask of the offset bits inside a page. */
    public static final long PAGE_MASK = PAGE_SIZE - 1;

    private PageSize() {
    }

    /** The pfn of a physical address. */
    public static long pfn(long phys) {
        return phys >>> PAGE_SHIFT;
    }

    /** The physical address of a pfn. */
    public static long phys(long pfn) {
        return pfn << PAGE_SHIFT;
    }

    /** {@code x} rounded down to a page boundary. */
    public static long alignDown(long x) {
        return x & ~PAGE_MASK;
    }

    /** {@code x} rounded up to a page boundary. */
    public static long alignUp(long x) {
        return (x + PAGE_MASK) & ~PAGE_MASK;
    }
}
