package dev.p2pdma.testing;

/**
 * Marsaglia's xorshift64 generator (shifts 13, 7, 17), the PRNG of {@code ../shared/bench/workloads.md}:
 * unsigned 64-bit state, logical right shifts. Seeded 42 it yields 0xa95514aaa first, and
 * {@code 1 + (next() & 63)} yields 43, 64, 59, 41, 3.
 *
 * <p>Invariant: the state is never 0 (a zero seed is refused). Not thread-safe.
 */
public final class XorShift64 {

    /** The generator state. */
    private long state;

    /** A generator started at {@code seed}, which must not be 0. */
    public XorShift64(long seed) {
        if (seed == 0) {
            throw new IllegalArgumentException("xorshift64 needs a non-zero seed");
        }
        this.state = seed;
    }

    /** The next 64-bit value. */
    public long next() {
        long s = state;
        s ^= s << 13;
        s ^= s >>> 7;
        s ^= s << 17;
        state = s;
        return s;
    }

    /** "rand 1..64" of workloads.md: {@code 1 + (next() & 63)}. */
    public int rand1to64() {
        return 1 + (int) (next() & 63);
    }

    /** A value in {@code [0, bound)} for tests (bound > 0); not part of any workload. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return (int) Long.remainderUnsigned(next(), bound);
    }
}
