package dev.p2pdma.iommu;

/**
 * The two builds of the IOVA code that {@code ../shared/bench/workloads.md} times: with real
 * uncontended spinlocks, and with spinlocks compiled to nothing. The kernel's C figures for the
 * warm rcache workloads (6.4 to 7.1 ns per pair) are below what two uncontended {@code lock cmpxchg}
 * cost on these machines (11 ns per pair in C), so they are the no-lock build's; the model offers
 * the same build for a like-for-like comparison.
 */
public enum IovaLocking {
    /** spin_lock() / spin_unlock() as the qspinlock fast path: thread-safe (the default). */
    SPINLOCK,
    /** Spinlocks are no-ops, as in the workloads' nolock build: one thread only, NOT thread-safe. */
    NONE
}
