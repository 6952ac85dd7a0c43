package dev.p2pdma.bench;

import dev.p2pdma.mm.Page;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgWorkload;
import dev.p2pdma.testing.SgWorkload.CheckValues;
import dev.p2pdma.testing.SgWorkload.Pattern;
import dev.p2pdma.testing.SgWorkload.Segment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The SG workload of {@code ../shared/bench/workloads.md}: sg_alloc_table_from_pages_segment() on
 * N = 2^20 pages (timed alloc, then timed sg_free_table()), for the patterns contig, noadj and
 * runs1-64 and max_segment UINT_MAX (segmax) or 65536 (seg64k). The pages are one {@link Page} per
 * pfn made once in pfn order and reused across runs, like the kernel's vmemmap, and the builder
 * reads each page's pfn and page-map field in both of its passes. The same-run baseline
 * {@link #pageWalk()} is the memory-traffic floor: two passes over the pages reading the same two
 * fields. Setup prints the validation values and refuses to run when they differ from the kernel's.
 *
 * <p>The heap is committed and touched up front ({@code -Xms2g -XX:+AlwaysPreTouch}), as the
 * kernel's memory is: a call allocates about 50 MB of entries for noadj, and first-touch page
 * faults on a growing heap would otherwise be timed as part of the builder.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SgFromPagesBench {

    /** The page pattern (workloads.md name). */
    @Param({"contig", "noadj", "runs1-64"})
    public String pattern;
    /** The max_segment (workloads.md name). */
    @Param({"segmax", "seg64k"})
    public String seg;

    /** The input pages, N of them. */
    private Page[] pages;
    /** The max_segment. */
    private Segment segment;

    /** Builds the vmemmap and the inputs, then checks and prints the validation values of one call. */
    @Setup(Level.Trial)
    public void setUp() {
        Pattern p = Pattern.ofLabel(pattern);
        segment = Segment.ofLabel(seg);
        pages = SgWorkload.pages(p, SgWorkload.Vmemmap.forWorkload());
        // A full collection before any young one compacts the pages where they were made, in pfn
        // order, as the kernel's vmemmap is; young collections would copy them in scan order.
        System.gc();
        SgTable t = new SgTable();
        SgWorkload.alloc(t, pages, segment);
        CheckValues v = SgWorkload.checkValues(t, pages);
        t.free();
        String name = "sg.alloc." + pattern + "." + seg;
        System.out.println(name + ": " + v.line());
        String expected = SgWorkload.kernelCheckLine(p, segment);
        if (!v.line().equals(expected)) {
            throw new IllegalStateException(name + " differs from the kernel's C: " + expected);
        }
    }

    /** A table the alloc benchmark fills and teardown frees, outside the timed region. */
    @State(Scope.Thread)
    public static class Empty {
        /** The table. */
        SgTable table = new SgTable();

        /** sg_free_table() after each timed alloc. */
        @TearDown(Level.Invocation)
        public void free() {
            table.free();
        }
    }

    /** A table built before each timed free, outside the timed region. */
    @State(Scope.Thread)
    public static class Built {
        /** The table. */
        SgTable table = new SgTable();

        /** sg_alloc_table_from_pages_segment() before each timed free. */
        @Setup(Level.Invocation)
        public void build(SgFromPagesBench bench) {
            SgWorkload.alloc(table, bench.pages, bench.segment);
        }
    }

    /** Timed: sg_alloc_table_from_pages_segment(sgt, pages, N, 0, 2^32, max_segment). */
    @Benchmark
    public int alloc(Empty s) {
        SgWorkload.alloc(s.table, pages, segment);
        return s.table.origNents();
    }

    /** Timed: sg_free_table(sgt). */
    @Benchmark
    public int free(Built s) {
        int n = s.table.origNents();
        s.table.free();
        return n;
    }

    /** Baseline: two passes over the pages reading each one's pfn and page map, as the builder's two passes do. */
    @Benchmark
    public long pageWalk() {
        Page[] ps = pages;
        long acc = 0;
        for (int pass = 0; pass < 2; pass++) {
            Page prev = ps[0];
            for (int i = 1; i < ps.length; i++) {
                Page p = ps[i];
                acc += p.pfn();
                if (Page.haveSamePagemap(p, prev)) {
                    acc++;
                }
                prev = p;
            }
        }
        return acc;
    }
}
