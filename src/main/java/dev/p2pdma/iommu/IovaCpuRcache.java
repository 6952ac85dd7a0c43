package dev.p2pdma.iommu;

/**
 * Models {@code struct iova_cpu_rcache}: one CPU's {@code loaded} and {@code prev} magazines of one
 * size class, and the {@link IovaSpinLock} that guards them. The rules of insert and get are those
 * of {@link IovaRcache}, which owns the class's depot.
 *
 * <p>Invariant: both magazines non-null. Thread-safety: the magazines are read and written only
 * under the lock; lock order is this lock, then the depot lock, then the domain's tree lock.
 */
final class IovaCpuRcache {

    /** Guards both magazines (a no-op in the no-lock build). */
    private final IovaSpinLock lock;
    /** The size class's depot. */
    private final IovaRcache rcache;
    /** The magazine pushed to and popped from. */
    private IovaMagazine loaded = new IovaMagazine();
    /** The spare magazine swapped with {@code loaded}. */
    private IovaMagazine prev = new IovaMagazine();

    /** Two empty magazines for one CPU of {@code rcache}'s size class, its lock built as {@code locking} says. */
    IovaCpuRcache(IovaRcache rcache, IovaLocking locking) {
        this.rcache = rcache;
        this.lock = new IovaSpinLock(locking);
    }

    /**
     * Models __iova_rcache_insert(): pushes {@code pfn} onto {@code loaded}; a full one is swapped
     * with a non-full {@code prev}, or else goes onto the depot (scheduling the depot work) and a
     * fresh magazine is loaded. A fresh magazine cannot fail to be allocated here.
     */
    void insert(long pfn) {
        lock.lock();
        try {
            IovaMagazine m = loaded;
            if (m.size == IovaDomain.IOVA_MAG_SIZE) {
                m = full(m);
            }
            m.pfns[m.size++] = pfn;
        } finally {
            lock.unlock();
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
        lock.lock();
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
            lock.unlock();
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
        lock.lock();
        try {
            domain.freeMagazinePfns(loaded);
            domain.freeMagazinePfns(prev);
        } finally {
            lock.unlock();
        }
    }

    /** Drops both magazines' pfns without freeing them (free_iova_rcaches()). */
    void discard() {
        lock.lock();
        try {
            loaded = new IovaMagazine();
            prev = new IovaMagazine();
        } finally {
            lock.unlock();
        }
    }

    /** Calls {@code visitor} with every pfn in both magazines, under the lock. */
    void forEachCachedPfn(java.util.function.LongConsumer visitor) {
        lock.lock();
        try {
            for (int i = 0; i < loaded.size; i++) {
                visitor.accept(loaded.pfns[i]);
            }
            for (int i = 0; i < prev.size; i++) {
                visitor.accept(prev.pfns[i]);
            }
        } finally {
            lock.unlock();
        }
    }
}
