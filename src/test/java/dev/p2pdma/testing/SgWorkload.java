package dev.p2pdma.testing;

import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgFromPages;
import dev.p2pdma.sg.SgTable;
import java.util.Locale;

/**
 * The SG workload of {@code ../shared/bench/workloads.md}: N = 2^20 pages from P0 = 0x100000 in the
 * patterns contig, noadj and runs1-64 (xorshift64 seeded 42), the two max_segment values, and the
 * validation values (nents, runs_in_input, sum_len, sum_pfn, hash). Shared by the JMH benchmark and
 * the check-value unit test so both build the very same inputs.
 *
 * <p>Pages come from a {@link Vmemmap}: one {@link Page#ram(long)} per pfn, made once in pfn
 * order and reused, like the kernel's vmemmap array. Immutable values and static functions;
 * thread-safe.
 */
public final class SgWorkload {

    /** Pages per call: 2^20. */
    public static final int N = 1 << 20;
    /** The first pfn, P0. */
    public static final long P0 = 0x100000L;
    /** Bytes per call: N * PAGE_SIZE = 2^32. */
    public static final long SIZE_BYTES = (long) N * PageSize.PAGE_SIZE;
    /** The pfns a vmemmap must cover for every pattern: noadj reaches P0 + 2N - 2. */
    public static final int VMEMMAP_PAGES = 2 * N;

    /** The page patterns. */
    public enum Pattern {
        /** pfn[i] = P0 + i. */
        CONTIG("contig"),
        /** pfn[i] = P0 + 2i: no two neighbours contiguous. */
        NOADJ("noadj"),
        /** Runs of 1..64 pages separated by one-pfn gaps, xorshift64 seeded 42. */
        RUNS1_64("runs1-64");

        /** The name in workloads.md. */
        private final String label;

        Pattern(String label) {
            this.label = label;
        }

        /** The name in workloads.md. */
        public String label() {
            return label;
        }

