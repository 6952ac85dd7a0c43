package dev.p2pdma.iommu;

/**
 * Models {@code struct iova_rcache} of Linux 6.12 (spec 5.5): the range cache of one size class
 * ({@code 2^k} pages, k = 0..5), with a {@code loaded} and a {@code prev} magazine per CPU and a
 * depot of full magazines kept as a LIFO list.
 *
 * <p>Rules: insert pushes onto {@code loaded}; when it is full, {@code prev} is swapped in if not
 * full; when both are full, the full {@code loaded} goes onto the depot, the depot work is
 * scheduled, and a fresh magazine becomes {@code loaded}. Get pops from {@code loaded}; when it is
 * empty, a non-empty {@code prev} is swapped in, else a depot magazine replaces it; the pop scans
 * down from the top for a pfn within the limit. The depot work, run every IOVA_DEPOT_DELAY while
 * scheduled, frees one depot magazine into the tree when the depot holds more magazines than
 * there are CPUs, and then schedules itself again.
 *
 * <p>Invariants: every per-CPU {@code loaded} and {@code prev} is non-null; every depot magazine is
 * full; {@code depotSize} is the length of the depot list. Thread-safety: each CPU's pair is
 * guarded by its own {@link IovaSpinLock}; the depot, its size and the work flag by the depot lock.
 * Lock order: a CPU lock, then the depot lock, then the domain's tree lock.
 */
final class IovaRcache {

    /**
     * Models {@code struct iova_cpu_rcache}: one CPU's magazines of this size class.
     *
     * <p>Invariant: both magazines non-null. Thread-safety: fields only under {@link #lock}.
     */
    static final class CpuRcache {
        /** Guards the two magazines. */
        final IovaSpinLock lock = new IovaSpinLock();
        /** The magazine pushed to and popped from. */
        IovaMagazine loaded = new IovaMagazine();
        /** The spare magazine swapped with {@code loaded}. */
        IovaMagazine prev = new IovaMagazine();
    }

    /** Guards the depot, its size and the work flag. */
    private final IovaSpinLock depotLock = new IovaSpinLock();
    /** The per-CPU magazines, indexed by CPU slot. */
    private final CpuRcache[] cpuRcaches;
    /** The number of online CPUs the depot keeps one magazine each for. */
    private final int onlineCpus;
    /** The top of the depot's LIFO list of full magazines, or null. */
    private IovaMagazine depot;
    /** The number of magazines in the depot. */
    private int depotSize;
    /** Whether the delayed depot work is scheduled (schedule_delayed_work() on pending work is a no-op). */
    private boolean workScheduled;

    /**
     * Models the per-class part of iova_domain_init_rcaches(): two empty magazines per CPU. Each
     * CPU's record is allocated right before its two 1 KiB magazines, which keeps the records of
     * different CPUs (and their locks) on different cache lines.
     */
    IovaRcache(int cpus) {
        this.onlineCpus = cpus;
        this.cpuRcaches = new CpuRcache[cpus];
        for (int c = 0; c < cpus; c++) {
            cpuRcaches[c] = new CpuRcache();
        }
    }

    /** One CPU's magazines. */
    CpuRcache cpu(int cpu) {
        return cpuRcaches[cpu];
    }

    /**
     * Models __iova_rcache_insert(): caches {@code pfn} in this CPU's magazines.
     *
     * @return always true: a fresh magazine cannot fail to be allocated here, unlike GFP_ATOMIC
     */
    boolean insert(int cpu, long pfn) {
        CpuRcache c = cpuRcaches[cpu];
        c.lock.lock();
        try {
            IovaMagazine loaded = c.loaded;
            if (loaded.isFull()) {
                if (!c.prev.isFull()) {
                    c.loaded = c.prev;
                    c.prev = loaded;
                } else {
                    IovaMagazine fresh = new IovaMagazine();
                    depotLock.lock();
                    try {
                        depotPush(loaded);
                        workScheduled = true;
                    } finally {
                        depotLock.unlock();
                    }
                    c.loaded = fresh;
                }
            }
            c.loaded.push(pfn);
            return true;
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * Models __iova_rcache_get(): a cached pfn at most {@code limitPfn} from this CPU's magazines
     * (or a depot magazine), or 0.
     */
    long get(int cpu, long limitPfn) {
        CpuRcache c = cpuRcaches[cpu];
        c.lock.lock();
        try {
            IovaMagazine loaded = c.loaded;
            if (loaded.isEmpty()) {
                IovaMagazine prev = c.prev;
                if (!prev.isEmpty()) {
                    c.loaded = prev;
                    c.prev = loaded;
                    loaded = prev;
                } else {
                    depotLock.lock();
                    try {
                        if (depot == null) {
                            return 0;
                        }
                        loaded = depotPop();
                        c.loaded = loaded;
                    } finally {
                        depotLock.unlock();
                    }
                }
            }
            return loaded.pop(limitPfn);
        } finally {
            c.lock.unlock();
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

    /** Models the per-class part of free_cpu_cached_iovas(): frees one CPU's cached pfns into the tree. */
    void freeCpuCached(int cpu, IovaDomain domain) {
        CpuRcache c = cpuRcaches[cpu];
        c.lock.lock();
        try {
            domain.freeMagazinePfns(c.loaded);
            domain.freeMagazinePfns(c.prev);
        } finally {
            c.lock.unlock();
        }
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

    /** Models the per-class part of free_iova_rcaches(): drops every magazine without freeing its pfns, cancels the work. */
    void discard() {
        for (CpuRcache c : cpuRcaches) {
            c.lock.lock();
            try {
                c.loaded = new IovaMagazine();
                c.prev = new IovaMagazine();
            } finally {
                c.lock.unlock();
            }
        }
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

    /** Calls {@code visitor} with every cached pfn, per CPU then the depot, each lock held in turn. */
    void forEachCachedPfn(java.util.function.LongConsumer visitor) {
        for (CpuRcache c : cpuRcaches) {
            c.lock.lock();
            try {
                visit(c.loaded, visitor);
                visit(c.prev, visitor);
            } finally {
                c.lock.unlock();
            }
        }
        depotLock.lock();
        try {
            for (IovaMagazine m = depot; m != null; m = m.next) {
                visit(m, visitor);
            }
        } finally {
            depotLock.unlock();
        }
    }

    /** Calls {@code visitor} with each pfn of one magazine. */
    private static void visit(IovaMagazine m, java.util.function.LongConsumer visitor) {
        for (int i = 0; i < m.size; i++) {
            visitor.accept(m.pfns[i]);
        }
    }
}
