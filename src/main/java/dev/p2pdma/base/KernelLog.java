package dev.p2pdma.base;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the lines the modelled kernel prints (dev_warn/dev_info with the device prefix), in
 * order. Thread-safe: appends and snapshots are synchronized on the instance.
 */
public final class KernelLog {

    /** Lines in print order. */
    private final List<String> lines = new ArrayList<>();
    /** False for the sink that drops everything. */
    private final boolean keeping;

    private KernelLog(boolean keeping) {
        this.keeping = keeping;
    }

    /** A log that keeps its lines. */
    public static KernelLog create() {
        return new KernelLog(true);
    }

    /** A sink that drops everything, for non-verbose calls. */
    public static KernelLog discard() {
        return new KernelLog(false);
    }

    /** Appends one line. */
    public synchronized void print(String line) {
        if (keeping) {
            lines.add(line);
        }
    }

    /** Appends several lines. */
    public synchronized void printAll(List<String> more) {
        if (keeping) {
            lines.addAll(more);
        }
    }

    /** A snapshot of the lines so far. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
