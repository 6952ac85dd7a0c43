package dev.p2pdma.iommu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Models the lazy-invalidation flush queue of a DMA domain (dma-iommu's iova_fq; spec 5.1): a
 * freed IOVA range is queued with the translations the IOTLB may still hold for it, and both are
 * released only by a flush: when the queue is full (256 entries, as one CPU's ring), when the
 * timer armed by the first queued entry expires (10 ms later, on the driven clock), or on
 * {@link #flush()}. So an IOVA is never handed out again before its flush, and until then a
 * device can still reach the old memory through the stale translations (the lazy-mode hazard).
 *
 * <p>Invariants: entries are released in queue order, each exactly once; the timer is armed iff
 * the queue is non-empty. Thread-safe: one lock; the release callback runs outside it.
 */
public final class IommuDomainFlushQueue {

    /** IOVA_DEFAULT_FQ_SIZE: entries per (per-CPU) queue. */
    public static final int FQ_SIZE = 256;
    /** IOVA_DEFAULT_FQ_TIMEOUT: the timer, in ms. */
    public static final long FQ_TIMEOUT_MS = 10;
    /** IOVA_SINGLE_FQ_SIZE: entries of the single-queue mode. */
    public static final int SINGLE_FQ_SIZE = 32768;
    /** IOVA_SINGLE_FQ_TIMEOUT: the single-queue timer, in ms. */
    public static final long SINGLE_FQ_TIMEOUT_MS = 1000;

    /** Capacity. */
    private final int capacity;
    /** Timer length in ns. */
    private final long timeoutNs;
    /** The clock (ns) the timer runs on. */
    private final LongSupplier clockNs;
    /** Where released entries go (the IOVA allocator). */
    private final Release release;
    /** Guards the fields below. */
    private final Object lock = new Object();
    /** Queued entries, oldest first. */
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** When the timer fires (ns), meaningful only while the queue is non-empty. */
    private long deadlineNs;
    /** Flushes so far (full queue, timer, explicit). */
    private long flushes;

    private IommuDomainFlushQueue(int capacity, long timeoutNs, LongSupplier clockNs, Release release) {
        this.capacity = capacity;
        this.timeoutNs = timeoutNs;
        this.clockNs = clockNs;
        this.release = release;
    }

    /**
     * A queue of {@code capacity} entries with a {@code timeoutMs} timer on {@code clockNs}, handing
     * released IOVAs to {@code release}.
     *
     * @throws IllegalArgumentException for a capacity or timeout below 1
     */
    public static IommuDomainFlushQueue create(int capacity, long timeoutMs, LongSupplier clockNs, Release release) {
        if (capacity < 1 || timeoutMs < 1) {
            throw new IllegalArgumentException("flush queue needs a capacity and timeout of at least 1");
        }
        return new IommuDomainFlushQueue(capacity, timeoutMs * 1_000_000L, clockNs, release);
    }

    /**
     * Models queue_iova(): runs a due timer, flushes a full queue, queues the entry, arms the timer
     * when it is not armed.
     */
    public void queue(long pfn, long pages, List<IoPageTable.Leaf> stale) {
        List<Entry> released = new ArrayList<>();
        synchronized (lock) {
            long now = clockNs.getAsLong();
            if (!entries.isEmpty() && now - deadlineNs >= 0) {
                drainLocked(released);
            }
            if (entries.size() >= capacity) {
                drainLocked(released);
            }
            if (entries.isEmpty()) {
                deadlineNs = now + timeoutNs;
            }
            entries.addLast(new Entry(pfn, pages, List.copyOf(stale)));
        }
        releaseAll(released);
    }

    /** Models the timer (fq_flush_timeout()): flushes when it is armed and due; true when it flushed. */
    public boolean flushIfDue() {
        List<Entry> released = new ArrayList<>();
        synchronized (lock) {
            if (entries.isEmpty() || clockNs.getAsLong() - deadlineNs < 0) {
                return false;
            }
            drainLocked(released);
        }
        releaseAll(released);
        return true;
    }

    /** Models iommu_dma_flush_iotlb_all() + freeing every queued IOVA: the queue empties. */
    public void flush() {
        List<Entry> released = new ArrayList<>();
        synchronized (lock) {
            if (entries.isEmpty()) {
                return;
            }
            drainLocked(released);
        }
        releaseAll(released);
    }

    /** The stale translation of {@code iova} the IOTLB may still hold, if a queued entry has one (newest first). */
    public Optional<IoPageTable.Leaf> staleLeaf(long iova) {
        synchronized (lock) {
            var it = entries.descendingIterator();
            while (it.hasNext()) {
                for (IoPageTable.Leaf l : it.next().stale()) {
                    if (Long.compareUnsigned(iova - l.iova(), l.sizeBytes()) < 0) {
                        return Optional.of(l);
                    }
                }
            }
            return Optional.empty();
        }
    }

    /** Entries waiting for a flush. */
    public int size() {
        synchronized (lock) {
            return entries.size();
        }
    }

    /** Pages of IOVA space waiting for a flush. */
    public long queuedPages() {
        synchronized (lock) {
            return entries.stream().mapToLong(Entry::pages).sum();
        }
    }

    /** Flushes so far. */
    public long flushes() {
        synchronized (lock) {
            return flushes;
        }
    }

    /** The capacity. */
    public int capacity() {
        return capacity;
    }

    private void drainLocked(List<Entry> out) {
        out.addAll(entries);
        entries.clear();
        flushes++;
    }

    private void releaseAll(List<Entry> released) {
        for (Entry e : released) {
            release.free(e.pfn(), e.pages());
        }
    }

    /** Where a flushed IOVA range goes. */
    @FunctionalInterface
    public interface Release {
        /** Models free_iova_fast(iovad, pfn, pages). */
        void free(long pfn, long pages);
    }

    /**
     * One queued range.
     *
     * @param pfn   its first IOVA pfn
     * @param pages its length in granules
     * @param stale the translations the IOTLB may still hold for it
     */
    private record Entry(long pfn, long pages, List<IoPageTable.Leaf> stale) {
    }
}
