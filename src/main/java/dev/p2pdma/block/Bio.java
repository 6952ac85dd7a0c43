package dev.p2pdma.block;

import dev.p2pdma.mm.Page;
import java.util.List;

/**
 * Models a {@code struct bio} built for O_DIRECT: an operation, a start sector and at most
 * {@code maxVecs} multi-page bvecs, plus the user pages it holds pins on (released with
 * {@link UserAddressSpace#unpinUserPages} when the bio completes).
 *
 * <p>Invariants: {@code 1 <= bvecs.size() <= maxVecs <= BIO_MAX_VECS}; the byte count is a
 * multiple of the logical block size it was built for. Immutable; thread-safe.
 *
 * @param op      READ or WRITE
 * @param sector  first 512-byte sector on the device ({@code bi_iter.bi_sector})
 * @param bvecs   the data, in order ({@code bi_io_vec[0 .. bi_vcnt)})
 * @param maxVecs the bvec slots the bio was allocated with ({@code bi_max_vecs})
 * @param pinned  one entry per pin the bio holds (a page pinned twice is listed twice)
 */
public record Bio(ReqOp op, long sector, List<Bvec> bvecs, int maxVecs, List<Page> pinned) {

    /** BIO_MAX_VECS: the most bvecs one bio holds. */
    public static final int BIO_MAX_VECS = 256;

    /** Checks the invariants. */
    public Bio {
        bvecs = List.copyOf(bvecs);
        pinned = List.copyOf(pinned);
        if (bvecs.isEmpty() || bvecs.size() > maxVecs || maxVecs > BIO_MAX_VECS || sector < 0) {
            throw new IllegalArgumentException("bio with " + bvecs.size() + " of " + maxVecs + " bvecs at sector " + sector);
        }
    }

    /** bio->bi_iter.bi_size: the bytes the bio carries. */
    public long bytes() {
        long n = 0;
        for (Bvec b : bvecs) {
            n += b.length();
        }
        return n;
    }
}
