package dev.p2pdma.nvme;

import dev.p2pdma.mm.PhysicalMemory;
import java.util.Optional;

/**
 * Coherent DMA pages carved in order from a fixed RAM range of a {@link PhysicalMemory}, with DMA
 * address = physical address (dma-direct without an offset, the x86 case). Pages are never given
 * back (dma_pool keeps its pages until the pool is destroyed).
 *
 * <p>Invariants: the range is page aligned and RAM; {@code next} only grows up to the end.
 * Thread-safety: allocation is synchronized.
 */
public final class RamCoherentPages implements CoherentPageSource {

    /** The address space holding the range. */
    private final PhysicalMemory memory;
    /** One past the last byte of the range. */
    private final long end;
    /** The next page to hand out. */
    private long next;

    /**
     * Pages from {@code [start, start + pages * 4096)}.
     *
     * @throws IllegalArgumentException when the range is not page aligned RAM
     */
    public RamCoherentPages(PhysicalMemory memory, long start, int pages) {
        long bytes = (long) pages * CoherentPage.BYTES;
        if ((start & (CoherentPage.BYTES - 1)) != 0 || pages < 0 || (pages > 0 && !memory.isRam(start, bytes))) {
            throw new IllegalArgumentException(String.format("not page-aligned RAM: 0x%x + %d pages", start, pages));
        }
        this.memory = memory;
        this.next = start;
        this.end = start + bytes;
    }

    @Override
    public synchronized Optional<CoherentPage> allocPage() {
        if (next >= end) {
            return Optional.empty();
        }
        CoherentPage p = new CoherentPage(next, next);
        next += CoherentPage.BYTES;
        return Optional.of(p);
    }

    @Override
    public PhysicalMemory memory() {
        return memory;
    }
}
