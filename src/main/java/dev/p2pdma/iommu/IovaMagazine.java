package dev.p2pdma.iommu;

/**
 * Models {@code struct iova_magazine}: a stack of up to {@link IovaDomain#IOVA_MAG_SIZE} cached
 * range starts (pfns) of one size class, plus the link that chains full magazines in a depot.
 *
 * <p>Invariants: {@code 0 <= size <= IOVA_MAG_SIZE}; slots {@code [0, size)} hold the cached pfns;
 * a magazine in a depot is full; {@code next} is meaningful only in a depot. Not thread-safe: used
 * under its per-CPU rcache lock, or the depot lock while it is in the depot.
 */
final class IovaMagazine {

    /** The cached pfns, slots {@code [0, size)}. */
    final long[] pfns = new long[IovaDomain.IOVA_MAG_SIZE];
    /** How many pfns are cached. */
    int size;
    /** The next magazine in the depot's LIFO list, or null. */
    IovaMagazine next;

    /** Models iova_magazine_full(). */
    boolean isFull() {
        return size == IovaDomain.IOVA_MAG_SIZE;
    }

    /** Models iova_magazine_empty(). */
    boolean isEmpty() {
        return size == 0;
    }

    /** Models iova_magazine_push(): the magazine must not be full. */
    void push(long pfn) {
        pfns[size++] = pfn;
    }

    /**
     * Models iova_magazine_pop(): scanning down from the top, takes the first pfn at most
     * {@code limitPfn} (unsigned) and moves the top pfn into its slot. The magazine must not be
     * empty.
     *
     * @return the pfn, or 0 when none is low enough (the magazine is then unchanged)
     */
    long pop(long limitPfn) {
        long[] p = pfns;
        int i = size - 1;
        while (Long.compareUnsigned(p[i], limitPfn) > 0) {
            if (i == 0) {
                return 0;
            }
            i--;
        }
        long pfn = p[i];
        p[i] = p[--size];
        return pfn;
    }
}
