package dev.p2pdma.iommu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A test-and-set spinlock, as the uncontended fast path of the kernel's qspinlock does it: one
 * compare-and-set to take the lock, one release store to drop it. Used for the IOVA tree lock and
 * each per-CPU rcache lock.
 *
 * <p>Invariant: {@code state} is 1 exactly while one thread holds the lock. Not reentrant. Unlike a
 * kernel spinlock the holder can be descheduled (Java threads cannot disable preemption), so a
 * waiter spins briefly with {@link Thread#onSpinWait()} and then yields its CPU between attempts.
 * Thread-safe by construction.
 */
final class IovaSpinLock {

    /** Spins before a waiter starts yielding its CPU. */
    private static final int SPINS_BEFORE_YIELD = 100;
    /** Handle on {@link #state} for the compare-and-set and the release store. */
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(IovaSpinLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 0 when free, 1 when held. */
    @SuppressWarnings("unused")
    private volatile int state;
    /** False in the no-lock build ({@link IovaLocking#NONE}): lock and unlock do nothing. */
    private final boolean enabled;

    /** A free lock; {@code locking} NONE makes it a no-op, as the workloads' nolock build. */
    IovaSpinLock(IovaLocking locking) {
        this.enabled = locking == IovaLocking.SPINLOCK;
    }

    /** Models spin_lock(): takes the lock, spinning (then yielding) while another thread holds it. */
    void lock() {
        if (enabled && !STATE.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    /** The contended path of {@link #lock()}: wait for a free lock, then try to take it again. */
    private void lockContended() {
        int spins = 0;
        do {
            while ((int) STATE.getOpaque(this) != 0) {
                if (++spins < SPINS_BEFORE_YIELD) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        } while (!STATE.compareAndSet(this, 0, 1));
    }

    /** Models spin_unlock(): a release store. Only the holder may call it. */
    void unlock() {
        if (enabled) {
            STATE.setRelease(this, 0);
        }
    }
}
