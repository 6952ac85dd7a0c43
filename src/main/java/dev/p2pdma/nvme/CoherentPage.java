package dev.p2pdma.nvme;

/**
 * One 4 KiB page of coherent DMA memory, as dma_alloc_coherent() hands it out.
 *
 * <p>Invariant: both addresses are 4 KiB aligned. Immutable and thread-safe.
 *
 * @param phys the CPU physical address (where the CPU reads and writes it)
 * @param dma  the DMA address the device uses for it
 */
public record CoherentPage(long phys, long dma) {

    /** Bytes in a page. */
    public static final int BYTES = 4096;

    /** Checks the invariant. */
    public CoherentPage {
        if ((phys & (BYTES - 1)) != 0 || (dma & (BYTES - 1)) != 0) {
            throw new IllegalArgumentException(String.format("coherent page not 4 KiB aligned: phys 0x%x dma 0x%x", phys, dma));
        }
    }
}
