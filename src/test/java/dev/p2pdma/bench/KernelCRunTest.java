package dev.p2pdma.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.p2pdma.bench.BenchMain.Row;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The kernel's C beside the Java rows (workloads.md "Timing" and "Check values"; README
 * "Performance"): reading run.sh's raw output, refusing a run that did other work, and holding
 * each SG and IOVA row to the C figure of the same run and the same lock build. The sample is a
 * real {@code run.sh OUTDIR 3} of this machine; {@code aggregate.py}'s table of the same file is the
 * independent reference for the medians.
 */
class KernelCRunTest {

    /** The captured raw output of three harness processes per binary. */
    private static List<String> sample() throws IOException {
        return resource("kernel-c-run-3reps.txt");
    }

    private static List<String> resource(String name) throws IOException {
        try (InputStream in = KernelCRunTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** aggregate.py's "median of medians" column, per metric (its own rounding: 2 decimals, or whole numbers from 1,000 up). */
    private static Map<String, Double> aggregateMedians() throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        Pattern row = Pattern.compile("\\| (\\S+) \\| (\\S+) \\| ([0-9,.]+) \\|.*");
        for (String line : resource("kernel-c-run-3reps.aggregate.md")) {
            Matcher m = row.matcher(line);
            if (m.matches()) {
                out.put(m.group(1), Double.parseDouble(m.group(3).replace(",", "")));
            }
        }
        return out;
    }

    /** A synthetic run: one process, one RESULT line per metric (name, median, unit), no check values. */
    private static KernelCRun run(String... nameMedianUnit) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < nameMedianUnit.length; i += 3) {
            lines.add("RESULT " + nameMedianUnit[i] + "  median=" + nameMedianUnit[i + 1] + " min=1.0 max=2.0 spread= 1.0% unit="
                    + nameMedianUnit[i + 2] + " runs=11 ");
        }
        return KernelCRun.parse(lines);
    }

    private static Row row(String benchmark) {
        return BenchMain.ROWS.stream().filter(r -> r.benchmark().equals(benchmark)).findFirst().orElseThrow();
    }

    @Test
    void headlineFigureIsTheMedianOfPerProcessMediansAsAggregatePyComputesIt() throws IOException {
        KernelCRun run = KernelCRun.parse(sample());
        Map<String, Double> reference = aggregateMedians();

        assertThat(reference).hasSize(32);
        assertThat(run.metrics()).extracting(KernelCRun.Metric::name).containsExactlyElementsOf(reference.keySet());
        for (KernelCRun.Metric m : run.metrics()) {
            double want = reference.get(m.name());
            assertThat(m.processMedians()).as(m.name()).hasSize(3);
            assertThat(m.median()).as(m.name()).isCloseTo(want, within(want >= 1000 ? 0.5 : 0.005));
        }
    }

    @Test
    void evenProcessCountTakesTheMeanOfTheMiddleTwoLikePythonsStatisticsMedian() {
        KernelCRun run = KernelCRun.parse(List.of(
                "RESULT iova.lock.warm.size1 median=4.0 min=1 max=9 spread= 1.0% unit=ns/pair runs=11",
                "RESULT iova.lock.warm.size1 median=10.0 min=1 max=9 spread= 1.0% unit=ns/pair runs=11",
                "RESULT iova.lock.warm.size1 median=6.0 min=1 max=9 spread= 1.0% unit=ns/pair runs=11",
                "RESULT iova.lock.warm.size1 median=100.0 min=1 max=9 spread= 1.0% unit=ns/pair runs=11"));

        assertThat(run.metric("iova.lock.warm.size1").orElseThrow().median()).isEqualTo(8.0);
    }

    @Test
    void sgFiguresAreReadInNanosecondsPerCallAndCompareWithMillisecondScores() throws IOException {
        KernelCRun.Metric alloc = KernelCRun.parse(sample()).metric("sg.alloc.contig.segmax").orElseThrow();

        assertThat(alloc.unit()).isEqualTo("ns/call");
        assertThat(alloc.medianNs()).isEqualTo(alloc.median());
        assertThat(KernelCRun.nsPer("ms/op")).isEqualTo(1e6);
        assertThat(KernelCRun.nsPer("us/op")).isEqualTo(1e3);
        assertThatThrownBy(() -> KernelCRun.nsPer("GB/s")).hasMessageContaining("GB/s");
    }

    @Test
    void theRunKeepsItsMachineAndLoadHeader() throws IOException {
        assertThat(KernelCRun.parse(sample()).header()).anyMatch(h -> h.startsWith("# load at start:"))
                .anyMatch(h -> h.startsWith("# load at end:")).anyMatch(h -> h.startsWith("# nproc:"))
                .noneMatch(h -> h.startsWith("# variant"));
    }

    @Test
    void aMalformedResultLineIsRefusedNamingItsLine() {
        assertThatThrownBy(() -> KernelCRun.parse(List.of("# nproc: 2", "RESULT iova.lock.warm.size1 median=oops")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("line 2:");
        assertThatThrownBy(() -> KernelCRun.parse(List.of("RESULT x median=1x min=1 max=1 spread= 1.0% unit=ns/pair runs=11")))
                .hasMessageContaining("line 1: median 1x");
    }

    @Test
    void aMetricWhoseUnitChangesBetweenProcessesIsRefused() {
        assertThatThrownBy(() -> KernelCRun.parse(List.of(
                "RESULT sg.free.noadj.seg64k median=1 min=1 max=1 spread= 1.0% unit=ns/call runs=11",
                "RESULT sg.free.noadj.seg64k median=1 min=1 max=1 spread= 1.0% unit=us/call runs=11")))
                .hasMessageContaining("line 2: sg.free.noadj.seg64k in us/call, earlier in ns/call");
    }

    @Test
    void theCapturedRunDidTheWorkloadsWorkAsTheJavaBenchmarksCheckIt() throws IOException {
        KernelCRun run = KernelCRun.parse(sample());

        assertThat(run.metric("iova.lock.cold.rand1-64").orElseThrow().checkLines()).containsExactly(
                "prefrag_sum_pfn_lo=4503496829883012 prefrag_lowest=0xfffd01f00 nodes_after_prefrag=32769 "
                        + "run0_sum_pfn=6871947662942313 nodes_at_end=32769");
        assertThat(run.metric("sg.free.contig.segmax").orElseThrow().checkLines()).isEmpty();
        assertThat(BenchMain.checkProblems(run, WorkloadChecks.javaSide(), Optional.empty())).isEmpty();
    }

    @Test
    void aCheckValueThatDiffersFromTheJavaSideIsAProblem() throws IOException {
        List<String> lines = sample().stream().map(l -> l.replace("sum_pfn=3145727 ", "sum_pfn=3145728 ")).toList();

        assertThat(BenchMain.checkProblems(KernelCRun.parse(lines), WorkloadChecks.javaSide(), Optional.empty()))
                .containsExactly("sg.alloc.contig.segmax: nents=2 runs_in_input=1 sum_len=4294967296 sum_pfn=3145728 hash=dbe000f4244fffff "
                        + "differs from nents=2 runs_in_input=1 sum_len=4294967296 sum_pfn=3145727 hash=dbe000f4244fffff");
    }

    @Test
    void processesThatDisagreeOnACheckValueAreAProblem() throws IOException {
        List<String> lines = new ArrayList<>(sample());
        int last = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("RESULT iova.nolock.warm.size32 ")) {
                last = i;
            }
        }
        lines.set(last, lines.get(last).replace("tree_nodes_at_end=2", "tree_nodes_at_end=3"));

        assertThat(BenchMain.checkProblems(KernelCRun.parse(lines), WorkloadChecks.javaSide(), Optional.empty()))
                .singleElement().asString().startsWith("iova.nolock.warm.size32: processes disagree");
    }

    @Test
    void aRunWithoutTheNoLockBuildCannotStandBesideTheNoLockRows() throws IOException {
        List<String> lines = sample().stream().filter(l -> !l.startsWith("RESULT iova.nolock.")).toList();

        assertThat(BenchMain.checkProblems(KernelCRun.parse(lines), WorkloadChecks.javaSide(), Optional.empty())).containsExactly(
                "iova.nolock.warm.size1: not in the run", "iova.nolock.warm.size32: not in the run",
                "iova.nolock.cold.rand1-64: not in the run", "iova.nolock.fragfast.rand1-64: not in the run");
    }

    @Test
    void workloadsMdDisagreeingWithTheJavaSideIsAProblem() throws IOException {
        Map<String, String> doc = new LinkedHashMap<>(WorkloadChecks.javaSide());
        doc.put("iova.warm.size1", "run0_sum_pfn=1 tree_nodes_at_end=2");

        assertThat(BenchMain.checkProblems(KernelCRun.parse(sample()), WorkloadChecks.javaSide(), Optional.of(doc))).containsExactly(
                "iova.warm.size1: workloads.md has run0_sum_pfn=1 tree_nodes_at_end=2, the Java benchmarks has "
                        + "run0_sum_pfn=1048575000000 tree_nodes_at_end=2",
                "iova.lock.warm.size1: run0_sum_pfn=1048575000000 tree_nodes_at_end=2 differs from run0_sum_pfn=1 tree_nodes_at_end=2",
                "iova.nolock.warm.size1: run0_sum_pfn=1048575000000 tree_nodes_at_end=2 differs from run0_sum_pfn=1 tree_nodes_at_end=2");
    }

    @Test
    void theCheckValuesOfWorkloadsMdAreTheJavaSides() throws IOException {
        Path doc = Path.of(System.getProperty("p2pdma.shared", "../shared"), "bench", "workloads.md");

        assertThat(WorkloadChecks.fromDocument(Files.readAllLines(doc))).isEqualTo(WorkloadChecks.javaSide());
    }

    @Test
    void sgAllocIsHeldToOneAndAHalfTimesTheKernelsAllocOfTheSameRun() {
        KernelCRun run = run("sg.alloc.noadj.seg64k", "8000000", "ns/call");
        Row alloc = row("SgFromPagesBench.alloc[pattern=noadj,seg=seg64k]");

        assertThat(alloc.judge(12.0, "ms/op", 6.0, Optional.of(run)).met()).isEqualTo("yes");
        assertThat(alloc.judge(12.1, "ms/op", 6.0, Optional.of(run)).met()).isEqualTo("NO");
        assertThat(alloc.judge(12.0, "ms/op", 6.0, Optional.of(run)).target())
                .isEqualTo("<= 1.5x the kernel's C sg.alloc.noadj.seg64k (same run: 8.00 ms): measured 1.50x");
    }

    @Test
    void sgFreeHasTheAllocBudgetAndPrintsItsRatioToTheKernelsFree() {
        KernelCRun run = run("sg.alloc.runs1-64.segmax", "10000000", "ns/call", "sg.free.runs1-64.segmax", "10000", "ns/call");
        Row free = row("SgFromPagesBench.free[pattern=runs1-64,seg=segmax]");

        BenchMain.Verdict v = free.judge(0.02, "ms/op", 2.0, Optional.of(run));
        assertThat(v.met()).isEqualTo("yes");
        assertThat(v.target()).endsWith("measured 0.00x; 2.00x the kernel's C sg.free.runs1-64.segmax (10.00 us, no bound)");
        assertThat(free.judge(15.01, "ms/op", 2.0, Optional.of(run)).met()).isEqualTo("NO");
    }

    @Test
    void eachIovaBuildIsHeldToTwiceTheSameLockBuildOfTheKernelsC() {
        KernelCRun run = run("iova.lock.warm.size1", "10.0", "ns/pair", "iova.nolock.warm.size1", "4.0", "ns/pair",
                "iova.lock.cold.rand1-64", "30.0", "ns/pair", "iova.nolock.cold.rand1-64", "25.0", "ns/pair");
        Row lockedWarm = row("IovaBench.warmSize1[locking=spinlock]");
        Row noLockWarm = row("IovaBench.warmSize1[locking=none]");
        Row lockedCold = row("IovaBench.coldRand1to64[locking=spinlock]");

        assertThat(lockedWarm.judge(19.0, "ns/op", 12.0, Optional.of(run)).met()).isEqualTo("yes");
        assertThat(lockedWarm.judge(21.0, "ns/op", 12.0, Optional.of(run)).met()).isEqualTo("NO");
        assertThat(noLockWarm.judge(7.9, "ns/op", 12.0, Optional.of(run)).met()).isEqualTo("yes");
        assertThat(noLockWarm.judge(8.1, "ns/op", 12.0, Optional.of(run)).met()).isEqualTo("NO");
        assertThat(lockedCold.judge(59.0, "ns/op", 250.0, Optional.of(run)).target())
                .isEqualTo("<= 2x the kernel's C iova.lock.cold.rand1-64 (same run: 30.00 ns): measured 1.97x");
    }

    @Test
    void withoutTheHarnessAKernelRowIsNotMeasuredButItsOwnBoundsStillCount() {
        Row alloc = row("SgFromPagesBench.alloc[pattern=contig,seg=segmax]");

        assertThat(alloc.judge(2.0, "ms/op", 2.0, Optional.empty()).met()).isEqualTo("n/a (no C run)");
        assertThat(alloc.judge(2.0, "ms/op", 2.0, Optional.empty()).target()).contains("no same-run C figure");
        assertThat(row("PoolBench.allocFree").judge(151, "ns/op", 2.0, Optional.empty()).met()).isEqualTo("NO");
    }

    @Test
    void everySgAndIovaRowOfWorkloadsMdHasAKernelTargetAndNoOtherRowDoes() {
        assertThat(BenchMain.ROWS.stream().filter(r -> r.kernel().isPresent()).map(Row::benchmark))
                .hasSize(20).allMatch(b -> b.startsWith("SgFromPagesBench.") || b.startsWith("IovaBench."));
        assertThat(BenchMain.kernelMetrics()).hasSize(20).contains("iova.lock.warm.size32", "iova.nolock.fragfast.rand1-64",
                "sg.free.noadj.segmax");
    }

    @Test
    void optionsNameTheHarnessOutputWorkloadsMdAndTheRegex() {
        BenchMain.Args a = BenchMain.Args.parse(new String[] {"--kernel-c", "raw.txt", "--workloads", "w.md", "--quick", "IovaBench"});

        assertThat(a.kernelC()).contains(Path.of("raw.txt"));
        assertThat(a.workloads()).contains(Path.of("w.md"));
        assertThat(a.quick()).isTrue();
        assertThat(a.include()).isEqualTo("IovaBench");
        assertThat(BenchMain.Args.parse(new String[0]).kernelC()).isEmpty();
        assertThatThrownBy(() -> BenchMain.Args.parse(new String[] {"--kernel-c"})).hasMessage("--kernel-c needs a file");
        assertThatThrownBy(() -> BenchMain.Args.parse(new String[] {"--fast"})).hasMessage("unknown option --fast");
    }
}
