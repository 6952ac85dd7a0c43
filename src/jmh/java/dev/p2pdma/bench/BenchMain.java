package dev.p2pdma.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the foundation benchmarks and prints each score next to its same-run baseline, the ratio
 * and the target (issue "Foundation", section Performance); the scatterlist and IOVA rows are also
 * held to the kernel's own C measured minutes earlier in the same {@code ./bench} run. Writes the
 * table to {@code target/bench-results.md} as well. Not thread-safe (a command-line entry point).
 *
 * <p>Arguments: {@code [--kernel-c RAW] [--workloads WORKLOADS_MD] [--quick] [REGEX]}: the raw
 * output of {@code ../shared/bench/kernel-c/run.sh} (without it the kernel rows say "not
 * measured"), workloads.md to check its check values against, two iterations instead of five,
 * and a regex of benchmarks to run.
 */
public final class BenchMain {

    /**
     * One row of the report.
     *
     * @param name      what is measured
     * @param benchmark the benchmark method
     * @param baseline  the baseline method
     * @param target    the target apart from the kernel's C, in words ("" for none)
     * @param limit     the absolute limit in the benchmark's unit
     * @param maxRatio  the largest acceptable ratio to the baseline, or 0 for none
     * @param kernel    the bound against the kernel's C of the same run, for the rows workloads.md defines
     */
    record Row(String name, String benchmark, String baseline, String target, double limit, double maxRatio, Optional<KernelTarget> kernel) {

        /** A row without a kernel target. */
        Row(String name, String benchmark, String baseline, String target, double limit, double maxRatio) {
            this(name, benchmark, baseline, target, limit, maxRatio, Optional.empty());
        }

        /**
         * The row's verdict for a score in {@code unit} and its same-run baseline, with the kernel's
         * C of the same run if the harness ran: "yes" when every bound holds, "NO" when one fails,
         * "n/a (no C run)" when the only missing piece is the kernel figure.
         */
        Verdict judge(double score, String unit, double baselineScore, Optional<KernelCRun> run) {
            double ratio = score / baselineScore;
            boolean own = score < limit && (maxRatio == 0 || ratio <= maxRatio);
            if (kernel.isEmpty()) {
                return new Verdict(own ? "yes" : "NO", target);
            }
            KernelTarget.Judgement j = kernel.get().judge(score, unit, run);
            String text = target.isEmpty() ? j.text() : target + "; " + j.text();
            String met = !own || j.met() == KernelTarget.Met.NO ? "NO" : j.met() == KernelTarget.Met.YES ? "yes" : "n/a (no C run)";
            return new Verdict(met, text);
        }
    }

    /**
     * A row's outcome.
     *
     * @param met    "yes", "NO" or "n/a (no C run)"
     * @param target the target column: the bounds and, for kernel rows, the measured ratio to the kernel's C
     */
    record Verdict(String met, String target) {
    }

    /** The SG target: at most this many times the kernel's C (workloads.md section SG). */
    static final double SG_MAX_KERNEL_RATIO = 1.5;
    /** The IOVA target: at most this many times the kernel's C of the same lock build (workloads.md section IOVA). */
    static final double IOVA_MAX_KERNEL_RATIO = 2;

    /**
     * A row of the SG workload (workloads.md section SG): {@code op} (alloc or free) on one pattern
     * and max_segment, against the page walk of the same inputs. Alloc: at most 1.5x the kernel's
     * alloc. Free: workloads.md sets no free target, so a free call is held to the alloc's budget
     * (1.5x the kernel's alloc) and its ratio to the kernel's free is printed beside it.
     */
    private static Row sg(String op, String pattern, String seg) {
        String params = "[pattern=" + pattern + ",seg=" + seg + "]";
        String workload = pattern + "." + seg;
        KernelTarget kernel = op.equals("alloc") ? KernelTarget.of("sg.alloc." + workload, SG_MAX_KERNEL_RATIO)
                : new KernelTarget("sg.alloc." + workload, SG_MAX_KERNEL_RATIO, Optional.of("sg.free." + workload));
        return new Row("sg." + op + "." + workload + ", 2^20 pages", "SgFromPagesBench." + op + params, "SgFromPagesBench.pageWalk" + params,
                "", Double.MAX_VALUE, 0, Optional.of(kernel));
    }

    /**
     * A row of an IOVA workload (workloads.md section IOVA), in ns per alloc+free pair, for one
     * build of the model ({@code spinlock} or {@code none}): at most 2x the same build of the
     * kernel's C ({@code iova.lock.*} or {@code iova.nolock.*}) of the same run.
     */
    private static Row iova(String workload, String what, String benchmark, String locking, String baseline) {
        boolean locked = locking.equals("spinlock");
        String cMetric = "iova." + (locked ? "lock" : "nolock") + "." + workload;
        return new Row("iova." + workload + ", " + (locked ? "spinlock" : "no-lock") + " build: " + what + " (ns per pair)",
                "IovaBench." + benchmark + "[locking=" + locking + "]", "IovaBench." + baseline, "", Double.MAX_VALUE, 0,
                Optional.of(KernelTarget.of(cMetric, IOVA_MAX_KERNEL_RATIO)));
    }

    /** The report rows. */
    static final List<Row> ROWS = List.of(
            new Row("full matrix, 1,000 endpoints (1M pairs)", "MatrixBench.fullMatrix", "MatrixBench.bareChainWalk",
                    "< 50 ms and <= 3x bare chain walk", 50, 3),
            new Row("one pair, cached (pci_p2pdma_map_type)", "PairDecisionBench.cachedMapType", "PairDecisionBench.bareMapLookup",
                    "< 100 ns", 100, 0),
            new Row("one pair, uncached (calc_map_type_and_dist)", "PairDecisionBench.uncachedCalc", "PairDecisionBench.bareChainWalk",
                    "< 2 us", 2000, 0),
            new Row("one pair, uncached verbose (reasons + log lines)", "PairDecisionBench.uncachedVerdict", "PairDecisionBench.bareChainWalk",
                    "< 2 us", 2000, 0),
            new Row("import 1,252-function sysfs directory", "SysfsImportBench.importSysfs", "SysfsImportBench.readFilesOnly",
                    "< 300 ms", 300, 0),
            sg("alloc", "contig", "segmax"), sg("alloc", "contig", "seg64k"), sg("alloc", "noadj", "segmax"),
            sg("alloc", "noadj", "seg64k"), sg("alloc", "runs1-64", "segmax"), sg("alloc", "runs1-64", "seg64k"),
            sg("free", "contig", "segmax"), sg("free", "contig", "seg64k"), sg("free", "noadj", "segmax"),
            sg("free", "noadj", "seg64k"), sg("free", "runs1-64", "segmax"), sg("free", "runs1-64", "seg64k"),
            new Row("p2pmem alloc+free 4 KiB, 1 thread (pci_alloc_p2pmem + pci_free_p2pmem)", "PoolBench.allocFree",
                    "PoolBench.bitSetSetClear", "<= 150 ns", 150, 0),
            new Row("p2pmem alloc+free 4 KiB, 2 threads on one pool (per op per thread)", "PoolBench.allocFree2Threads",
                    "PoolBench.atomicCasPair2Threads", "no collapse: <= 2x two threads' CAS pair on one word, < 1 us", 1000, 2),
            new Row("dma-direct map_sgtable + unmap, 64 RAM segments (ns per segment)", "DmaDirectBench.mapUnmap64",
                    "DmaDirectBench.bareFill64", "<= 40 ns per segment", 40, 0),
            new Row("dma-direct map_sgtable + unmap, 48 RAM + 16 BUS_ADDR (ns per segment)", "DmaDirectBench.mapUnmap64MixedP2p",
                    "DmaDirectBench.bareFill64", "<= 40 ns per segment", 40, 0),
            new Row("swiotlb bounce of 128 KiB, BIDIRECTIONAL (map + unmap = 2 bounces; score per bounce)", "SwiotlbBench.bounce128kBidirectional",
                    "SwiotlbBench.plainCopy128k", ">= 50% of plain-copy throughput (ratio <= 2)", Double.MAX_VALUE, 2),
            new Row("swiotlb bounce of 128 KiB, TO_DEVICE (map + unmap = 1 bounce)", "SwiotlbBench.bounce128kToDevice",
                    "SwiotlbBench.plainCopy128k", ">= 50% of plain-copy throughput (ratio <= 2)", Double.MAX_VALUE, 2),
            iova("warm.size1", "alloc_iova_fast + free_iova_fast, rcache hot", "warmSize1", "none", "bareLockedPushPop"),
            iova("warm.size32", "alloc_iova_fast + free_iova_fast, rcache hot", "warmSize32", "none", "bareLockedPushPop"),
            iova("cold.rand1-64", "alloc_iova + __free_iova, 50% fragmented", "coldRand1to64", "none", "treeMapPutRemove"),
            iova("fragfast.rand1-64", "alloc_iova_fast + free_iova_fast, 50% fragmented", "fragfastRand1to64", "none", "treeMapPutRemove"),
            iova("warm.size1", "alloc_iova_fast + free_iova_fast, rcache hot", "warmSize1", "spinlock", "bareLockedPushPop"),
            iova("warm.size32", "alloc_iova_fast + free_iova_fast, rcache hot", "warmSize32", "spinlock", "bareLockedPushPop"),
            iova("cold.rand1-64", "alloc_iova + __free_iova, 50% fragmented", "coldRand1to64", "spinlock", "treeMapPutRemove"),
            iova("fragfast.rand1-64", "alloc_iova_fast + free_iova_fast, 50% fragmented", "fragfastRand1to64", "spinlock", "treeMapPutRemove"),
            new Row("dma-iommu map_sgtable + unmap, 32 x 4 KiB RAM = 128 KiB (ns per list)", "IommuBench.mapUnmap32x4k",
                    "IommuBench.directMapUnmap32x4k", "<= 3 us", 3000, 0),
            new Row("device write of 128 KiB through the fabric, IOMMU on, 4 hops", "FabricBench.deviceWrite128k",
                    "FabricBench.plainCopy128k", ">= 50% of plain-copy throughput (ratio <= 2)", Double.MAX_VALUE, 2),
            new Row("O_DIRECT 4 KiB read end to end, IOMMU on (validation to completion)", "ODirectBench.read4k",
                    "ODirectBench.plainCopy4k", "< 5 us", 5000, 0),
            new Row("replay of the 20 calls of one dma-traces case, warm", "ODirectBench.replay20",
                    "ODirectBench.plainCopy4k", "< 20 ms", 20_000_000, 0));

    private BenchMain() {
    }

    /** "[k1=v1,k2=v2]" for a parameterised benchmark's result (keys sorted), "" without parameters. */
    private static String paramSuffix(RunResult r) {
        List<String> keys = new ArrayList<>(r.getParams().getParamsKeys());
        if (keys.isEmpty()) {
            return "";
        }
        keys.sort(null);
        List<String> pairs = new ArrayList<>();
        for (String k : keys) {
            pairs.add(k + "=" + r.getParams().getParam(k));
        }
        return "[" + String.join(",", pairs) + "]";
    }

    /**
     * The command line.
     *
     * @param kernelC   run.sh's raw output, if the harness ran
     * @param workloads workloads.md, to check the check values against
     * @param quick     two warm-up and two measured iterations instead of five
     * @param include   the regex of benchmarks to run
     */
    record Args(Optional<Path> kernelC, Optional<Path> workloads, boolean quick, String include) {

        /** The default include: every benchmark of the report. */
        static final String ALL = "dev\\.p2pdma\\.bench\\.(MatrixBench|PairDecisionBench|SysfsImportBench|SgFromPagesBench|PoolBench"
                + "|DmaDirectBench|SwiotlbBench|IovaBench|IommuBench|FabricBench|ODirectBench)\\..*";

        /** Reads {@code [--kernel-c RAW] [--workloads MD] [--quick] [REGEX]}; fails on an unknown option or a missing value. */
        static Args parse(String[] args) {
            Optional<Path> kernelC = Optional.empty();
            Optional<Path> workloads = Optional.empty();
            boolean quick = false;
            String include = ALL;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--kernel-c" -> kernelC = Optional.of(file(args, ++i));
                    case "--workloads" -> workloads = Optional.of(file(args, ++i));
                    case "--quick" -> quick = true;
                    default -> {
                        if (args[i].startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + args[i]);
                        }
                        include = args[i];
                    }
                }
            }
            return new Args(kernelC, workloads, quick, include);
        }

        /** The file named after the option at {@code i - 1}; fails when the option is the last argument. */
        private static Path file(String[] args, int i) {
            if (i == args.length) {
                throw new IllegalArgumentException(args[i - 1] + " needs a file");
            }
            return Path.of(args[i]);
        }
    }

    /** Every harness metric a row is held to or compared with, in row order. */
    static List<String> kernelMetrics() {
        return ROWS.stream().flatMap(r -> r.kernel().stream())
                .flatMap(k -> Stream.concat(Stream.of(k.metric()), k.infoMetric().stream())).distinct().toList();
    }

    /**
     * Everything that keeps the C run from standing beside the Java rows: a metric a row needs that
     * the run lacks; its check values against the Java side's and, when given, workloads.md's; and
     * workloads.md against the Java side. Empty when both sides did the same work.
     */
    static List<String> checkProblems(KernelCRun run, Map<String, String> javaSide, Optional<Map<String, String>> document) {
        List<String> problems = new ArrayList<>();
        kernelMetrics().stream().filter(m -> run.metric(m).isEmpty()).forEach(m -> problems.add(m + ": not in the run"));
        problems.addAll(run.checkProblems(javaSide));
        document.ifPresent(doc -> {
            problems.addAll(WorkloadChecks.differences("workloads.md", doc, "the Java benchmarks", javaSide));
            run.checkProblems(doc).stream().filter(p -> !problems.contains(p)).forEach(problems::add);
        });
        return problems;
    }

    public static void main(String[] argv) throws RunnerException, IOException {
        Args args = Args.parse(argv);
        Optional<KernelCRun> run = Optional.empty();
        List<String> lines = new ArrayList<>();
        if (args.kernelC().isPresent()) {
            KernelCRun c = KernelCRun.parse(Files.readAllLines(args.kernelC().get()));
            Optional<Map<String, String>> doc = args.workloads().isPresent()
                    ? Optional.of(WorkloadChecks.fromDocument(Files.readAllLines(args.workloads().get())))
                    : Optional.empty();
            List<String> problems = checkProblems(c, WorkloadChecks.javaSide(), doc);
            if (!problems.isEmpty()) {
                System.err.println("the kernel's C run did not do the workloads' work (" + args.kernelC().get() + "):");
                problems.forEach(p -> System.err.println("  " + p));
                System.exit(1);
            }
            System.out.println("the kernel's C: check values equal " + (doc.isPresent() ? "workloads.md's and " : "") + "the Java benchmarks'");
            run = Optional.of(c);
            lines.addAll(kernelTable(c));
        }
        int iterations = args.quick() ? 2 : 5;
        Options opts = new OptionsBuilder().include(args.include()).forks(1).warmupIterations(iterations).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1)).jvmArgsAppend("-Xmx2g").build();
        Collection<RunResult> results = new Runner(opts).run();
        Map<String, double[]> scores = new HashMap<>();
        Map<String, String> units = new HashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String shortName = label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1) + paramSuffix(r);
            scores.put(shortName, new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
            units.put(shortName, r.getPrimaryResult().getScoreUnit());
        }
        List<String> table = new ArrayList<>();
        table.add("| measure | score | same-run baseline | ratio | target | met |");
        table.add("|---|---|---|---|---|---|");
        for (Row row : ROWS) {
            double[] s = scores.get(row.benchmark());
            double[] b = scores.get(row.baseline());
            if (s == null || b == null) {
                continue;
            }
            String unit = units.get(row.benchmark());
            Verdict v = row.judge(s[0], unit, b[0], run);
            table.add(String.format(Locale.ROOT, "| %s | %.2f ± %.2f %s | %.2f %s (%s) | %.2fx | %s | %s |", row.name(), s[0], s[1], unit, b[0],
                    units.get(row.baseline()), row.baseline().substring(row.baseline().indexOf('.') + 1), s[0] / b[0], v.target(), v.met()));
        }
        lines.addAll(0, table);
        System.out.println();
        lines.forEach(System.out::println);
        Path out = Path.of("target", "bench-results.md");
        Files.createDirectories(out.getParent());
        Files.write(out, lines);
        System.out.println();
        System.out.println("written to " + out);
    }

    /** The C figures the rows use: the harness's header (machine, load) and one line per metric. */
    static List<String> kernelTable(KernelCRun run) {
        List<String> out = new ArrayList<>();
        out.add("");
        out.add("The kernel's C, same run (median of per-process medians):");
        run.header().forEach(h -> out.add("    " + h));
        out.add("");
        out.add("| metric | median | per-process medians | processes |");
        out.add("|---|---|---|---|");
        for (KernelCRun.Metric m : run.metrics()) {
            if (!kernelMetrics().contains(m.name())) {
                continue;
            }
            double lo = m.processMedians().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double hi = m.processMedians().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double per = KernelCRun.nsPer(m.unit());
            out.add(String.format(Locale.ROOT, "| %s | %s | %s..%s | %d |", m.name(), KernelTarget.human(m.medianNs()), KernelTarget.human(lo * per),
                    KernelTarget.human(hi * per), m.processMedians().size()));
        }
        return out;
    }
}
