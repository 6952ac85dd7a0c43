package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.Page;
import dev.p2pdma.testing.SgWorkload;
import dev.p2pdma.testing.SgWorkload.CheckValues;
import dev.p2pdma.testing.SgWorkload.Pattern;
import dev.p2pdma.testing.SgWorkload.Segment;
import dev.p2pdma.testing.XorShift64;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SG benchmark's inputs (workloads.md, section SG) built into tables, checked against the
 * values the kernel's own C printed ("Check values"): they prove the builder makes the kernel's
 * choices on 2^20 pages (spec 2.4).
 */
class SgBenchmarkCheckValuesTest {

    /** One page per pfn, shared by every case like the kernel's vmemmap. */
    private static SgWorkload.Vmemmap vmemmap;
    /** The input pages per pattern. */
    private static final Map<Pattern, Page[]> INPUTS = new EnumMap<>(Pattern.class);

    @BeforeAll
    static void buildInputs() {
        vmemmap = SgWorkload.Vmemmap.forWorkload();
        for (Pattern p : Pattern.values()) {
            INPUTS.put(p, SgWorkload.pages(p, vmemmap));
        }
    }

    @Test
    void xorshift64SeededFortyTwoGivesTheDocumentedFirstValues_workloads() {
        assertThat(new XorShift64(42).next()).isEqualTo(0xa95514aaaL);
        XorShift64 r = new XorShift64(42);
        int[] first = new int[5];
        for (int i = 0; i < 5; i++) {
            first[i] = r.rand1to64();
        }
        assertThat(first).containsExactly(43, 64, 59, 41, 3);
    }

    @Test
    void theRunsPatternHas32270Runs_workloads() {
        assertThat(SgWorkload.runsInInput(INPUTS.get(Pattern.RUNS1_64))).isEqualTo(32270);
    }

    @ParameterizedTest(name = "sg.alloc.{0}.{1}: {2}")
    @CsvSource(delimiter = '|', value = {
        "contig   | segmax | nents=2 runs_in_input=1 sum_len=4294967296 sum_pfn=3145727 hash=dbe000f4244fffff",
        "contig   | seg64k | nents=65536 runs_in_input=1 sum_len=4294967296 sum_pfn=103078690816 hash=0446b25adbc80000",
        "noadj    | segmax | nents=1048576 runs_in_input=1048576 sum_len=4294967296 sum_pfn=2199022206976 hash=7725a535b7900000",
        "noadj    | seg64k | nents=1048576 runs_in_input=1048576 sum_len=4294967296 sum_pfn=2199022206976 hash=7725a535b7900000",
        "runs1-64 | segmax | nents=32270 runs_in_input=32270 sum_len=4294967296 sum_pfn=51264221981 hash=9aa4ad94d4fb6111",
        "runs1-64 | seg64k | nents=80672 runs_in_input=32270 sum_len=4294967296 sum_pfn=128199881775 hash=77ba76114e1fba9b"})
    void theBuilderMakesTheKernelsTableOnTheBenchmarkInputs_spec2_4(String pattern, String segment, String expected) {
        Page[] pages = INPUTS.get(Pattern.ofLabel(pattern));
        ChunkAllocator allocator = ChunkAllocator.unlimited();
        SgTable sgt = new SgTable(allocator);
        SgWorkload.alloc(sgt, pages, Segment.ofLabel(segment));
        CheckValues v = SgWorkload.checkValues(sgt, pages);
        assertThat(v.line()).isEqualTo(expected);
        assertThat(sgt.origNents()).isEqualTo(sgt.nents());
        sgt.free();
        assertThat(allocator.liveChunks()).isZero();
    }
}
