package dev.p2pdma.iommu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Models {@code struct iova_cpu_rcache}: one CPU's {@code loaded} and {@code prev} magazines of one
 * size class, with the spinlock that guards them kept in the same object (one dependent load less
 * on the hot path than a separate lock object; the lock is the test-and-set of {@link IovaSpinLock}).
 * The rules of insert and get are those of {@link IovaRcache}, which owns the class's depot.
 *
 * <p>Invariants: both magazines non-null; {@code lockState} is 1 exactly while one thread holds
 * the lock. Thread-safety: the magazines are read and written only under the lock; lock order is
 * this lock, then the depot lock, then the domain's tree lock.
 */
final class IovaCpuRcache {

    /** Handle on {@link #lockState}. */
    private static final VarHandle LOCK;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(IovaCpuRcache.class, "lockState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 0 when free, 1 when held. */
    @SuppressWarnings("unused")
    private volatile int lockState;
    /** The size class's depot. */
    private final IovaRcache rcache;
    /** False in the no-lock build ({@link IovaLocking#NONE}): lock and unlock do nothing. */
    private final boolean locking;
    /** The magazine pushed to and popped from. */
    private IovaMagazine loaded = new IovaMagazine();
    /** The spare magazine swapped with {@code loaded}. */
    private IovaMagazine prev = new IovaMagazine();

    /** Two empty magazines for one CPU of {@code rcache}'s size class, its lock built as {@code locking} says. */
    IovaCpuRcache(IovaRcache rcache, IovaLocking locking) {
        this.rcache = rcache;
        this.locking = locking == IovaLocking.SPINLOCK;
    }

    /** Models spin_lock() on this CPU's rcache lock. */
    private void lock() {
        if (locking && !LOCK.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    /** Spins, then yields, until the lock is taken. */
    private void lockContended() {
        int spins = 0;
        do {
            while ((int) LOCK.getOpaque(this) != 0) {
                if (++spins < 100) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        } while (!LOCK.compareAndSet(this, 0, 1));
    }

    /** Models spin_unlock(): a release store. */
    private void unlock() {
        if (locking) {
            LOCK.setRelease(this, 0);
        }
    }

    /**
     * Models __iova_rcache_insert(): pushes {@code pfn} onto {@code loaded}; a full one is swapped
     * with a non-full {@code prev}, or else goes onto the depot (scheduling the depot work) and a
     * fresh magazine is loaded. A fresh magazine cannot fail to be allocated here.
     */
    void insert(long pfn) {
        lock();
        try {
            IovaMagazine m = loaded;
            if (m.size == IovaDomain.IOVA_MAG_SIZE) {
                m = full(m);
            }
            m.pfns[m.size++] = pfn;
        } finally {
            unlock();
        }
    }

    /** The magazine to push onto when {@code loaded} (given) is full; the caller holds the lock. */
    private IovaMagazine full(IovaMagazine full) {
        if (!prev.isFull()) {
            loaded = prev;
            prev = full;
        } else {
            rcache.depotPushScheduling(full);
            loaded = new IovaMagazine();
        }
        return loaded;
    }

    /**
     * Models __iova_rcache_get(): a pfn at most {@code limitPfn} from {@code loaded}, after
     * swapping in a non-empty {@code prev} or a depot magazine when it is empty.
     *
     * @return the pfn, or 0 on a miss
     */
    long get(long limitPfn) {
        lock();
        try {
            IovaMagazine m = loaded;
            if (m.size == 0) {
                m = empty(m);
                if (m == null) {
                    return 0;
                }
            }
            return m.pop(limitPfn);
        } finally {
            unlock();
        }
    }

    /** The magazine to pop from when {@code loaded} (given) is empty, or null; the caller holds the lock. */
    private IovaMagazine empty(IovaMagazine empty) {
        if (!prev.isEmpty()) {
            loaded = prev;
            prev = empty;
            return loaded;
        }
        IovaMagazine fromDepot = rcache.depotPopOrNull();
        if (fromDepot != null) {
            loaded = fromDepot;
        }
        return fromDepot;
    }

    /** Models the per-class part of free_cpu_cached_iovas(): frees both magazines' pfns into the tree. */
    void freeCached(IovaDomain domain) {
        lock();
        try {
            domain.freeMagazinePfns(loaded);
            domain.freeMagazinePfns(prev);
        } finally {
            unlock();
        }
    }

    /** Drops both magazines' pfns without freeing them (free_iova_rcaches()). */
    void discard() {
        lock();
        try {
            loaded = new IovaMagazine();
            prev = new IovaMagazine();
        } finally {
            unlock();
        }
    }

    /** Calls {@code visitor} with every pfn in both magazines, under the lock. */
    void forEachCachedPfn(java.util.function.LongConsumer visitor) {
        lock();
        try {
            for (int i = 0; i < loaded.size; i++) {
                visitor.accept(loaded.pfns[i]);
            }
            for (int i = 0; i < prev.size; i++) {
                visitor.accept(prev.pfns[i]);
            }
        } finally {
            unlock();
        }
    }
}
