package dev.p2pdma.iommu;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Models {@code struct iova_domain} of Linux 6.12 ({@code drivers/iommu/iova.c}; spec 5.1, 5.4,
 * 5.5): the IOVA allocator of one IOMMU domain. Ranges are kept in a red-black tree ordered by
 * {@code pfnLo}, above which sits an anchor node at pfn {@code ~0}. Allocation is top-down: the
 * search starts at a cached node ({@code cached32Node} for limits up to {@link #dma32BitPfn()},
 * else {@code cachedNode}), walks predecessors until a gap below the current high mark holds the
 * request (naturally aligned to the next power of two when asked), and when it reaches
 * {@link #startPfn()} without success retries once between the cached node and the limit. The
 * fast API puts a per-CPU range cache (rcache: magazines of 127 pfns and a depot, per size class
 * 1..32 pages) in front of the tree.
 *
 * <p>Invariants (whenever no call is in flight): no two ranges in the tree overlap; the anchor is
 * always in the tree and never handed out or freed; {@code cachedNode} and {@code cached32Node}
 * are nodes of the tree; {@code max32AllocSize} is the size of the last failed allocation below a
 * 32-bit limit since something below 4 GiB was freed, or {@code dma32BitPfn}; {@code nodeCount} is
 * the number of tree nodes including the anchor; {@code treeAllocatedPfns} is the sum of the sizes
 * of non-reserved tree ranges (rcache-parked ones included); every pfn in an rcache is the start
 * of a non-reserved tree range. All pfn arithmetic and comparisons are unsigned, as the kernel's
 * {@code unsigned long}.
 *
 * <p>Thread-safety: thread-safe, with the kernel's locking (the default {@link IovaLocking#SPINLOCK}
 * build; the {@link IovaLocking#NONE} build of the benchmarks has no locks and is for one thread
 * only). The tree, the cached nodes, the
 * counters and {@code max32AllocSize} are guarded by one tree lock (an {@link IovaSpinLock}, like
 * {@code iova_rbtree_lock}); each per-CPU rcache by its own spinlock, each depot by one more. CPUs
 * are modelled as a fixed number of slots (the constructor's {@code cpus}, by default
 * {@link Runtime#availableProcessors()}); a thread uses the slot chosen by a multiplicative hash of
 * its thread id, so a slot may be shared by several threads (its lock makes that safe; a
 * kernel CPU is never shared because preemption is off). {@link #initRcaches()} must happen
 * before the fast API is used from other threads (publish the domain after it).
 *
 * <p>The depot trimming work (IOVA_DEPOT_DELAY = 100 ms in the kernel) is explicit: each
 * {@link #runDepotWork()} is one expiry of the delay for every size class whose work is
 * scheduled. Nothing runs it by itself; a caller wanting wall-clock behaviour runs it every
 * {@link #IOVA_DEPOT_DELAY_MS} on its own executor.
 *
 * <p>Departures from the kernel, all where the kernel would corrupt memory or crash: freeing the
 * anchor, or a range not in the tree, is a no-op; the fast API on a domain without rcaches goes
 * straight to the tree; allocation sizes of 0 fail. A magazine allocation never fails.
 */
public final class IovaDomain {

    /** Number of rcache size classes: sizes 1, 2, 4, ..., 32 pages (log2 0..5). */
    public static final int IOVA_RANGE_CACHE_MAX_SIZE = 6;
    /** Pfns per magazine (a 1 KiB magazine in the kernel). */
    public static final int IOVA_MAG_SIZE = 127;
    /** The delay of the depot trimming work, milliseconds. */
    public static final long IOVA_DEPOT_DELAY_MS = 100;
    /** Sizes below this are rounded up to a power of two by the fast API (1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1)). */
    private static final long FAST_ROUNDUP_BELOW = 1L << (IOVA_RANGE_CACHE_MAX_SIZE - 1);
    /** The anchor's pfn, ~0UL. */
    private static final long IOVA_ANCHOR = -1L;
    /** ULLONG_MAX; shifted right by the granule's shift it bounds the pfns reserve_iova() accepts. */
    private static final long ULLONG_MAX = -1L;
    /** The CPU page size, the largest granule the kernel accepts. */
    private static final long PAGE_SIZE = 4096;

    /** The IOVA granule in bytes (the IOMMU's smallest page). */
    private final long granuleBytes;
    /** log2 of the granule. */
    private final int shift;
    /** The lowest pfn handed out. */
    private final long startPfn;
    /** The first pfn at or above 4 GiB. */
    private final long dma32BitPfn;
    /** The number of CPU slots of the rcaches ("online CPUs"). */
    private final int cpus;
    /** Guards the tree, the cached nodes, max32AllocSize and the counters below. */
    private final IovaSpinLock treeLock;
    /** The build: real spinlocks (thread-safe) or none (one thread only). */
    private final IovaLocking locking;
    /** The ranges. */
    private final IovaRbTree tree = new IovaRbTree();
    /** The anchor node at pfn ~0. */
    private final IovaNode anchor = new IovaNode(IOVA_ANCHOR, IOVA_ANCHOR, true);
    /** Where a search with a limit above 4 GiB starts. */
    private IovaNode cachedNode;
    /** Where a search with a limit at or below 4 GiB starts. */
    private IovaNode cached32Node;
    /** Size of the last failed allocation (32-bit fast fail), or dma32BitPfn. */
    private long max32AllocSize;
    /** Tree nodes, anchor included. */
    private int nodeCount;
    /** Pfns in non-reserved tree ranges, rcache-parked ones included. */
    private long treeAllocatedPfns;
    /** The node most recently allocated, so freeing it by value needs no search; may be stale. */
    private IovaNode lastAllocated;
    /** The range caches' depots, one per size class; null until {@link #initRcaches()}. */
    private volatile IovaRcache[] rcaches;
    /**
     * The per-CPU caches, flat: slot {@code cpu * IOVA_RANGE_CACHE_MAX_SIZE + log2Size}; null until
     * {@link #initRcaches()}. Set after {@link #rcaches}, and read first by the fast path.
     */
    private volatile IovaCpuRcache[] cpuRcaches;

    /**
     * Models init_iova_domain() with one CPU slot per available processor.
     *
     * @throws IllegalArgumentException when the granule is not a power of two or exceeds 4096 (the kernel BUG()s)
     */
    public IovaDomain(long granuleBytes, long startPfn) {
        this(granuleBytes, startPfn, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Models init_iova_domain(): an empty tree holding only the anchor, both cached nodes at the
     * anchor, {@code dma32BitPfn = 1 << (32 - shift)}, {@code max32AllocSize = dma32BitPfn}; the
     * rcaches, set up later, will have {@code cpus} CPU slots.
     *
     * @throws IllegalArgumentException when the granule is not a power of two or exceeds 4096 (the
     *                                  kernel BUG()s), or {@code cpus < 1}
     */
    public IovaDomain(long granuleBytes, long startPfn, int cpus) {
        this(granuleBytes, startPfn, cpus, IovaLocking.SPINLOCK);
    }

    /**
     * Models init_iova_domain() in one of the workloads' two builds: {@link IovaLocking#NONE} makes
     * every spinlock a no-op, for single-threaded benchmarks against the kernel's no-lock build (the
     * domain is then NOT thread-safe).
     *
     * @throws IllegalArgumentException as {@link #IovaDomain(long, long, int)}
     */
    public IovaDomain(long granuleBytes, long startPfn, int cpus, IovaLocking locking) {
        if (granuleBytes <= 0 || granuleBytes > PAGE_SIZE || Long.bitCount(granuleBytes) != 1) {
            throw new IllegalArgumentException("IOVA granule must be a power of two up to 4096 bytes: " + granuleBytes);
        }
        if (cpus < 1) {
            throw new IllegalArgumentException("IOVA domain needs at least one CPU: " + cpus);
        }
        this.granuleBytes = granuleBytes;
        this.shift = Long.numberOfTrailingZeros(granuleBytes);
        this.startPfn = startPfn;
        this.dma32BitPfn = 1L << (32 - shift);
        this.cpus = cpus;
        this.locking = java.util.Objects.requireNonNull(locking, "locking");
        this.treeLock = new IovaSpinLock(locking);
        resetTree();
    }

    /** Empties the tree down to the anchor and resets the caches; the caller holds the tree lock or owns the domain. */
    private void resetTree() {
        tree.clear();
        tree.insert(anchor);
        cachedNode = anchor;
        cached32Node = anchor;
        max32AllocSize = dma32BitPfn;
        nodeCount = 1;
        treeAllocatedPfns = 0;
        lastAllocated = null;
    }

    /**
     * Models iova_domain_init_rcaches(): one range cache per size class with two empty magazines
     * per CPU slot. Calling it again drops the old caches' magazines without freeing their ranges,
     * as a second kernel call would leak them.
     */
    public void initRcaches() {
        IovaRcache[] rc = new IovaRcache[IOVA_RANGE_CACHE_MAX_SIZE];
        for (int i = 0; i < rc.length; i++) {
            rc[i] = new IovaRcache(cpus, locking);
        }
        // each CPU's records are allocated next to their own 1 KiB magazines, which keeps the
        // locks of different CPUs on different cache lines
        IovaCpuRcache[] cpu = new IovaCpuRcache[cpus * IOVA_RANGE_CACHE_MAX_SIZE];
        for (int i = 0; i < cpu.length; i++) {
            cpu[i] = new IovaCpuRcache(rc[i % IOVA_RANGE_CACHE_MAX_SIZE], locking);
        }
        rcaches = rc;
        cpuRcaches = cpu;
    }

    /** The granule in bytes. */
    public long granuleBytes() {
        return granuleBytes;
    }

    /** Models iova_shift(): log2 of the granule. */
    public int shift() {
        return shift;
    }

    /** The lowest pfn the domain hands out. */
    public long startPfn() {
        return startPfn;
    }

    /** The first pfn at 4 GiB: {@code 1 << (32 - shift)}. */
    public long dma32BitPfn() {
        return dma32BitPfn;
    }

    /** The build: real spinlocks, or none (one thread only). */
    public IovaLocking locking() {
        return locking;
    }

    /** The number of CPU slots of the rcaches. */
    public int cpus() {
        return cpus;
    }

    /** Models iova_mask(): {@code granule - 1}. */
    public long mask() {
        return granuleBytes - 1;
    }

    /** Models iova_offset(): the offset of a DMA address within its granule. */
    public long iovaOffset(long dmaAddr) {
        return dmaAddr & (granuleBytes - 1);
    }

    /** Models iova_align(): {@code sizeBytes} rounded up to the granule (unsigned, wrapping as size_t does). */
    public long iovaAlign(long sizeBytes) {
        return (sizeBytes + granuleBytes - 1) & -granuleBytes;
    }

    /** Models iova_align_down(): {@code sizeBytes} rounded down to the granule. */
    public long iovaAlignDown(long sizeBytes) {
        return sizeBytes & -granuleBytes;
    }

    /** Models iova_dma_addr(): the DMA address of a range's first pfn. */
    public long iovaDmaAddr(Iova iova) {
        return iova.pfnLo() << shift;
    }

    /** Models iova_pfn(): the pfn of a DMA address. */
    public long iovaPfn(long dmaAddr) {
        return dmaAddr >>> shift;
    }

    /** Models iova_rcache_range(): the largest size the rcaches serve, {@code PAGE_SIZE << 5} = 128 KiB. */
    public static long iovaRcacheRangeBytes() {
        return PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1);
    }

    /** Whether {@link #initRcaches()} has been called. */
    public boolean hasRcaches() {
        return cpuRcaches != null;
    }

    // ---------------------------------------------------------------- the tree

    /**
     * Models alloc_iova(): a range of {@code sizePfns} pfns ending at or below {@code limitPfn},
     * top-down from the cached node, with {@code pfnLo} a multiple of the size rounded up to a power
     * of two when {@code sizeAligned}.
     *
     * @return the range, or empty when none fits (or {@code sizePfns <= 0})
     */
    public Optional<Iova> allocIova(long sizePfns, long limitPfn, boolean sizeAligned) {
        if (sizePfns <= 0) {
            return Optional.empty();
        }
        treeLock.lock();
        try {
            IovaNode n = insertRange(sizePfns, limitPfn + 1, sizeAligned);
            return n == null ? Optional.empty() : Optional.of(new Iova(n.pfnLo, n.pfnHi));
        } finally {
            treeLock.unlock();
        }
    }

    /** alloc_iova() for the fast path: the new range's pfnLo, or 0 when none fits. */
    private long allocIovaPfn(long sizePfns, long limitPfn) {
        treeLock.lock();
        try {
            IovaNode n = insertRange(sizePfns, limitPfn + 1, true);
            return n == null ? 0 : n.pfnLo;
        } finally {
            treeLock.unlock();
        }
    }

    /**
     * Models __alloc_and_insert_iova_range() (spec 5.4): the search, the insertion starting from
     * the node above the gap, and the cached-node update. The caller holds the tree lock.
     *
     * @param limitPfn the exclusive limit ({@code limit_pfn + 1} of alloc_iova())
     * @return the new node, or null (and {@code max32AllocSize} set to the size) when none fits
     */
    private IovaNode insertRange(long size, long limitPfn, boolean sizeAligned) {
        long alignMask = sizeAligned ? -1L << (64 - Long.numberOfLeadingZeros(size - 1)) : -1L;
        boolean limit32 = Long.compareUnsigned(limitPfn, dma32BitPfn) <= 0;
        if (limit32 && Long.compareUnsigned(size, max32AllocSize) >= 0) {
            return null;
        }
        IovaNode curr = limit32 ? cached32Node : cachedNode;
        long retryPfn = curr.pfnHi;
        long highPfn = limitPfn;
        long lowPfn = startPfn;
        long newPfn;
        IovaNode prev;
        while (true) {
            do {
                if (Long.compareUnsigned(curr.pfnLo, highPfn) < 0) {
                    highPfn = curr.pfnLo;
                }
                newPfn = (highPfn - size) & alignMask;
                prev = curr;
                curr = IovaRbTree.prev(curr);
            } while (curr != null && Long.compareUnsigned(newPfn, curr.pfnHi) <= 0
                    && Long.compareUnsigned(newPfn, lowPfn) >= 0);
            if (Long.compareUnsigned(highPfn, size) < 0 || Long.compareUnsigned(newPfn, lowPfn) < 0) {
                if (lowPfn == startPfn && Long.compareUnsigned(retryPfn, limitPfn) < 0) {
                    highPfn = limitPfn;
                    lowPfn = retryPfn + 1;
                    curr = findLimit(limitPfn);
                    continue;
                }
                max32AllocSize = size;
                return null;
            }
            break;
        }
        IovaNode node = new IovaNode(newPfn, newPfn + size - 1, false);
        tree.insertBetween(node, curr, prev);
        nodeCount++;
        treeAllocatedPfns += size;
        lastAllocated = node;
        if (Long.compareUnsigned(node.pfnHi, dma32BitPfn) < 0) {
            cached32Node = node;
        } else {
            cachedNode = node;
        }
        return node;
    }

    /**
     * Models iova_find_limit(): where the retry pass starts. The anchor for limits above 4 GiB
     * (the kernel's shortcut), else the tree walk of {@link IovaRbTree#findLimit}.
     */
    private IovaNode findLimit(long limitPfn) {
        if (Long.compareUnsigned(limitPfn, dma32BitPfn) > 0) {
            return anchor;
        }
        return tree.findLimit(limitPfn);
    }

    /**
     * Models remove_iova() (with __cached_rbnode_delete_update()): moves the cached nodes off the
     * node (to its successor) when the spec 5.4 free rules say so, resets {@code max32AllocSize}
     * for a range below 4 GiB, and erases the node. The caller holds the tree lock.
     */
    private void removeNode(IovaNode free) {
        IovaNode c32 = cached32Node;
        if (free == c32 || Long.compareUnsigned(free.pfnHi, dma32BitPfn) < 0
                && Long.compareUnsigned(free.pfnLo, c32.pfnLo) >= 0) {
            cached32Node = IovaRbTree.next(free);
        }
        if (Long.compareUnsigned(free.pfnLo, dma32BitPfn) < 0) {
            max32AllocSize = dma32BitPfn;
        }
        if (Long.compareUnsigned(free.pfnLo, cachedNode.pfnLo) >= 0) {
            cachedNode = IovaRbTree.next(free);
        }
        tree.erase(free);
        nodeCount--;
        if (!free.reserved) {
            treeAllocatedPfns -= free.sizePfns();
        }
        if (free == lastAllocated) {
            lastAllocated = null;
        }
    }

    /**
     * Models find_iova(): the range holding {@code pfn}.
     *
     * @return the range, or empty when no range holds it (the anchor is not reported)
     */
    public Optional<Iova> findIova(long pfn) {
        treeLock.lock();
        try {
            IovaNode n = tree.find(pfn);
            return n == null || n == anchor ? Optional.empty() : Optional.of(n.toIova());
        } finally {
            treeLock.unlock();
        }
    }

    /**
     * Models __free_iova(): frees the range {@code iova} (as returned by {@link #allocIova} or
     * {@link #reserveIova}). The value carries no node pointer, so the node is found by value: at
     * once when it is the most recently allocated range, else by a search from the root. A range
     * not in the tree (already freed, or never allocated) is ignored.
     */
    public void freeIova(Iova iova) {
        treeLock.lock();
        try {
            IovaNode n = lastAllocated;
            if (n == null || n.pfnLo != iova.pfnLo()) {
                n = tree.find(iova.pfnLo());
            }
            if (n != null && n != anchor && n.pfnLo == iova.pfnLo() && n.pfnHi == iova.pfnHi()) {
                removeNode(n);
            }
        } finally {
            treeLock.unlock();
        }
    }

    /** Models free_iova(): frees the range holding {@code pfn}; a no-op if none holds it (or it is the anchor). */
    public void freeIova(long pfn) {
        treeLock.lock();
        try {
            IovaNode n = tree.find(pfn);
            if (n != null && n != anchor) {
                removeNode(n);
            }
        } finally {
            treeLock.unlock();
        }
    }

    /**
     * Models reserve_iova(): keeps {@code [pfnLo, pfnHi]} from ever being allocated. Walking the
     * ranges in order, an overlapping range is widened down to {@code pfnLo} and the request
     * shrunk to what lies above it; the first overlapping range that then covers the rest is
     * returned, otherwise the remainder is inserted as a new reserved range after the last
     * overlap.
     *
     * @return the range that covers (the rest of) the request, or empty when {@code pfnHi < pfnLo}
     *         or a pfn exceeds {@code ~0 >> shift} (the kernel warns and returns NULL)
     */
    public Optional<Iova> reserveIova(long pfnLo, long pfnHi) {
        long maxPfn = ULLONG_MAX >>> shift;
        if (Long.compareUnsigned(pfnHi | pfnLo, maxPfn) > 0 || Long.compareUnsigned(pfnHi, pfnLo) < 0) {
            return Optional.empty();
        }
        treeLock.lock();
        try {
            long lo = pfnLo;
            boolean overlap = false;
            for (IovaNode n = tree.first(); n != null; n = IovaRbTree.next(n)) {
                if (Long.compareUnsigned(lo, n.pfnHi) <= 0 && Long.compareUnsigned(pfnHi, n.pfnLo) >= 0) {
                    if (Long.compareUnsigned(lo, n.pfnLo) < 0) {
                        if (!n.reserved) {
                            treeAllocatedPfns += n.pfnLo - lo;
                        }
                        n.pfnLo = lo;
                    }
                    if (Long.compareUnsigned(pfnHi, n.pfnHi) > 0) {
                        lo = n.pfnHi + 1;
                    }
                    if (Long.compareUnsigned(lo, n.pfnLo) >= 0 && Long.compareUnsigned(pfnHi, n.pfnHi) <= 0) {
                        return Optional.of(n.toIova());
                    }
                    overlap = true;
                } else if (overlap) {
                    break;
                }
            }
            IovaNode node = new IovaNode(lo, pfnHi, true);
            if (!tree.insert(node)) {
                return Optional.empty();
            }
            nodeCount++;
            return Optional.of(node.toIova());
        } finally {
            treeLock.unlock();
        }
    }

    // ---------------------------------------------------------------- the fast API

    /**
     * Models alloc_iova_fast(): sizes below 32 are rounded up to a power of two; the current
     * CPU's rcache is tried first (a cached range starting at most {@code limitPfn + 1 - size});
     * on a miss a size-aligned tree allocation; if that fails and {@code flushRcache}, every
     * CPU's and the depot's cached ranges are freed into the tree and the tree tried once more.
     *
     * @return the first pfn of the range, or 0 on failure (also for {@code sizePfns <= 0})
     */
    public long allocIovaFast(long sizePfns, long limitPfn, boolean flushRcache) {
        return allocIovaFast(currentCpu(), sizePfns, limitPfn, flushRcache);
    }

    /** {@link #allocIovaFast(long, long, boolean)} as if running on CPU slot {@code cpu} (tests). */
    long allocIovaFast(int cpu, long sizePfns, long limitPfn, boolean flushRcache) {
        if (sizePfns <= 0) {
            return 0;
        }
        long size = sizePfns < FAST_ROUNDUP_BELOW ? 1L << (64 - Long.numberOfLeadingZeros(sizePfns - 1)) : sizePfns;
        IovaCpuRcache[] rc = cpuRcaches;
        if (rc != null) {
            int log = orderBase2(size);
            if (log < IOVA_RANGE_CACHE_MAX_SIZE) {
                long pfn = rc[cpu * IOVA_RANGE_CACHE_MAX_SIZE + log].get(limitPfn + 1 - size);
                if (pfn != 0) {
                    return pfn;
                }
            }
        }
        boolean flush = flushRcache;
        while (true) {
            long pfn = allocIovaPfn(size, limitPfn);
            if (pfn != 0) {
                return pfn;
            }
            if (!flush) {
                return 0;
            }
            flush = false;
            flushRcaches();
        }
    }

    /**
     * Models free_iova_fast(): caches the range starting at {@code pfn} in the current CPU's
     * rcache of class {@code ceil(log2(sizePfns))}; sizes above 32 pages (or a domain without
     * rcaches) free it into the tree with free_iova().
     */
    public void freeIovaFast(long pfn, long sizePfns) {
        freeIovaFast(currentCpu(), pfn, sizePfns);
    }

    /** {@link #freeIovaFast(long, long)} as if running on CPU slot {@code cpu} (tests). */
    void freeIovaFast(int cpu, long pfn, long sizePfns) {
        IovaCpuRcache[] rc = cpuRcaches;
        if (rc != null) {
            int log = orderBase2(sizePfns);
            if (log < IOVA_RANGE_CACHE_MAX_SIZE) {
                rc[cpu * IOVA_RANGE_CACHE_MAX_SIZE + log].insert(pfn);
                return;
            }
        }
        freeIova(pfn);
    }

    /**
     * Models the flush of alloc_iova_fast() after a failed allocation: free_cpu_cached_iovas() for
     * every CPU, then free_global_cached_iovas(). Every cached range goes back to the tree.
     */
    public void flushRcaches() {
        IovaRcache[] rc = rcaches;
        if (rc == null) {
            return;
        }
        for (int c = 0; c < cpus; c++) {
            freeCpuCachedIovas(c);
        }
        for (IovaRcache r : rc) {
            r.freeGlobalCached(this);
        }
    }

    /**
     * Models free_cpu_cached_iovas() (what CPU hot-unplug does): frees the ranges cached in CPU
     * slot {@code cpu}'s magazines, every size class, into the tree.
     *
     * @throws IllegalArgumentException when {@code cpu} is not a slot of this domain
     */
    public void freeCpuCachedIovas(int cpu) {
        if (cpu < 0 || cpu >= cpus) {
            throw new IllegalArgumentException("no CPU slot " + cpu + " (domain has " + cpus + ")");
        }
        IovaCpuRcache[] rc = cpuRcaches;
        if (rc == null) {
            return;
        }
        for (int log = 0; log < IOVA_RANGE_CACHE_MAX_SIZE; log++) {
            rc[cpu * IOVA_RANGE_CACHE_MAX_SIZE + log].freeCached(this);
        }
    }

    /**
     * Models one expiry of IOVA_DEPOT_DELAY: runs iova_depot_work_func() once for every size class
     * whose depot work is scheduled.
     *
     * @return the number of depot magazines freed into the tree
     */
    public int runDepotWork() {
        IovaRcache[] rc = rcaches;
        if (rc == null) {
            return 0;
        }
        int freed = 0;
        for (IovaRcache r : rc) {
            freed += r.runDepotWork(this);
        }
        return freed;
    }

    /** Whether any size class has its depot work scheduled. */
    public boolean depotWorkScheduled() {
        IovaRcache[] rc = rcaches;
        if (rc == null) {
            return false;
        }
        for (IovaRcache r : rc) {
            if (r.workScheduled()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The number of full magazines in the depot of size class {@code log2Size} (0..5), 0 without rcaches.
     *
     * @throws IllegalArgumentException when the class is out of range
     */
    public int depotSize(int log2Size) {
        if (log2Size < 0 || log2Size >= IOVA_RANGE_CACHE_MAX_SIZE) {
            throw new IllegalArgumentException("rcache size class out of range 0..5: " + log2Size);
        }
        IovaRcache[] rc = rcaches;
        return rc == null ? 0 : rc[log2Size].depotSize();
    }

    /**
     * Models iova_magazine_free_pfns(): frees every pfn of a magazine into the tree (a pfn not in
     * the tree is skipped; the kernel warns) and empties it. Takes the tree lock.
     */
    void freeMagazinePfns(IovaMagazine mag) {
        treeLock.lock();
        try {
            for (int i = 0; i < mag.size; i++) {
                IovaNode n = tree.find(mag.pfns[i]);
                if (n != null && n != anchor) {
                    removeNode(n);
                }
            }
        } finally {
            treeLock.unlock();
        }
        mag.size = 0;
    }

    /**
     * Models put_iova_domain(): drops the rcaches (without freeing their ranges) and every range;
     * the domain is left as init_iova_domain() made it, without rcaches. As in the kernel, no
     * other call may run on the domain meanwhile.
     */
    public void putIovaDomain() {
        IovaRcache[] rc = rcaches;
        IovaCpuRcache[] cpu = cpuRcaches;
        if (rc != null && cpu != null) {
            cpuRcaches = null;
            rcaches = null;
            for (IovaCpuRcache c : cpu) {
                c.discard();
            }
            for (IovaRcache r : rc) {
                r.discard();
            }
        }
        treeLock.lock();
        try {
            resetTree();
        } finally {
            treeLock.unlock();
        }
    }

    // ---------------------------------------------------------------- inspection

    /** The number of nodes in the tree, the anchor included. */
    public int treeNodes() {
        treeLock.lock();
        try {
            return nodeCount;
        } finally {
            treeLock.unlock();
        }
    }

    /**
     * The pfns held by callers: those of every allocated (non-reserved) range in the tree, minus
     * those of the ranges parked in the rcaches (they stay in the tree, as in the kernel, but no
     * caller holds them). Exact when no call is in flight. After every range handed out has been
     * freed it is 0.
     */
    public long allocatedPfns() {
        long parked = rcachedPfns();
        treeLock.lock();
        try {
            return treeAllocatedPfns - parked;
        } finally {
            treeLock.unlock();
        }
    }

    /** The pfns of every allocated (non-reserved) range in the tree, rcache-parked ones included. */
    public long treeAllocatedPfns() {
        treeLock.lock();
        try {
            return treeAllocatedPfns;
        } finally {
            treeLock.unlock();
        }
    }

    /** The number of ranges parked in the rcaches (per-CPU magazines and depots). Exact when no call is in flight. */
    public int rcachedRanges() {
        return cachedPfns().size();
    }

    /** The pfns of the ranges parked in the rcaches, by their tree sizes. Exact when no call is in flight. */
    public long rcachedPfns() {
        List<Long> starts = cachedPfns();
        if (starts.isEmpty()) {
            return 0;
        }
        treeLock.lock();
        try {
            long sum = 0;
            for (long pfn : starts) {
                IovaNode n = tree.find(pfn);
                if (n != null && n != anchor) {
                    sum += n.sizePfns();
                }
            }
            return sum;
        } finally {
            treeLock.unlock();
        }
    }

    /** Every pfn cached in the rcaches. */
    private List<Long> cachedPfns() {
        List<Long> out = new ArrayList<>();
        IovaRcache[] rc = rcaches;
        IovaCpuRcache[] cpu = cpuRcaches;
        if (rc != null && cpu != null) {
            for (IovaCpuRcache c : cpu) {
                c.forEachCachedPfn(out::add);
            }
            for (IovaRcache r : rc) {
                r.forEachDepotPfn(out::add);
            }
        }
        return out;
    }

    /** A snapshot of the ranges in the tree, low to high, without the anchor. */
    public List<Iova> ranges() {
        treeLock.lock();
        try {
            List<Iova> out = new ArrayList<>(nodeCount);
            tree.forEach(n -> {
                if (n != anchor) {
                    out.add(n.toIova());
                }
            });
            return out;
        } finally {
            treeLock.unlock();
        }
    }

    /** The range {@code cached_node} points at (the anchor as {@code [~0, ~0]}; tests). */
    Iova cachedNode() {
        treeLock.lock();
        try {
            return cachedNode.toIova();
        } finally {
            treeLock.unlock();
        }
    }

    /** The range {@code cached32_node} points at (tests). */
    Iova cached32Node() {
        treeLock.lock();
        try {
            return cached32Node.toIova();
        } finally {
            treeLock.unlock();
        }
    }

    /** The current {@code max32_alloc_size} (tests). */
    long max32AllocSize() {
        treeLock.lock();
        try {
            return max32AllocSize;
        } finally {
            treeLock.unlock();
        }
    }

    /** Checks the tree's red-black invariants and the node count (tests); throws IllegalStateException naming the rule. */
    void checkInvariants() {
        treeLock.lock();
        try {
            int n = tree.checkInvariants();
            if (n != nodeCount) {
                throw new IllegalStateException("tree holds " + n + " nodes, counted " + nodeCount);
            }
            if (!cachedNode.linked || !cached32Node.linked) {
                throw new IllegalStateException("a cached node is not in the tree");
            }
        } finally {
            treeLock.unlock();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Models order_base_2(): ceil(log2(n)) for unsigned {@code n}, and 0 for 0 and 1. */
    static int orderBase2(long n) {
        return n == 0 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
    }

    /**
     * The calling thread's CPU slot: a multiplicative (Fibonacci) hash of its thread id mapped onto
     * {@code [0, cpus)} with a multiply-shift, so no division; fixed for a thread's life.
     */
    int currentCpu() {
        long h = Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
        return (int) (((h >>> 32) * cpus) >>> 32);
    }
}
