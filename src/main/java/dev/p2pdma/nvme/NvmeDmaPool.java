package dev.p2pdma.nvme;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Models one of nvme-pci's dma pools (dma_pool_create/alloc/free, spec 6.6): fixed-size blocks
 * carved from 4 KiB coherent pages, which the pool takes from its {@link CoherentPageSource} the
 * first time it has no free block (recorded as a {@code dma_alloc} of 4096 bytes) and keeps.
 * Blocks are handed out lowest address first within a page, freed blocks are reused last in first
 * out (a model choice; the kernel's order is not part of the spec).
 *
 * <p>Invariants: every block is {@code blockBytes} long, {@code alignBytes} aligned, inside one
 * page; a block is either free or in use, never both. Thread-safety: all methods are synchronized
 * (the kernel uses the pool's spinlock).
 */
public final class NvmeDmaPool {

    /**
     * One block of a pool.
     *
     * @param phys where the CPU writes it
     * @param dma  what the device is given
     */
    public record Block(long phys, long dma) {
    }

    /** The pool's name, as in /sys/kernel/debug pools ("prp list 256", "prp list page"). */
    private final String name;
    /** Bytes per block. */
    private final int blockBytes;
    /** Block alignment in bytes. */
    private final int alignBytes;
    /** Where backing pages come from. */
    private final CoherentPageSource pages;
    /** Free blocks, the next one to hand out last. */
    private final ArrayDeque<Block> free = new ArrayDeque<>();
    /** Blocks in use, by DMA address. */
    private final Map<Long, Block> inUse = new HashMap<>();
    /** Every backing page the pool took, in order: each one a dma_alloc of 4096 bytes. */
    private final List<CoherentPage> growth = new ArrayList<>();

    private NvmeDmaPool(String name, int blockBytes, int alignBytes, CoherentPageSource pages) {
        if (blockBytes <= 0 || Integer.bitCount(alignBytes) != 1 || blockBytes > CoherentPage.BYTES || alignBytes > CoherentPage.BYTES) {
            throw new IllegalArgumentException("bad pool geometry " + blockBytes + "/" + alignBytes);
        }
        this.name = name;
        this.blockBytes = blockBytes;
        this.alignBytes = alignBytes;
        this.pages = pages;
    }

    /**
     * Models nvme-pci's small pool "prp list 256": 256-byte blocks, 256-aligned, or 512-aligned with
     * NVME_QUIRK_DMAPOOL_ALIGN_512 (spec 6.6).
     */
    public static NvmeDmaPool small(CoherentPageSource pages, boolean align512) {
        return new NvmeDmaPool("prp list 256", 256, align512 ? 512 : 256, pages);
    }

    /** Models nvme-pci's page pool "prp list page": 4096-byte blocks, 4096-aligned (spec 6.6). */
    public static NvmeDmaPool page(CoherentPageSource pages) {
        return new NvmeDmaPool("prp list page", CoherentPage.BYTES, CoherentPage.BYTES, pages);
    }

    /** Models dma_pool_alloc(): a block, growing the pool by one page if none is free; empty when no page can be had. */
    public synchronized Optional<Block> alloc() {
        if (free.isEmpty()) {
            Optional<CoherentPage> p = pages.allocPage();
            if (p.isEmpty()) {
                return Optional.empty();
            }
            growth.add(p.get());
            int stride = (blockBytes + alignBytes - 1) / alignBytes * alignBytes;
            for (int off = CoherentPage.BYTES - stride; off >= 0; off -= stride) {
                free.push(new Block(p.get().phys() + off, p.get().dma() + off));
            }
        }
        Block b = free.pop();
        inUse.put(b.dma(), b);
        return Optional.of(b);
    }

    /**
     * Models dma_pool_free() by DMA address.
     *
     * @throws IllegalStateException when the address is not a block in use (a double free)
     */
    public synchronized void free(long dma) {
        Block b = inUse.remove(dma);
        if (b == null) {
            throw new IllegalStateException(String.format("%s: 0x%x is not a block in use", name, dma));
        }
        free.push(b);
    }

    /** The block in use at {@code dma}, to reach its memory. */
    public synchronized Optional<Block> inUse(long dma) {
        return Optional.ofNullable(inUse.get(dma));
    }

    /** How many blocks are in use. */
    public synchronized int inUseCount() {
        return inUse.size();
    }

    /** The backing pages taken so far, in order (each a dma_alloc of 4096 bytes). */
    public synchronized List<CoherentPage> growth() {
        return List.copyOf(growth);
    }

    /** The pool's name. */
    public String name() {
        return name;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** The memory the blocks live in. */
    public CoherentPageSource pages() {
        return pages;
    }
}
