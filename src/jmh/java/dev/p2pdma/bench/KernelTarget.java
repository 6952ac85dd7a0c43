package dev.p2pdma.bench;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Models a report row's target against the kernel's C measured earlier in the same {@code ./bench}
 * run: the Java score at most {@code maxRatio} times the harness's {@code metric}, with an optional
 * {@code infoMetric} whose ratio is printed beside it without a bound. Immutable; thread-safe.
 *
 * @param metric     the harness metric the row is held to, e.g. {@code iova.lock.cold.rand1-64}
 * @param maxRatio   the largest acceptable Java / C ratio
 * @param infoMetric a harness metric to print the ratio to, for information only
 */
record KernelTarget(String metric, double maxRatio, Optional<String> infoMetric) {

    /** Whether a row met its kernel target. */
    enum Met {
        /** Measured, within the bound. */
        YES,
        /** Measured, over the bound. */
        NO,
        /** The harness did not run or did not print the metric, so there is nothing to compare with. */
        NOT_MEASURED
    }

    /**
     * The outcome for one Java score.
     *
     * @param met   whether the bound holds
     * @param ratio the Java / C ratio, when measured
     * @param text  the target and the measured ratio, in words, for the report's target column
     */
    record Judgement(Met met, OptionalDouble ratio, String text) {
    }

    /** Fails fast on a blank metric or a bound that is not a positive number. */
    KernelTarget {
        if (metric.isBlank()) {
            throw new IllegalArgumentException("no harness metric");
        }
        if (!(maxRatio > 0) || Double.isInfinite(maxRatio)) {
            throw new IllegalArgumentException(metric + ": bound " + maxRatio + " is not a positive ratio");
        }
    }

    /** A target without an informational metric. */
    static KernelTarget of(String metric, double maxRatio) {
        return new KernelTarget(metric, maxRatio, Optional.empty());
    }

    /** Judges a Java score in {@code scoreUnit} (a time per operation, e.g. {@code ms/op}) against the same run's C, if it ran. */
    Judgement judge(double score, String scoreUnit, Optional<KernelCRun> run) {
        double scoreNs = score * KernelCRun.nsPer(scoreUnit);
        String bound = String.format(Locale.ROOT, "<= %sx the kernel's C %s", trim(maxRatio), metric);
        Optional<KernelCRun.Metric> c = run.flatMap(r -> r.metric(metric));
        if (c.isEmpty()) {
            return new Judgement(Met.NOT_MEASURED, OptionalDouble.empty(), bound + " (no same-run C figure: harness not run)");
        }
        double ratio = scoreNs / c.get().medianNs();
        String text = String.format(Locale.ROOT, "%s (same run: %s): measured %.2fx", bound, human(c.get().medianNs()), ratio);
        Optional<KernelCRun.Metric> info = infoMetric.flatMap(m -> run.flatMap(r -> r.metric(m)));
        if (info.isPresent()) {
            text += String.format(Locale.ROOT, "; %.2fx the kernel's C %s (%s, no bound)", scoreNs / info.get().medianNs(), info.get().name(),
                    human(info.get().medianNs()));
        }
        return new Judgement(ratio <= maxRatio ? Met.YES : Met.NO, OptionalDouble.of(ratio), text);
    }

    /** "1.5" or "2": the bound without trailing zeros. */
    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** A duration in the largest of ns, us, ms that keeps it at or above 1, two decimals. */
    static String human(double ns) {
        if (ns >= 1e6) {
            return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
        }
        if (ns >= 1e3) {
            return String.format(Locale.ROOT, "%.2f us", ns / 1e3);
        }
        return String.format(Locale.ROOT, "%.2f ns", ns);
    }
}
