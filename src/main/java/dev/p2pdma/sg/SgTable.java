package dev.p2pdma.sg;

import dev.p2pdma.base.Errno;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Models {@code struct sg_table} (spec 2.3): the first entry, {@code nents} (entries after DMA
 * mapping) and {@code orig_nents} (CPU entries), built from chunks of at most
 * {@link #SG_MAX_SINGLE_ALLOC} entries chained by their last entry.
 *
 * <p>Invariants: {@code 0 <= nents <= orig_nents}; walking {@code orig_nents} entries with
 * {@link SgEntry#next()} ends at the END entry (for a table built by {@link SgAppendTable}, once a
 * call passed left_pages 0). Not thread-safe (one owner at a time).
 */
public final class SgTable {

    /** Entries per chunk: PAGE_SIZE / sizeof(struct scatterlist) = 4096 / 32. */
    public static final int SG_MAX_SINGLE_ALLOC = 128;
    /** SG_CHUNK_SIZE. */
    public static final int SG_CHUNK_SIZE = 128;
    /** SG_MAX_SEGMENTS. */
    public static final int SG_MAX_SEGMENTS = 2048;

    /** The first chunk, null while unallocated. */
    private SgChunk sgl;
    /** Entries after DMA mapping. */
    private int nents;
    /** CPU entries. */
    private int origNents;
    /** Entries allocated including chain links (append tables), 0 for plain tables. */
    private int totalNents;
    /** Where chunks come from. */
    private final ChunkAllocator allocator;

    /** An empty table whose chunks come from {@code allocator}. */
    public SgTable(ChunkAllocator allocator) {
        this.allocator = allocator;
    }

    /** An empty table with an allocator that never fails. */
    public SgTable() {
        this(ChunkAllocator.unlimited());
    }

    /**
     * Models __sg_alloc_table() with max_ents = {@link #SG_MAX_SINGLE_ALLOC} (sg_alloc_table()):
     * chunks of up to 128 entries, each full chunk's last entry a chain link, END on the last data
     * entry. Frees what it made on failure.
     *
     * @return empty on success; EINVAL for 0 entries; ENOMEM when a chunk cannot be allocated
     */
    public Optional<Errno> alloc(int entries) {
        return alloc(entries, SG_MAX_SINGLE_ALLOC);
    }

    /** Models __sg_alloc_table() with a chosen chunk size (tests of the chaining geometry). */
    public Optional<Errno> alloc(int entries, int maxEnts) {
        if (entries <= 0 || maxEnts < 2) {
            return Optional.of(Errno.EINVAL);
        }
        if (sgl != null) {
            throw new IllegalStateException("table already allocated");
        }
        int left = entries;
        SgChunk prev = null;
        int prevMax = 0;
        nents = 0;
        origNents = 0;
        do {
            int chunkEntries = left;
            int data = left;
            if (chunkEntries > maxEnts) {
                chunkEntries = maxEnts;
                data = chunkEntries - 1;
            }
            left -= data;
            Optional<SgChunk> made = allocator.allocate(chunkEntries);
            if (made.isEmpty()) {
                if (prev != null) {
                    nents = ++origNents;
                }
                free();
                return Optional.of(Errno.ENOMEM);
            }
            SgChunk chunk = made.get();
            nents = origNents += data;
            if (prev != null) {
                SgChunk.chain(prev, prevMax, chunk);
            } else {
                sgl = chunk;
            }
            if (left == 0) {
                chunk.entry(data - 1).markEnd();
            }
            prev = chunk;
            prevMax = maxEnts;
        } while (left > 0);
        return Optional.empty();
    }

    /**
     * Models __sg_free_table(): walks the chunk geometry of {@code orig_nents} (or
     * {@code total_nents} for append tables) and frees every chunk.
     */
    public void free() {
        SgChunk chunk = sgl;
        int left = totalNents > 0 ? totalNents : origNents;
        while (chunk != null) {
            SgChunk next = null;
            int capacity = chunk.capacity();
            if (left > capacity) {
                next = chunk.chainTargetOf(capacity - 1);
                left -= capacity - 1;
            }
            allocator.free(chunk);
            chunk = next;
        }
        sgl = null;
        nents = 0;
        origNents = 0;
        totalNents = 0;
    }

    /** The first entry. */
    public Optional<SgEntry> first() {
        return sgl == null ? Optional.empty() : Optional.of(sgl.entry(0));
    }

    /** The first chunk (for builders in this package). */
    SgChunk firstChunk() {
        return sgl;
    }

    /** Installs the first chunk (for builders in this package). */
    void setFirstChunk(SgChunk chunk) {
        this.sgl = chunk;
    }

    /** Where this table's chunks come from. */
    public ChunkAllocator allocator() {
        return allocator;
    }

    /** Entries after DMA mapping. */
    public int nents() {
        return nents;
    }

    /** Sets the mapped entry count (dma_map_sgtable()). */
    public void setNents(int n) {
        if (n < 0 || n > origNents) {
            throw new IllegalArgumentException("nents " + n + " outside 0.." + origNents);
        }
        this.nents = n;
    }

    /** CPU entries. */
    public int origNents() {
        return origNents;
    }

    /** Sets both counts (builders in this package). */
    void setCounts(int nents, int origNents) {
        this.nents = nents;
        this.origNents = origNents;
    }

    /** Allocated entries including chain links, for append tables. */
    public int totalNents() {
        return totalNents;
    }

    /** Sets the append table's allocated count (builders in this package). */
    void setTotalNents(int n) {
        this.totalNents = n;
    }

    /** for_each_sgtable_sg(): the {@code orig_nents} CPU entries. */
    public Iterable<SgEntry> cpuEntries() {
        return () -> walk(origNents);
    }

    /** for_each_sgtable_dma_sg(): the first {@code nents} entries. */
    public Iterable<SgEntry> dmaEntries() {
        return () -> walk(nents);
    }

    /** The first {@code count} entries as a list. */
    public List<SgEntry> entries(int count) {
        List<SgEntry> out = new ArrayList<>(count);
        walk(count).forEachRemaining(out::add);
        return out;
    }

    private Iterator<SgEntry> walk(int count) {
        return new Iterator<>() {
            /** The entry to hand out next. */
            private SgEntry cur = sgl == null ? null : sgl.entry(0);
            /** Entries handed out. */
            private int done;

            @Override
            public boolean hasNext() {
                return done < count && cur != null;
            }

            @Override
            public SgEntry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                SgEntry e = cur;
                done++;
                cur = done < count ? e.nextOrNull() : null;
                return e;
            }
        };
    }

    /** Models sg_nents(): entries reachable from {@code first} until END. */
    public static int sgNents(SgEntry first) {
        int n = 0;
        for (SgEntry e = first; e != null; e = e.nextOrNull()) {
            n++;
        }
        return n;
    }

    /**
     * Models sg_nents_for_len(): the number of entries whose lengths first reach {@code len}. Lengths
     * are read as unsigned 32-bit values and {@code len} as an unsigned 64-bit value, as in the kernel.
     *
     * @return the count, 0 for len 0, or EINVAL when the list is too short
     */
    public static SgCount sgNentsForLen(SgEntry first, long len) {
        if (len == 0) {
            return new SgCount(0, Optional.empty());
        }
        long total = 0;
        int n = 0;
        for (SgEntry e = first; e != null; e = e.nextOrNull()) {
            n++;
            total += e.lengthBytes();
            if (Long.compareUnsigned(total, len) >= 0) {
                return new SgCount(n, Optional.empty());
            }
        }
        return new SgCount(0, Optional.of(Errno.EINVAL));
    }

    /**
     * Models sg_last(): the {@code nents}-th entry reached from {@code first} through sg_next (the
     * kernel then expects it to carry END; that check is CONFIG_DEBUG_SG only and is not made here).
     *
     * @return the entry, or empty when {@code nents <= 0} or the list ends before it
     */
    public static Optional<SgEntry> sgLast(SgEntry first, int nents) {
        if (nents <= 0) {
            return Optional.empty();
        }
        SgEntry e = first;
        for (int i = 1; i < nents && e != null; i++) {
            e = e.nextOrNull();
        }
        return Optional.ofNullable(e);
    }

    /**
     * A count or an error.
     *
     * @param count the count when there is no error
     * @param error the kernel's error value, if any
     */
    public record SgCount(int count, Optional<Errno> error) {
    }
}
