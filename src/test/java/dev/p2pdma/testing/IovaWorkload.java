package dev.p2pdma.testing;

import dev.p2pdma.iommu.Iova;
import dev.p2pdma.iommu.IovaDomain;
import dev.p2pdma.iommu.IovaLocking;

/**
 * The IOVA workloads of {@code ../shared/bench/workloads.md}: warm rcache pairs of size 1 or 32
 * under a 32-bit limit, and the 50 % fragmented space (65,536 size-aligned ranges of 1..64 pages
 * under a 48-bit limit, the odd ones freed) exercised through alloc_iova/__free_iova (cold) or the
 * fast API (fragfast), the xorshift64 generator seeded 42 continuing from the prefrag into every
 * run. Shared by the JMH benchmark and the check-value test so both run the very same code.
 *
 * <p>Static functions over caller-owned domains and generators; thread-safe as long as the
 * callers do not share those.
 */
public final class IovaWorkload {

    /** The granule: 4096 bytes. */
    public static final long GRANULE = 4096;
    /** init_iova_domain()'s start_pfn. */
    public static final long START_PFN = 1;
    /** DMA_BIT_MASK(32) >> 12: the warm workloads' limit. */
    public static final long LIMIT_32 = 0xFFFFFL;
    /** DMA_BIT_MASK(48) >> 12: the fragmented workloads' limit. */
    public static final long LIMIT_48 = 0xFFFFFFFFFL;
    /** Pairs per warm run. */
    public static final int WARM_PAIRS = 1_000_000;
    /** Pairs per cold or fragfast run. */
    public static final int COLD_PAIRS = 100_000;
    /** Ranges allocated by the prefrag. */
    public static final int PREFRAG_RANGES = 65_536;
    /** Runs per process: 3 warm-up runs then 11 measured runs. */
    public static final int RUNS = 3 + 11;
    /** The generator's seed. */
    public static final long SEED = 42;

    /** The kernel's C check line of iova.warm.size1. */
    public static final String KERNEL_WARM_SIZE1 = "run0_sum_pfn=1048575000000 tree_nodes_at_end=2";
    /** The kernel's C check line of iova.warm.size32. */
    public static final String KERNEL_WARM_SIZE32 = "run0_sum_pfn=1048544000000 tree_nodes_at_end=2";
    /** The kernel's C check line of iova.cold.rand1-64. */
    public static final String KERNEL_COLD = "prefrag_sum_pfn_lo=4503496829883012 prefrag_lowest=0xfffd01f00 "
            + "nodes_after_prefrag=32769 run0_sum_pfn=6871947662942313 nodes_at_end=32769";
    /** The kernel's C check line of iova.fragfast.rand1-64. */
    public static final String KERNEL_FRAGFAST = "prefrag_sum_pfn_lo=4503496829883012 prefrag_lowest=0xfffd01f00 "
            + "nodes_after_prefrag=32769 run0_sum_pfn=6871947644813541 nodes_at_end=32775";

    private IovaWorkload() {
    }

    /**
     * What the prefrag produced.
     *
     * @param sumPfnLo the sum of pfn_lo over all 65,536 allocations
     * @param lowest   the lowest pfn_lo allocated
     * @param nodes    tree nodes after the odd ranges were freed
     */
    public record Prefrag(long sumPfnLo, long lowest, int nodes) {
    }

    /** A fresh domain as the workloads make it: granule 4096, start_pfn 1, with or without rcaches. */
    public static IovaDomain domain(boolean rcaches) {
        return domain(rcaches, IovaLocking.SPINLOCK);
    }

    /** The workloads' domain in one of their two builds (real spinlocks, or none). */
    public static IovaDomain domain(boolean rcaches, IovaLocking locking) {
        IovaDomain d = new IovaDomain(GRANULE, START_PFN, Runtime.getRuntime().availableProcessors(), locking);
        if (rcaches) {
            d.initRcaches();
        }
        return d;
    }

    /** One warm run: {@code pairs} of alloc_iova_fast(size, LIMIT_32, true) + free_iova_fast(); the sum of the pfns. */
    public static long warmPairs(IovaDomain d, long size, int pairs) {
        long sum = 0;
        for (int i = 0; i < pairs; i++) {
            long pfn = d.allocIovaFast(size, LIMIT_32, true);
            d.freeIovaFast(pfn, size);
            sum += pfn;
        }
        return sum;
    }

