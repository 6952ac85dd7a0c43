package dev.p2pdma.nvme;

/**
 * One DMA-mapped entry of a request as nvme-pci reads it after mapping ({@code sg_dma_address},
 * {@code sg_dma_len}).
 *
 * <p>Invariant: {@code len > 0}. Immutable and thread-safe.
 *
 * @param addr the DMA address the device uses
 * @param len  the length in bytes
 */
public record DmaSegment(long addr, long len) {

    /** Checks the invariant. */
    public DmaSegment {
        if (len <= 0) {
            throw new IllegalArgumentException("a DMA segment has a positive length: " + len);
        }
    }
}
