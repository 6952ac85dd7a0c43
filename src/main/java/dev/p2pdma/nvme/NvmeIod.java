package dev.p2pdma.nvme;

/**
 * The descriptor bookkeeping of one request ({@code struct nvme_iod}: {@code nr_allocations} and
 * {@code first_dma}), which nvme_unmap_data() frees by (spec 6.7).
 *
 * <p>Invariants: {@code nrAllocations >= -1}; with -1 there is no list and {@code firstDma} is 0.
 * Immutable and thread-safe.
 *
 * @param nrAllocations -1: no list; 0: one small-pool block; 1: one page-pool block; n >= 2: a chain of n page-pool blocks
 * @param firstDma      the DMA address of the first list block
 */
public record NvmeIod(int nrAllocations, long firstDma) {

    /** No descriptor list (prp2 direct, inline SGL, fast paths). */
    public static final NvmeIod NONE = new NvmeIod(-1, 0);

    /** Checks the invariants. */
    public NvmeIod {
        if (nrAllocations < -1 || (nrAllocations == -1 && firstDma != 0)) {
            throw new IllegalArgumentException("bad iod " + nrAllocations + ", 0x" + Long.toHexString(firstDma));
        }
    }
}
