package dev.p2pdma.iommu;

/**
 * An IOVA range in granule-sized page frames, both ends inclusive, as {@code struct iova} records
 * it: a range handed out by {@link IovaDomain#allocIova} or set aside by {@link IovaDomain#reserveIova}.
 *
 * <p>Invariant: {@code pfnLo <= pfnHi}, compared unsigned (pfns are the kernel's {@code unsigned
 * long}). Immutable, so thread-safe.
 *
 * @param pfnLo the first page frame of the range
 * @param pfnHi the last page frame of the range
 */
public record Iova(long pfnLo, long pfnHi) {

    /**
     * A range {@code [pfnLo, pfnHi]}.
     *
     * @throws IllegalArgumentException when {@code pfnHi < pfnLo} (unsigned)
     */
    public Iova {
        if (Long.compareUnsigned(pfnHi, pfnLo) < 0) {
            throw new IllegalArgumentException("IOVA range ends before it starts: " + Long.toHexString(pfnLo) + ".."
                    + Long.toHexString(pfnHi));
        }
    }

    /** Models iova_size(): the number of page frames in the range. */
    public long sizePfns() {
        return pfnHi - pfnLo + 1;
    }

    @Override
    public String toString() {
        return "Iova[0x" + Long.toHexString(pfnLo) + "-0x" + Long.toHexString(pfnHi) + "]";
    }
}
