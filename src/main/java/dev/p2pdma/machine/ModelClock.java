package dev.p2pdma.machine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The running machine's time, in nanoseconds since boot. It moves only when the model advances it
 * (a requeue delay, a lazy flush timer): nothing in the model ever sleeps. Thread-safe.
 */
public final class ModelClock {

    /** Nanoseconds since boot. */
    private final AtomicLong nowNs = new AtomicLong();

    /** The time now, ns since boot. */
    public long nowNs() {
        return nowNs.get();
    }

    /** Moves time on by {@code ns} (not negative); returns the new time. */
    public long advanceNs(long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("time does not go back: " + ns);
        }
        return nowNs.addAndGet(ns);
    }
}
