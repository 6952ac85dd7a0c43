package dev.p2pdma.dma;

import dev.p2pdma.base.KernelLog;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The kernel log of the DMA layer: plain lines (dev_warn), WARN lines that fire once per call site
 * (WARN_ON_ONCE / dev_WARN_ONCE, prefixed {@code "WARNING: "}), and rate-limited lines
 * (dev_warn_ratelimited: at most {@link #RATELIMIT_BURST} per {@link #RATELIMIT_INTERVAL_NS} per
 * call site, then one {@code "<function>: N callbacks suppressed"} line when the next interval
 * opens). Lines go to a {@link KernelLog}, so the P2PDMA decision's own lines can share it.
 *
 * <p>"Once" is per call site for the life of this object, as the kernel's static flags are per
 * boot. Thread-safe: state changes are synchronized on the instance; the clock is read inside.
 */
public final class DmaWarnings {

    /** DEFAULT_RATELIMIT_INTERVAL: 5 seconds. */
    public static final long RATELIMIT_INTERVAL_NS = 5_000_000_000L;
    /** DEFAULT_RATELIMIT_BURST: 10 messages per interval. */
    public static final int RATELIMIT_BURST = 10;

    /** Where the lines go. */
    private final KernelLog log;
    /** Monotonic clock in nanoseconds (System.nanoTime, or a test clock). */
    private final LongSupplier clockNs;
    /** Call sites whose once-only warning has fired. */
    private final Set<String> fired = new HashSet<>();
    /** Per call site: its rate-limit state. */
    private final Map<String, RateLimit> limits = new HashMap<>();

    private DmaWarnings(KernelLog log, LongSupplier clockNs) {
        this.log = log;
        this.clockNs = clockNs;
    }

    /** A sink with its own log and the system clock. */
    public static DmaWarnings create() {
        return new DmaWarnings(KernelLog.create(), System::nanoTime);
    }

    /** A sink writing into {@code log}, timed by {@code clockNs} (nanoseconds). */
    public static DmaWarnings of(KernelLog log, LongSupplier clockNs) {
        return new DmaWarnings(log, clockNs);
    }

    /** The log the lines go to. */
    public KernelLog log() {
        return log;
    }

    /** The lines so far. */
    public List<String> lines() {
        return log.lines();
    }

    /** The WARN lines so far (those starting with "WARNING: "). */
    public List<String> warnings() {
        return log.lines().stream().filter(l -> l.startsWith("WARNING: ")).toList();
    }

    /** Prints one line (dev_warn / pr_warn). */
    public void print(String line) {
        log.print(line);
    }

    /**
     * Models WARN_ON_ONCE / dev_WARN_ONCE at call site {@code site}: prints {@code "WARNING: " + text}
     * the first time only.
     *
     * @return true when this call printed
     */
    public synchronized boolean warnOnce(String site, String text) {
        if (!fired.add(site)) {
            return false;
        }
        log.print("WARNING: " + text);
        return true;
    }

    /** True when the once-only warning of {@code site} has fired. */
    public synchronized boolean hasFired(String site) {
        return fired.contains(site);
    }

    /**
     * Models dev_warn_ratelimited() / __ratelimit() at call site {@code function}: prints the line
     * unless the burst of this interval is used up; when a new interval opens after suppressions,
     * first prints {@code "<function>: <n> callbacks suppressed"}.
     *
     * @return true when the line was printed
     */
    public synchronized boolean warnRateLimited(String function, String line) {
        long now = clockNs.getAsLong();
        RateLimit rl = limits.computeIfAbsent(function, k -> new RateLimit(now));
        if (now - rl.beginNs > RATELIMIT_INTERVAL_NS) {
            if (rl.missed > 0) {
                log.print(function + ": " + rl.missed + " callbacks suppressed");
            }
            rl.beginNs = now;
            rl.printed = 0;
            rl.missed = 0;
        }
        if (rl.printed < RATELIMIT_BURST) {
            rl.printed++;
            log.print(line);
            return true;
        }
        rl.missed++;
        return false;
    }

    /** Models struct ratelimit_state of one call site. Guarded by the enclosing instance. */
    private static final class RateLimit {
        /** Start of the current interval. */
        long beginNs;
        /** Lines printed in this interval. */
        int printed;
        /** Lines suppressed in this interval. */
        int missed;

        RateLimit(long beginNs) {
            this.beginNs = beginNs;
        }
    }
}
