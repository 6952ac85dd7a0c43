package dev.p2pdma.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Models one run of the kernel's C harness ({@code ../shared/bench/kernel-c/run.sh}): the
 * {@code RESULT} lines of every process, folded per metric into the median of the per-process
 * medians, with the check values each process printed. Immutable; thread-safe.
 */
final class KernelCRun {

    /**
     * One metric of the run.
     *
     * @param name             the harness's metric name, e.g. {@code iova.lock.warm.size1}
     * @param unit             its unit, e.g. {@code ns/pair}
     * @param processMedians   each process's median, in run order
     * @param checkLines       the distinct check-value strings the processes printed ("" for a process that printed
     *                         none); empty for a metric no process checks
     */
    record Metric(String name, String unit, List<Double> processMedians, Set<String> checkLines) {

        /** Copies the lists; a metric has at least one process. */
        Metric {
            processMedians = List.copyOf(processMedians);
            checkLines = Collections.unmodifiableSet(new LinkedHashSet<>(checkLines));
            if (processMedians.isEmpty()) {
                throw new IllegalArgumentException(name + ": no process median");
            }
        }

        /** The headline figure: the median of the per-process medians (mean of the middle two for an even count). */
        double median() {
            List<Double> sorted = new ArrayList<>(processMedians);
            sorted.sort(null);
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        /** The headline figure in nanoseconds, for a time unit ({@code ns/...}, {@code us/...}, {@code ms/...}, {@code s/...}). */
        double medianNs() {
            return median() * nsPer(unit);
        }
    }

    /** A RESULT line: name, median, min, max, spread, unit, runs, then the check values if any. */
    private static final Pattern RESULT = Pattern.compile(
            "RESULT (\\S+)\\s+median=\\s*(\\S+) min=\\s*(\\S+) max=\\s*(\\S+) spread=\\s*(\\S+)% unit=(\\S+) runs=(\\d+)\\s*(.*)");

    /** The metrics, in first-seen order. */
    private final Map<String, Metric> metrics;
    /** The run's header comments (nproc, cpu, cflags, load at start and end). */
    private final List<String> header;

    private KernelCRun(Map<String, Metric> metrics, List<String> header) {
        this.metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        this.header = List.copyOf(header);
    }

    /**
     * Reads run.sh's raw output ({@code OUTDIR/raw.txt}); fails on a malformed RESULT line or on a
     * metric whose unit changes between processes, naming the line.
     */
    static KernelCRun parse(List<String> lines) {
        Map<String, String> units = new LinkedHashMap<>();
        Map<String, List<Double>> medians = new LinkedHashMap<>();
        Map<String, Set<String>> checks = new LinkedHashMap<>();
        List<String> header = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.startsWith("# ") && !line.startsWith("# sizeof") && !line.startsWith("# variant") && !header.contains(line)) {
                header.add(line);
            }
            if (!line.startsWith("RESULT")) {
                continue;
            }
            Matcher m = RESULT.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("line " + (i + 1) + ": not a RESULT line of the harness: " + line);
            }
            String name = m.group(1);
            String unit = m.group(6);
            String previous = units.putIfAbsent(name, unit);
            if (previous != null && !previous.equals(unit)) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + name + " in " + unit + ", earlier in " + previous);
            }
            double median;
            try {
                median = Double.parseDouble(m.group(2));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": median " + m.group(2) + " is not a number", e);
            }
            medians.computeIfAbsent(name, k -> new ArrayList<>()).add(median);
            checks.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(m.group(8).strip());
        }
        Map<String, Metric> out = new LinkedHashMap<>();
        units.forEach((name, unit) -> {
            Set<String> seen = checks.get(name);
            Set<String> none = Set.of("");
            out.put(name, new Metric(name, unit, medians.get(name), seen.equals(none) ? Set.of() : seen));
        });
        return new KernelCRun(out, header);
    }

    /** The metric of that name, if the run measured it. */
    Optional<Metric> metric(String name) {
        return Optional.ofNullable(metrics.get(name));
    }

    /** Every metric, in the order the run printed them. */
    List<Metric> metrics() {
        return List.copyOf(metrics.values());
    }

    /** The run's header comments: nproc, cpu, cflags, load at start and end. */
    List<String> header() {
        return header;
    }

    /**
     * What is wrong with the run's check values against {@code expected} (keyed by workloads.md's
     * name, e.g. {@code iova.warm.size1}; the harness's {@code iova.lock.} and {@code iova.nolock.}
     * metrics both answer to it): a workload the run did not print, processes that disagree, a value
     * that differs, or a checked metric nobody expects. Empty when the run did the same work.
     */
    List<String> checkProblems(Map<String, String> expected) {
        List<String> problems = new ArrayList<>();
        Set<String> answered = new LinkedHashSet<>();
        for (Metric m : metrics.values()) {
            if (m.checkLines().isEmpty()) {
                continue;
            }
            String workload = workloadName(m.name());
            String want = expected.get(workload);
            if (want == null) {
                problems.add(m.name() + ": check values " + m.checkLines() + " but workloads.md lists none for " + workload);
                continue;
            }
            answered.add(workload);
            if (m.checkLines().size() > 1) {
                problems.add(m.name() + ": processes disagree: " + m.checkLines());
            } else if (!m.checkLines().iterator().next().equals(want)) {
                problems.add(m.name() + ": " + m.checkLines().iterator().next() + " differs from " + want);
            }
        }
        for (String workload : expected.keySet()) {
            if (!answered.contains(workload)) {
                problems.add(workload + ": the run printed no check values");
            }
        }
        return problems;
    }

    /** workloads.md's name of a harness metric: {@code iova.lock.cold.rand1-64} is {@code iova.cold.rand1-64}. */
    static String workloadName(String metric) {
        return metric.replaceFirst("^iova\\.(lock|nolock)\\.", "iova.");
    }

    /** Nanoseconds per the time unit in front of a {@code /} (ns, us, ms, s); fails on anything else. */
    static double nsPer(String unit) {
        String time = unit.contains("/") ? unit.substring(0, unit.indexOf('/')) : unit;
        return switch (time) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> throw new IllegalArgumentException("not a time unit: " + unit);
        };
    }
}
