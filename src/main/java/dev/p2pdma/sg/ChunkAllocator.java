package dev.p2pdma.sg;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where scatterlist chunks come from (the kernel's sg_kmalloc / page allocations): lets tests make
 * an allocation fail to reach the -ENOMEM paths, and counts what is live so leaks show. The
 * default instance never fails. Thread-safe: counters are atomic.
 */
public class ChunkAllocator {

    /** Chunks handed out and not yet freed. */
    private final AtomicLong liveChunks = new AtomicLong();

    /** An allocator that always succeeds. */
    public static ChunkAllocator unlimited() {
        return new ChunkAllocator();
    }

    /** An allocator whose {@code n}-th allocation (0-based) and every later one fail. */
    public static ChunkAllocator failingFrom(int n) {
        return new ChunkAllocator() {
            /** Allocations attempted so far. */
            private final AtomicLong attempts = new AtomicLong();

            @Override
            protected boolean permit(int entries) {
                return attempts.getAndIncrement() < n;
            }
        };
    }

    /** A zeroed chunk of {@code entries} entries with END on the last, or empty when out of memory. */
    public final Optional<SgChunk> allocate(int entries) {
        if (!permit(entries)) {
            return Optional.empty();
        }
        liveChunks.incrementAndGet();
        return Optional.of(SgChunk.init(entries));
    }

    /** Returns a chunk. */
    public final void free(SgChunk chunk) {
        liveChunks.decrementAndGet();
    }

    /** Chunks handed out and not freed. */
    public final long liveChunks() {
        return liveChunks.get();
    }

    /** Whether the next allocation may succeed; overridden to inject failures. */
    protected boolean permit(int entries) {
        return true;
    }
}
