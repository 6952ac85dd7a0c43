package dev.p2pdma.iommu;

/**
 * Models {@code struct iova_rcache} of Linux 6.12 (spec 5.5): the range cache of one size class
 * ({@code 2^k} pages, k = 0..5): a {@link IovaCpuRcache} ({@code loaded} and {@code prev}
 * magazines) per CPU, which the domain keeps in one flat array for the hot path, and the depot of
 * full magazines kept as a LIFO list, which this class holds.
 *
 * <p>Rules: insert pushes onto {@code loaded}; when it is full, {@code prev} is swapped in if not
 * full; when both are full, the full {@code loaded} goes onto the depot, the depot work is
 * scheduled, and a fresh magazine becomes {@code loaded}. Get pops from {@code loaded}; when it is
 * empty, a non-empty {@code prev} is swapped in, else a depot magazine replaces it; the pop scans
 * down from the top for a pfn within the limit. The depot work, run every IOVA_DEPOT_DELAY while
 * scheduled, frees one depot magazine into the tree when the depot holds more magazines than
 * there are CPUs, and then schedules itself again.
 *
 * <p>Invariants: every depot magazine is full; {@code depotSize} is the length of the depot list.
 * Thread-safety: the depot, its size and the work flag are guarded by the depot lock; each CPU's
 * magazines by that CPU's lock. Lock order: a CPU lock, then the depot lock, then the domain's
 * tree lock.
 */
final class IovaRcache {

    /** Guards the depot, its size and the work flag. */
    private final IovaSpinLock depotLock;
    /** The number of online CPUs the depot keeps one magazine each for. */
    private final int onlineCpus;
    /** The top of the depot's LIFO list of full magazines, or null. */
    private IovaMagazine depot;
    /** The number of magazines in the depot. */
    private int depotSize;
    /** Whether the delayed depot work is scheduled (schedule_delayed_work() on pending work is a no-op). */
    private boolean workScheduled;

    /** An empty depot for {@code cpus} online CPUs, its lock built as {@code locking} says. */
    IovaRcache(int cpus, IovaLocking locking) {
        this.onlineCpus = cpus;
        this.depotLock = new IovaSpinLock(locking);
    }

    /** Models iova_depot_push() followed by schedule_delayed_work(): a full magazine onto the depot. */
    void depotPushScheduling(IovaMagazine mag) {
        depotLock.lock();
        try {
            depotPush(mag);
            workScheduled = true;
        } finally {
            depotLock.unlock();
        }
    }

    /** Models the depot branch of __iova_rcache_get(): the newest depot magazine, or null. */
    IovaMagazine depotPopOrNull() {
        depotLock.lock();
        try {
            return depot == null ? null : depotPop();
        } finally {
            depotLock.unlock();
        }
    }

    /** Models iova_depot_push(): the caller holds the depot lock. */
    private void depotPush(IovaMagazine mag) {
        mag.next = depot;
        depot = mag;
        depotSize++;
    }

    /** Models iova_depot_pop(): the caller holds the depot lock and the depot is not empty. */
    private IovaMagazine depotPop() {
        IovaMagazine mag = depot;
        depot = mag.next;
        mag.next = null;
        mag.size = IovaDomain.IOVA_MAG_SIZE;
        depotSize--;
        return mag;
    }

    /**
     * Models iova_depot_work_func() when its delay has passed: if the work is scheduled, it runs
     * once; when the depot holds more magazines than online CPUs, one is popped, its pfns freed
     * into the tree, and the work scheduled again.
     *
     * @return the number of magazines freed (0 or 1)
     */
    int runDepotWork(IovaDomain domain) {
        IovaMagazine mag = null;
        depotLock.lock();
        try {
            if (!workScheduled) {
                return 0;
            }
            workScheduled = false;
            if (depotSize > onlineCpus) {
                mag = depotPop();
            }
        } finally {
            depotLock.unlock();
        }
        if (mag == null) {
            return 0;
        }
        domain.freeMagazinePfns(mag);
        depotLock.lock();
        try {
            workScheduled = true;
        } finally {
            depotLock.unlock();
        }
        return 1;
    }

    /** Models the per-class part of free_global_cached_iovas(): frees every depot magazine into the tree. */
    void freeGlobalCached(IovaDomain domain) {
        depotLock.lock();
        try {
            while (depot != null) {
                domain.freeMagazinePfns(depotPop());
            }
        } finally {
            depotLock.unlock();
        }
    }

    /** Models the depot part of free_iova_rcaches(): drops the depot without freeing its pfns and cancels the work. */
    void discard() {
        depotLock.lock();
        try {
            depot = null;
            depotSize = 0;
            workScheduled = false;
        } finally {
            depotLock.unlock();
        }
    }

    /** The number of magazines in the depot. */
    int depotSize() {
        depotLock.lock();
        try {
            return depotSize;
        } finally {
            depotLock.unlock();
        }
    }

    /** Whether the depot work is scheduled. */
    boolean workScheduled() {
        depotLock.lock();
        try {
            return workScheduled;
        } finally {
            depotLock.unlock();
        }
    }

    /** Calls {@code visitor} with every pfn in the depot, under the depot lock. */
    void forEachDepotPfn(java.util.function.LongConsumer visitor) {
        depotLock.lock();
        try {
            for (IovaMagazine m = depot; m != null; m = m.next) {
                for (int i = 0; i < m.size; i++) {
                    visitor.accept(m.pfns[i]);
                }
            }
        } finally {
            depotLock.unlock();
        }
    }
}
