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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the foundation benchmarks and prints each score next to its same-run baseline, the ratio
 * and the target (issue "Foundation", section Performance). Writes the table to
 * {@code target/bench-results.md} as well. Arguments: an optional regex of benchmarks to run.
 */
public final class BenchMain {

    /**
     * One row of the report.
     *
     * @param name      what is measured
     * @param benchmark the benchmark method
     * @param baseline  the baseline method
     * @param target    the target, in words
     * @param limit     the absolute limit in the benchmark's unit
     * @param maxRatio  the largest acceptable ratio to the baseline, or 0 for none
     */
    private record Row(String name, String benchmark, String baseline, String target, double limit, double maxRatio) {
    }

    /** The report rows. */
    private static final List<Row> ROWS = List.of(
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
            new Row("dma-direct map_sgtable + unmap, 64 RAM segments (ns per segment)", "DmaDirectBench.mapUnmap64",
                    "DmaDirectBench.bareFill64", "<= 40 ns per segment", 40, 0),
            new Row("dma-direct map_sgtable + unmap, 48 RAM + 16 BUS_ADDR (ns per segment)", "DmaDirectBench.mapUnmap64MixedP2p",
                    "DmaDirectBench.bareFill64", "<= 40 ns per segment", 40, 0),
            new Row("swiotlb bounce 128 KiB BIDIRECTIONAL (map + unmap, 2 copies)", "SwiotlbBench.bounce128kBidirectional",
                    "SwiotlbBench.plainCopy128k", ">= 50% of plain-copy throughput (ratio <= 2)", Double.MAX_VALUE, 2),
            new Row("swiotlb bounce 128 KiB TO_DEVICE (map + unmap, 1 copy)", "SwiotlbBench.bounce128kToDevice",
                    "SwiotlbBench.plainCopy128k", ">= 50% of plain-copy throughput (ratio <= 2)", Double.MAX_VALUE, 2));

    private BenchMain() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        String include = args.length > 0 ? args[0] : "dev\\.p2pdma\\.bench\\.(MatrixBench|PairDecisionBench|SysfsImportBench|DmaDirectBench|SwiotlbBench)\\..*";
        Options opts = new OptionsBuilder().include(include).forks(1).warmupIterations(5).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1)).jvmArgsAppend("-Xmx2g").build();
        Collection<RunResult> results = new Runner(opts).run();
        Map<String, double[]> scores = new HashMap<>();
        Map<String, String> units = new HashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String shortName = label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1);
            scores.put(shortName, new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
            units.put(shortName, r.getPrimaryResult().getScoreUnit());
        }
        List<String> lines = new ArrayList<>();
        lines.add("| measure | score | same-run baseline | ratio | target | met |");
        lines.add("|---|---|---|---|---|---|");
        for (Row row : ROWS) {
            double[] s = scores.get(row.benchmark());
            double[] b = scores.get(row.baseline());
            if (s == null || b == null) {
                continue;
            }
            String unit = units.get(row.benchmark());
            double ratio = s[0] / b[0];
            boolean met = s[0] < row.limit() && (row.maxRatio() == 0 || ratio <= row.maxRatio());
            lines.add(String.format(Locale.ROOT, "| %s | %.2f ± %.2f %s | %.2f %s (%s) | %.2fx | %s | %s |", row.name(), s[0], s[1], unit, b[0],
                    units.get(row.baseline()), row.baseline().substring(row.baseline().indexOf('.') + 1), ratio, row.target(), met ? "yes" : "NO"));
        }
        System.out.println();
        lines.forEach(System.out::println);
        Path out = Path.of("target", "bench-results.md");
        Files.createDirectories(out.getParent());
        Files.write(out, lines);
        System.out.println();
        System.out.println("written to " + out);
    }
}
