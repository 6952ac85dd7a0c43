package dev.p2pdma.iommu;

/**
 * One node of an {@link IovaRbTree}: a {@code struct iova} with its embedded {@code rb_node}
 * (links and colour). One node is allocated per range inserted in the tree, as the kernel
 * allocates one {@code struct iova} per tree range.
 *
 * <p>Invariants (while {@link #linked}): {@code pfnLo <= pfnHi} unsigned; the links obey the
 * red-black rules kept by {@link IovaRbTree}. Not thread-safe: every field is read and written
 * under the owning domain's tree lock.
 */
final class IovaNode {

    /** First page frame of the range (lowered in place when a reservation merges into it). */
    long pfnLo;
    /** Last page frame of the range. */
    long pfnHi;
    /** Parent link; null at the root. */
    IovaNode parent;
    /** Left child (lower ranges), or null. */
    IovaNode left;
    /** Right child (higher ranges), or null. */
    IovaNode right;
    /** Red-black colour: true for red. */
    boolean red;
    /** Whether the node is in a tree now. */
    boolean linked;
    /** Whether the range was made by reserve_iova() rather than allocated. */
    final boolean reserved;

    /** A detached node for {@code [pfnLo, pfnHi]}. */
    IovaNode(long pfnLo, long pfnHi, boolean reserved) {
        this.pfnLo = pfnLo;
        this.pfnHi = pfnHi;
        this.reserved = reserved;
    }

    /** The range as a value. */
    Iova toIova() {
        return new Iova(pfnLo, pfnHi);
    }

    /** The number of page frames in the range. */
    long sizePfns() {
        return pfnHi - pfnLo + 1;
    }
}
