package dev.p2pdma.p2pdma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PerCpuCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Models the kernel's general-purpose allocator ({@code lib/genalloc.c}) with the first-fit
 * algorithm, as the P2PDMA pool uses it (spec 1.3): a list of chunks, each a range of "virtual"
 * addresses with a recorded "physical" start and an owner, and one bitmap bit per
 * {@code 2^minAllocOrder} bytes.
 *
 * <p>Rules: new chunks go to the head of the list, so the newest chunk is tried first by
 * {@link #alloc} and {@link #virtToPhys}; an allocation of {@code size} bytes needs
 * {@code ceil(size / granule)} clear bits, found first-fit from bit 0 of each chunk whose free byte
 * count is at least {@code size} (the free count is read only when the chunk's first bitmap word
 * is full: a chunk with too few free bytes has no such run, so the outcome is the same);
 * {@code size == 0}, or no chunk with such a run, fails. A request
 * is served whole or not at all. Addresses and sizes are unsigned, like the kernel's
 * {@code unsigned long} and {@code size_t}.
 *
 * <p>Invariants: for every chunk, {@code avail == size - granule * (set bits)} whenever no call is
 * in flight; no two outstanding blocks share a bit. Thread-safety: lock-free like genalloc. Each
 * bitmap word is set and cleared with one atomic OR / AND (genalloc loops on cmpxchg; the outcome
 * is the same and two CPUs on one word never retry); a reservation that meets a bit a racing
 * thread set first takes back only its own bits and the search resumes at that position. A chunk's
 * free count is updated after its bits (so it may briefly lag them) and is striped, off the
 * bitmap's cache line, so two CPUs contend on the bitmap word only. The chunk list is an immutable array replaced under the pool's monitor when a chunk is added and read
 * without locking.
 *
 * @param <T> the chunk owner type (for P2PDMA: the chunk's {@code DevicePageMap})
 */
public final class GenPool<T> {

    /** Bits per bitmap word. */
    private static final int WORD_BITS = Long.SIZE;

    /**
     * One allocation.
     *
     * @param virt          first address of the block
     * @param phys          the chunk's recorded "physical" address of {@code virt}
     * @param sizeBytes     the size asked for
     * @param reservedBytes the size reserved: {@code sizeBytes} rounded up to the granule
     * @param owner         the owner of the chunk the block came from
     * @param <T>           the owner type
     */
    public record Block<T>(long virt, long phys, long sizeBytes, long reservedBytes, T owner) {
    }

    /**
     * A snapshot of one chunk.
     *
     * @param virtStart first address
     * @param phys      recorded "physical" address of {@code virtStart}
     * @param sizeBytes length
     * @param availBytes free bytes when the snapshot was taken
     * @param owner     the chunk's owner
     * @param <T>       the owner type
     */
    public record ChunkInfo<T>(long virtStart, long phys, long sizeBytes, long availBytes, T owner) {
    }

    /** log2 of the allocation granule. */
    private final int minAllocOrder;
    /** Chunks, newest first; replaced whole on add. */
    private volatile Chunk<T>[] chunks;

    /**
     * An empty pool with a granule of {@code 2^minAllocOrder} bytes (gen_pool_create()).
     *
     * @throws IllegalArgumentException when the order is outside 0..30
     */
    @SuppressWarnings("unchecked")
    public GenPool(int minAllocOrder) {
        if (minAllocOrder < 0 || minAllocOrder > 30) {
            throw new IllegalArgumentException("minimum allocation order out of range 0..30: " + minAllocOrder);
        }
        this.minAllocOrder = minAllocOrder;
        this.chunks = (Chunk<T>[]) new Chunk<?>[0];
    }

    /** The allocation granule in bytes. */
    public long granuleBytes() {
        return 1L << minAllocOrder;
    }

    /**
     * Models gen_pool_add_owner(): adds {@code [virt, virt + sizeBytes)} at the head of the chunk
     * list, recording {@code phys} as the address behind {@code virt}. Trailing bytes short of a
     * granule count in the size and free count but can never be handed out, as in the kernel.
     *
     * @return empty on success; {@link Errno#ENOMEM} when the bitmap cannot be made (more than
     *         {@code Integer.MAX_VALUE} bits)
     * @throws IllegalArgumentException when {@code sizeBytes <= 0}
     */
    @SuppressWarnings("unchecked")
    public Optional<Errno> addChunk(long virt, long phys, long sizeBytes, T owner) {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("chunk size must be positive: " + sizeBytes);
        }
        long nbits = sizeBytes >>> minAllocOrder;
        if (nbits > Integer.MAX_VALUE) {
            return Optional.of(Errno.ENOMEM);
        }
        Chunk<T> c = new Chunk<>(virt, phys, sizeBytes, (int) nbits, owner);
        synchronized (this) {
            Chunk<T>[] old = chunks;
            Chunk<T>[] next = (Chunk<T>[]) new Chunk<?>[old.length + 1];
            next[0] = c;
            System.arraycopy(old, 0, next, 1, old.length);
            chunks = next;
        }
        return Optional.empty();
    }

    /**
     * Models gen_pool_alloc_owner() with gen_pool_first_fit(): reserves {@code sizeBytes} (rounded
     * up to the granule) from the first chunk, newest first, that has a long enough run of free
     * granules at or after its start.
     *
     * @return the block, or empty for {@code sizeBytes == 0} and when no chunk can serve it whole
     */
    public Optional<Block<T>> alloc(long sizeBytes) {
        if (sizeBytes == 0) {
            return Optional.empty();
        }
        long mask = granuleBytes() - 1;
        long nbitsWanted = (sizeBytes >>> minAllocOrder) + ((sizeBytes & mask) != 0 ? 1 : 0);
        for (Chunk<T> c : chunks) {
            if (nbitsWanted > c.nbits) {
                continue;
            }
            // The kernel skips a chunk whose free count is below the size. That skip only saves the
            // search (too few free bytes means no free run either), so the striped count, whose
            // read pulls in every CPU's stripe, is consulted only when the first bitmap word is
            // full: full chunks are still skipped at once, and the common path touches the bitmap only.
            long firstWord = c.word(0);
            if (c.isFull(0, firstWord) && Long.compareUnsigned(sizeBytes, c.avail()) > 0) {
                continue;
            }
            int nbits = (int) nbitsWanted;
            if (nbits == 1) {
                // one granule (a p2pmem page): claim the first clear bit word by word
                int bit = c.claimFirstClearBit(firstWord);
                if (bit < 0) {
                    continue;
                }
                c.addAvail(-granuleBytes());
                long offset = (long) bit << minAllocOrder;
                return Optional.of(new Block<>(c.virtStart + offset, c.phys + offset, sizeBytes, granuleBytes(), c.owner));
            }
            int start = c.firstFreeRun(0, nbits);
            while (start >= 0) {
                int missed = c.setRun(start, nbits);
                if (missed == 0) {
                    long reserved = (long) nbits << minAllocOrder;
                    c.addAvail(-reserved);
                    long offset = (long) start << minAllocOrder;
                    return Optional.of(new Block<>(c.virtStart + offset, c.phys + offset, sizeBytes, reserved, c.owner));
                }
                if (c.clearRun(start, nbits - missed) != 0) {
                    throw new IllegalStateException("kernel BUG: gen_pool_alloc could not undo its own partial reservation");
                }
                start = c.firstFreeRun(start, nbits);
            }
        }
        return Optional.empty();
    }

    /**
     * Models gen_pool_free_owner(): returns {@code [virt, virt + sizeBytes)} (rounded up to the
     * granule) to the first chunk holding {@code virt}, and gives back that chunk's owner.
     *
     * @return the owner of the chunk
     * @throws IllegalStateException where the kernel hits BUG(): no chunk holds {@code virt}, the
     *         range runs past the chunk's end, or part of it is not allocated (a double free);
     *         the pool is left unchanged in the first two cases and when the range was free
     *         before the call
     */
    public T free(long virt, long sizeBytes) {
        Chunk<T> c = chunkOf(virt);
        if (c == null) {
            throw new IllegalStateException("kernel BUG: gen_pool_free of 0x" + Long.toHexString(virt) + ", which no chunk holds");
        }
        long mask = granuleBytes() - 1;
        long nbits = (sizeBytes >>> minAllocOrder) + ((sizeBytes & mask) != 0 ? 1 : 0);
        long offset = virt - c.virtStart;
        if (sizeBytes != 0 && Long.compareUnsigned(sizeBytes - 1, c.sizeBytes - 1 - offset) > 0) {
            throw new IllegalStateException("kernel BUG: gen_pool_free of 0x" + Long.toHexString(virt) + "+0x" + Long.toHexString(sizeBytes)
                    + " runs past the end of its chunk");
        }
        int start = (int) (offset >>> minAllocOrder);
        boolean oneWord = nbits <= WORD_BITS && start / WORD_BITS == (start + nbits - 1) / WORD_BITS;
        if (nbits > c.nbits - start || (!oneWord && !c.isSetRun(start, (int) nbits))) {
            throw new IllegalStateException("kernel BUG: gen_pool_free of 0x" + Long.toHexString(virt) + "+0x" + Long.toHexString(sizeBytes)
                    + ", which is not (wholly) allocated");
        }
        if (c.clearRun(start, (int) nbits) != 0) {
            throw new IllegalStateException("kernel BUG: gen_pool_free of 0x" + Long.toHexString(virt) + "+0x" + Long.toHexString(sizeBytes)
                    + ", which is not (wholly) allocated");
        }
        c.addAvail(nbits << minAllocOrder);
        return c.owner;
    }

    /**
     * Models gen_pool_virt_to_phys(): the recorded address behind {@code virt} in the first chunk,
     * newest first, that holds it; all-ones ({@code -1}) when none does.
     */
    public long virtToPhys(long virt) {
        Chunk<T> c = chunkOf(virt);
        return c == null ? -1L : c.phys + (virt - c.virtStart);
    }

    /** The owner of the first chunk holding {@code virt}, if any (gen_pool_has_addr() plus the owner). */
    public Optional<T> ownerOf(long virt) {
        Chunk<T> c = chunkOf(virt);
        return c == null ? Optional.empty() : Optional.of(c.owner);
    }

    /** Models gen_pool_size(): the sum of the chunk sizes. */
    public long sizeBytes() {
        long n = 0;
        for (Chunk<T> c : chunks) {
            n += c.sizeBytes;
        }
        return n;
    }

    /** Models gen_pool_avail(): the sum of the chunks' free byte counts. */
    public long availBytes() {
        long n = 0;
        for (Chunk<T> c : chunks) {
            n += c.avail();
        }
        return n;
    }

    /** Snapshots of the chunks, newest first (list order). */
    public List<ChunkInfo<T>> chunks() {
        List<ChunkInfo<T>> out = new ArrayList<>();
        for (Chunk<T> c : chunks) {
            out.add(new ChunkInfo<>(c.virtStart, c.phys, c.sizeBytes, c.avail(), c.owner));
        }
        return List.copyOf(out);
    }

    private Chunk<T> chunkOf(long virt) {
        for (Chunk<T> c : chunks) {
            if (Long.compareUnsigned(virt, c.virtStart) >= 0 && Long.compareUnsigned(virt - c.virtStart, c.sizeBytes) < 0) {
                return c;
            }
        }
        return null;
    }

    /**
     * One chunk: its range, its bitmap and its free byte count. Thread-safe as the pool describes.
     *
     * @param <T> the owner type
     */
    private static final class Chunk<T> {
        /** Atomic access to the bitmap words (locked OR/AND, volatile reads). */
        private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);

        /** First address. */
        final long virtStart;
        /** Recorded "physical" address of {@link #virtStart}. */
        final long phys;
        /** Length in bytes. */
        final long sizeBytes;
        /** Number of granules (bits) that can be allocated. */
        final int nbits;
        /** The bitmap, one bit per granule, set while allocated; accessed through {@link #BITS}. */
        final long[] bits;
        /**
         * Free bytes, per CPU: kept off the bitmap's cache line so that two CPUs allocating from
         * one chunk contend on the bitmap word only (the kernel's atomic avail is one more shared line).
         */
        final PerCpuCounter availBytes = new PerCpuCounter();
        /** Number of bitmap words. */
        final int words;
        /** The owner handed back with each block. */
        final T owner;

        Chunk(long virtStart, long phys, long sizeBytes, int nbits, T owner) {
            this.virtStart = virtStart;
            this.phys = phys;
            this.sizeBytes = sizeBytes;
            this.nbits = nbits;
            this.words = (int) (((long) nbits + WORD_BITS - 1) / WORD_BITS);
            this.bits = new long[words];
            availBytes.add(sizeBytes);
            this.owner = owner;
        }

        /** Free bytes. */
        long avail() {
            return availBytes.sum();
        }

        void addAvail(long delta) {
            availBytes.add(delta);
        }

        /** The bits of word {@code w} that lie inside the chunk (all but the tail of a partial last word). */
        private long validBits(int w) {
            return w == words - 1 && nbits % WORD_BITS != 0 ? (1L << (nbits % WORD_BITS)) - 1 : -1L;
        }

        /** Whether {@code value}, read from word {@code w}, has every valid bit of that word set. */
        boolean isFull(int w, long value) {
            return value == validBits(w);
        }

        /** Bitmap word {@code w}. */
        long word(int w) {
            return (long) BITS.getVolatile(bits, w);
        }

        /**
         * One compare-and-exchange of word {@code w} from {@code expected} to {@code next} (the
         * kernel's cmpxchg in set_bits_ll()/clear_bits_ll()); returns the word as it was, which
         * equals {@code expected} exactly when the exchange happened. Every bitmap update is one read
         * and then this, retried with the returned value: Java's getAndBitwiseOr/And would add a
         * second read per attempt, and a contended line moves between CPUs once per access.
         */
        private long exchangeWord(int w, long expected, long next) {
            return (long) BITS.compareAndExchange(bits, w, expected, next);
        }

        /**
         * First fit of a single bit: sets and returns the lowest clear bit, or -1 when all are set.
         * {@code firstWord} is word 0 as the caller read it. A word is read once; when a racing CPU
         * changes it first, the failed exchange returns the word as it now is, so the next choice
         * needs no second read.
         */
        int claimFirstClearBit(long firstWord) {
            for (int w = 0; w < words; w++) {
                long valid = validBits(w);
                long cur = w == 0 ? firstWord : word(w);
                while (true) {
                    long free = ~cur & valid;
                    if (free == 0) {
                        break;
                    }
                    long m = Long.lowestOneBit(free);
                    long seen = exchangeWord(w, cur, cur | m);
                    if (seen == cur) {
                        return w * WORD_BITS + Long.numberOfTrailingZeros(m);
                    }
                    cur = seen;
                }
            }
            return -1;
        }

        /** First-fit search (bitmap_find_next_zero_area()): the first run of {@code n} clear bits at or after {@code from}, or -1. */
        int firstFreeRun(int from, int n) {
            int at = from;
            while (true) {
                int index = nextClear(at);
                if ((long) index + n > nbits) {
                    return -1;
                }
                int set = nextSet(index, index + n);
                if (set == index + n) {
                    return index;
                }
                at = set + 1;
            }
        }

        /** The first clear bit at or after {@code from}, or {@link #nbits}. */
        private int nextClear(int from) {
            if (from >= nbits) {
                return nbits;
            }
            int w = from / WORD_BITS;
            long word = ~word(w) & (-1L << (from % WORD_BITS));
            while (word == 0) {
                if (++w >= words) {
                    return nbits;
                }
                word = ~word(w);
            }
            return Math.min(nbits, w * WORD_BITS + Long.numberOfTrailingZeros(word));
        }

        /** The first set bit in {@code [from, limit)}, or {@code limit}. */
        private int nextSet(int from, int limit) {
            if (from >= limit) {
                return limit;
            }
            int w = from / WORD_BITS;
            long word = word(w) & (-1L << (from % WORD_BITS));
            int lastWord = (limit - 1) / WORD_BITS;
            while (word == 0) {
                if (++w > lastWord) {
                    return limit;
                }
                word = word(w);
            }
            return Math.min(limit, w * WORD_BITS + Long.numberOfTrailingZeros(word));
        }

        /** The bits of word {@code w} that lie in {@code [start, end)}. */
        private static long wordMask(int w, int start, int end) {
            int lo = Math.max(start - w * WORD_BITS, 0);
            int hi = Math.min(end - w * WORD_BITS, WORD_BITS);
            long upTo = hi == WORD_BITS ? -1L : (1L << hi) - 1;
            return upTo & (-1L << lo);
        }

        /**
         * Sets {@code [start, start + n)} word by word (bitmap_set_ll()). Stops, leaving that word
         * as it is, at the first word in which a bit of the run is already set.
         *
         * @return 0 when all were set; else the number of bits from that word on that were not set
         */
        int setRun(int start, int n) {
            return updateRun(start, n, true);
        }

        /**
         * Clears {@code [start, start + n)} word by word (bitmap_clear_ll()). Stops, leaving that
         * word as it is, at the first word in which a bit of the run is already clear.
         *
         * @return 0 when all were cleared; else the number of bits from that word on that were not cleared
         */
        int clearRun(int start, int n) {
            return n == 0 ? 0 : updateRun(start, n, false);
        }

        /**
         * Sets ({@code set}) or clears {@code [start, start + n)} word by word, each word by one read
         * and then compare-and-exchange retried with the value it returns; stops, leaving that word as
         * it is, at the first word where a bit of the run is already in the wanted state.
         *
         * @return 0 when the whole run changed; else the number of bits from that word on that did not
         */
        private int updateRun(int start, int n, boolean set) {
            int end = start + n;
            for (int w = start / WORD_BITS; w <= (end - 1) / WORD_BITS; w++) {
                long m = wordMask(w, start, end);
                long cur = word(w);
                while (true) {
                    if (set ? (cur & m) != 0 : (cur & m) != m) {
                        return end - Math.max(start, w * WORD_BITS);
                    }
                    long seen = exchangeWord(w, cur, set ? cur | m : cur & ~m);
                    if (seen == cur) {
                        break;
                    }
                    cur = seen;
                }
            }
            return 0;
        }

        /** True when every bit of {@code [start, start + n)} is set. */
        boolean isSetRun(int start, int n) {
            if (n == 0) {
                return true;
            }
            int end = start + n;
            for (int w = start / WORD_BITS; w <= (end - 1) / WORD_BITS; w++) {
                long m = wordMask(w, start, end);
                if ((word(w) & m) != m) {
                    return false;
                }
            }
            return true;
        }
    }
}
