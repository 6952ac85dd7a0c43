package dev.p2pdma.sg;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Models for_each_sg(sgl, sg, nents, i): the first {@code nents} entries of a scatterlist from
 * {@code sgl}, following chain links (spec 2.2). The list must hold that many: where the kernel
 * would follow a NULL sg_next() the walk fails fast with an {@link IllegalStateException} when it
 * reaches the missing entry (entries before it have been visited). A walk does not read past its
 * last entry. Immutable; each {@link #iterator()} is a fresh cursor, not thread-safe, like the
 * scatterlist it walks.
 */
public final class SgWalk implements Iterable<SgEntry> {

    /** The first entry; null only for an empty walk. */
    private final SgEntry first;
    /** How many entries the walk visits. */
    private final int nents;

    private SgWalk(SgEntry first, int nents) {
        this.first = first;
        this.nents = nents;
    }

    /**
     * The first {@code nents} entries from {@code sgl} (the DMA API's {@code sgl, nents} pair; an
     * empty table's {@code sgl} may be absent only with {@code nents} 0).
     *
     * @throws IllegalArgumentException for a negative count
     * @throws IllegalStateException when {@code nents} is positive and there is no first entry
     */
    public static SgWalk of(SgEntry sgl, int nents) {
        if (nents < 0) {
            throw new IllegalArgumentException("negative entry count " + nents);
        }
        if (sgl == null && nents > 0) {
            throw shortList(nents, 0);
        }
        return new SgWalk(sgl, nents);
    }

    /** How many entries the walk visits. */
    public int count() {
        return nents;
    }

    /** A fresh cursor at the first entry. */
    @Override
    public Cursor iterator() {
        return new Cursor(first, nents);
    }

    private static IllegalStateException shortList(int nents, int found) {
        return new IllegalStateException("scatterlist has fewer than " + nents + " entries (it ends after " + found + ")");
    }

    /**
     * One pass over the walk's entries that knows the index of the entry it last returned (the
     * {@code i} of for_each_sg). Not thread-safe.
     */
    public static final class Cursor implements Iterator<SgEntry> {
        /** The entry {@link #next()} returns; null when the list ended early or the walk is done. */
        private SgEntry upcoming;
        /** The walk's length. */
        private final int nents;
        /** The index of the entry last returned, -1 before the first. */
        private int index = -1;

        private Cursor(SgEntry first, int nents) {
            this.upcoming = nents > 0 ? first : null;
            this.nents = nents;
        }

        /** True while fewer than the walk's count have been returned (even if the list is short: {@link #next()} then fails). */
        @Override
        public boolean hasNext() {
            return index + 1 < nents;
        }

        /**
         * The next entry.
         *
         * @throws NoSuchElementException after the walk's last entry
         * @throws IllegalStateException when the scatterlist ends before the walk's count
         */
        @Override
        public SgEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException("walk of " + nents + " entries is done");
            }
            SgEntry e = upcoming;
            if (e == null) {
                throw shortList(nents, index + 1);
            }
            index++;
            upcoming = index + 1 < nents ? e.nextOrNull() : null;
            return e;
        }

        /** The index (0-based) of the entry last returned by {@link #next()}, -1 before the first. */
        public int index() {
            return index;
        }
    }
}