    /**
     * The prefrag: 65,536 size-aligned alloc_iova() of {@code 1 + (next() & 63)} pages under
     * LIMIT_48, then __free_iova() of every odd-indexed range, in ascending order.
     */
    public static Prefrag prefrag(IovaDomain d, XorShift64 g) {
        Iova[] r = new Iova[PREFRAG_RANGES];
        long sum = 0;
        long lowest = -1L;
        for (int k = 0; k < PREFRAG_RANGES; k++) {
            int size = g.rand1to64();
            r[k] = d.allocIova(size, LIMIT_48, true).orElseThrow(() -> new IllegalStateException("prefrag allocation failed"));
            sum += r[k].pfnLo();
            if (Long.compareUnsigned(r[k].pfnLo(), lowest) < 0) {
                lowest = r[k].pfnLo();
            }
        }
        for (int k = 1; k < PREFRAG_RANGES; k += 2) {
            d.freeIova(r[k]);
        }
        return new Prefrag(sum, lowest, d.treeNodes());
    }

    /** One cold run: {@code pairs} of alloc_iova(size, LIMIT_48, true) + __free_iova(); the sum of the pfn_lo. */
    public static long coldPairs(IovaDomain d, XorShift64 g, int pairs) {
        long sum = 0;
        for (int i = 0; i < pairs; i++) {
            int size = g.rand1to64();
            Iova a = d.allocIova(size, LIMIT_48, true).orElseThrow(() -> new IllegalStateException("cold allocation failed"));
            d.freeIova(a);
            sum += a.pfnLo();
        }
        return sum;
    }

    /** One fragfast run: {@code pairs} of alloc_iova_fast(size, LIMIT_48, true) + free_iova_fast(); the sum of the pfns. */
    public static long fragfastPairs(IovaDomain d, XorShift64 g, int pairs) {
        long sum = 0;
        for (int i = 0; i < pairs; i++) {
            int size = g.rand1to64();
            long pfn = d.allocIovaFast(size, LIMIT_48, true);
            d.freeIovaFast(pfn, size);
            sum += pfn;
        }
        return sum;
    }

    /** The check line of a warm workload, computed as the kernel's C does: all runs on one domain. */
    public static String warmCheckLine(long size) {
        return warmCheckLine(size, IovaLocking.SPINLOCK);
    }

    /** {@link #warmCheckLine(long)} in one of the two builds. */
    public static String warmCheckLine(long size, IovaLocking locking) {
        IovaDomain d = domain(true, locking);
        long run0 = warmPairs(d, size, WARM_PAIRS);
        for (int run = 1; run < 3; run++) {
            warmPairs(d, size, WARM_PAIRS);
        }
        return "run0_sum_pfn=" + run0 + " tree_nodes_at_end=" + d.treeNodes();
    }

    /**
     * The check line of the cold ({@code fast == false}) or fragfast workload: prefrag, then
     * {@code runs} runs of 10^5 pairs on the continuing generator; run0 is the first.
     */
    public static String fragmentedCheckLine(boolean fast, int runs) {
        return fragmentedCheckLine(fast, runs, IovaLocking.SPINLOCK);
    }

    /** {@link #fragmentedCheckLine(boolean, int)} in one of the two builds. */
    public static String fragmentedCheckLine(boolean fast, int runs, IovaLocking locking) {
        IovaDomain d = domain(fast, locking);
        XorShift64 g = new XorShift64(SEED);
        Prefrag p = prefrag(d, g);
        long run0 = 0;
        for (int run = 0; run < runs; run++) {
            long s = fast ? fragfastPairs(d, g, COLD_PAIRS) : coldPairs(d, g, COLD_PAIRS);
            if (run == 0) {
                run0 = s;
            }
        }
        return "prefrag_sum_pfn_lo=" + p.sumPfnLo() + " prefrag_lowest=0x" + Long.toHexString(p.lowest()) + " nodes_after_prefrag="
                + p.nodes() + " run0_sum_pfn=" + run0 + " nodes_at_end=" + d.treeNodes();
    }
}
