package dev.p2pdma.mm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Models a {@code percpu_counter}: one count per CPU, added to without touching any other CPU's
 * cache line, and summed over all CPUs when read. CPUs are a fixed number of slots (a power of
 * two, at least four per available processor); a thread uses the slot of its thread id, so
 * threads with consecutive ids never share a slot and two threads never bounce one line while
 * each only adds. Unlike {@link java.util.concurrent.atomic.LongAdder}, which moves a thread to
 * another cell only after a failed update, two threads never stay on one shared cell by chance.
 *
 * <p>Invariant: {@link #sum()} equals the total of all additions once no addition is in flight.
 * Thread-safe: each slot is updated with one atomic add (slots may be shared by threads whose ids
 * agree modulo the slot count); slots are 128 bytes apart so no two share a cache line.
 */
public final class PerCpuCounter {

    /** Atomic access to the slots. */
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per slot: 128 bytes, two cache lines, so adjacent-line prefetch does not pair slots. */
    private static final int STRIDE = 16;

    /** The slots, {@link #STRIDE} longs apart; slot {@code i} is element {@code (i + 1) * STRIDE}. */
    private final long[] counts;
    /** The slot count less one (a mask). */
    private final int slotMask;

    /** A counter at zero with enough slots for this machine's processors. */
    public PerCpuCounter() {
        int slots = Integer.highestOneBit(Math.max(4, Runtime.getRuntime().availableProcessors() * 4) * 2 - 1);
        this.slotMask = slots - 1;
        this.counts = new long[(slots + 2) * STRIDE];
    }

    /** Models percpu_counter_add() on the calling thread's slot. */
    public void add(long delta) {
        SLOTS.getAndAdd(counts, slotOfCurrentThread(), delta);
    }

    /** Models percpu_counter_sum(): the exact total of all slots (exact once no add is in flight). */
    public long sum() {
        long total = 0;
        for (int i = 0; i <= slotMask; i++) {
            total += (long) SLOTS.getVolatile(counts, (i + 1) * STRIDE);
        }
        return total;
    }

    private int slotOfCurrentThread() {
        return ((int) Thread.currentThread().threadId() & slotMask) * STRIDE + STRIDE;
    }
}