        /** The pattern of a workloads.md name. */
        public static Pattern ofLabel(String label) {
            for (Pattern p : values()) {
                if (p.label.equals(label)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("no SG pattern " + label);
        }
    }

    /** The max_segment values. */
    public enum Segment {
        /** UINT_MAX, rounded down by the builder to 0xFFFFF000. */
        SEGMAX("segmax", SgFromPages.UINT_MAX),
        /** 65536 bytes: 16 pages. */
        SEG64K("seg64k", 65536);

        /** The name in workloads.md. */
        private final String label;
        /** The max_segment argument in bytes. */
        private final long maxSegmentBytes;

        Segment(String label, long maxSegmentBytes) {
            this.label = label;
            this.maxSegmentBytes = maxSegmentBytes;
        }

        /** The name in workloads.md. */
        public String label() {
            return label;
        }

        /** The max_segment argument in bytes. */
        public long maxSegmentBytes() {
            return maxSegmentBytes;
        }

        /** The segment of a workloads.md name. */
        public static Segment ofLabel(String label) {
            for (Segment s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("no SG max_segment " + label);
        }
    }

    /**
     * The validation values of workloads.md, computed in entry order.
     *
     * @param nents        the table's entries
     * @param runsInInput  maximal runs of consecutive pfns in the input
     * @param sumLen       the sum of the entry lengths (2^32)
     * @param sumPfn       the sum of each entry's first pfn
     * @param hash         h = h * 1000003 + (pfn ^ (length << 40)) mod 2^64 from h = 0
     */
    public record CheckValues(long nents, long runsInInput, long sumLen, long sumPfn, long hash) {

        /** The line the kernel's C prints, e.g. {@code nents=2 runs_in_input=1 ... hash=dbe000f4244fffff}. */
        public String line() {
            return String.format(Locale.ROOT, "nents=%d runs_in_input=%d sum_len=%d sum_pfn=%d hash=%016x", nents, runsInInput, sumLen,
                    sumPfn, hash);
        }
    }

    /**
     * The kernel's {@code struct page} array for the workload: one RAM page per pfn from P0, made
     * once in pfn order. Immutable after construction; thread-safe.
     */
    public static final class Vmemmap {

        /** Page of pfn P0 + i at index i. */
        private final Page[] pages;

        /** Pages for pfns P0 .. P0 + count - 1. */
        public Vmemmap(int count) {
            pages = new Page[count];
            for (int i = 0; i < count; i++) {
                pages[i] = Page.ram(P0 + i);
            }
        }

        /** A vmemmap large enough for every pattern. */
        public static Vmemmap forWorkload() {
            return new Vmemmap(VMEMMAP_PAGES);
        }

        /** pfn_to_page(). */
        public Page page(long pfn) {
            return pages[Math.toIntExact(pfn - P0)];
        }
    }

    private SgWorkload() {
    }

    /**
     * The check line the kernel's C printed for {@code sg.alloc.<pattern>.<segment>} (workloads.md,
     * "Check values"), for the benchmark to compare against; the unit test keeps its own copy.
     */
    public static String kernelCheckLine(Pattern pattern, Segment segment) {
        return switch (pattern) {
            case CONTIG -> segment == Segment.SEGMAX
                    ? "nents=2 runs_in_input=1 sum_len=4294967296 sum_pfn=3145727 hash=dbe000f4244fffff"
                    : "nents=65536 runs_in_input=1 sum_len=4294967296 sum_pfn=103078690816 hash=0446b25adbc80000";
            case NOADJ -> "nents=1048576 runs_in_input=1048576 sum_len=4294967296 sum_pfn=2199022206976 hash=7725a535b7900000";
            case RUNS1_64 -> segment == Segment.SEGMAX
                    ? "nents=32270 runs_in_input=32270 sum_len=4294967296 sum_pfn=51264221981 hash=9aa4ad94d4fb6111"
                    : "nents=80672 runs_in_input=32270 sum_len=4294967296 sum_pfn=128199881775 hash=77ba76114e1fba9b";
        };
    }

    /** The pfn sequence of a pattern, N entries. */
    public static long[] pfns(Pattern pattern) {
        long[] out = new long[N];
        switch (pattern) {
            case CONTIG -> {
                for (int i = 0; i < N; i++) {
                    out[i] = P0 + i;
                }
            }
            case NOADJ -> {
                for (int i = 0; i < N; i++) {
                    out[i] = P0 + 2L * i;
                }
            }
            case RUNS1_64 -> {
                XorShift64 rng = new XorShift64(42);
                long pfn = P0;
                int i = 0;
                while (i < N) {
                    int len = rng.rand1to64();
                    for (int k = 0; k < len && i < N; k++) {
                        out[i++] = pfn++;
                    }
                    pfn += 1;
                }
            }
            default -> throw new IllegalArgumentException("unknown pattern " + pattern);
        }
        return out;
    }

    /** The input pages of a pattern, taken from {@code vmemmap}. */
    public static Page[] pages(Pattern pattern, Vmemmap vmemmap) {
        long[] pfns = pfns(pattern);
        Page[] out = new Page[N];
        for (int i = 0; i < N; i++) {
            out[i] = vmemmap.page(pfns[i]);
        }
        return out;
    }

    /** The timed call: sg_alloc_table_from_pages_segment(sgt, pages, N, 0, 2^32, max_segment). */
    public static void alloc(SgTable sgt, Page[] pages, Segment segment) {
        SgFromPages.allocTableFromPagesSegment(sgt, pages, pages.length, 0, SIZE_BYTES, segment.maxSegmentBytes()).ifPresent(e -> {
            throw new IllegalStateException("sg_alloc_table_from_pages_segment failed: -" + e);
        });
    }

    /** Maximal runs of consecutive pfns in {@code pages}. */
    public static long runsInInput(Page[] pages) {
        long runs = pages.length == 0 ? 0 : 1;
        for (int i = 1; i < pages.length; i++) {
            if (pages[i].pfn() != pages[i - 1].pfn() + 1) {
                runs++;
            }
        }
        return runs;
    }

    /** The validation values of a built table and its input. */
    public static CheckValues checkValues(SgTable sgt, Page[] pages) {
        long sumLen = 0;
        long sumPfn = 0;
        long hash = 0;
        long nents = 0;
        for (SgEntry e : sgt.cpuEntries()) {
            long pfn = e.pageOrThrow().pfn();
            long len = e.lengthBytes();
            nents++;
            sumLen += len;
            sumPfn += pfn;
            hash = hash * 1000003L + (pfn ^ (len << 40));
        }
        if (nents != sgt.nents()) {
            throw new IllegalStateException("walked " + nents + " entries, table has nents " + sgt.nents());
        }
        return new CheckValues(nents, runsInInput(pages), sumLen, sumPfn, hash);
    }
}
