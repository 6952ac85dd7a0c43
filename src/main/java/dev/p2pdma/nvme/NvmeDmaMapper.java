package dev.p2pdma.nvme;

import dev.p2pdma.base.Errno;
import java.util.List;
import java.util.OptionalLong;

/**
 * The DMA-mapping calls nvme_map_data() and nvme_unmap_data() make for one request, supplied by
 * the caller (a running machine over the model's DMA layer). Implementations decide their own
 * thread-safety; {@link NvmeDataPath} calls them from one thread per request.
 */
public interface NvmeDmaMapper {

    /** The outcome of the sg path's mapping: blk_rq_map_sg() then dma_map_sgtable(..., DMA_ATTR_NO_WARN). */
    sealed interface SgOutcome permits Mapped, Failed, Unavailable {
    }

    /**
     * dma_map_sgtable() succeeded.
     *
     * @param entries the DMA entries (sgt.nents of them), in order
     */
    record Mapped(List<DmaSegment> entries) implements SgOutcome {
        /** Copies the entries; at least one. */
        public Mapped {
            entries = List.copyOf(entries);
            if (entries.isEmpty()) {
                throw new IllegalArgumentException("a mapped request has at least one DMA entry");
            }
        }
    }

    /**
     * dma_map_sgtable() failed.
     *
     * @param error its errno (-EREMOTEIO, -EIO, -ENOMEM, -EINVAL)
     */
    record Failed(Errno error) implements SgOutcome {
    }

    /** The iod mempool had no sg array, or blk_rq_map_sg() gave 0 entries. */
    record Unavailable() implements SgOutcome {
    }

    /** dma_map_bvec() (dma_map_page_attrs, attrs 0): the DMA address, empty for DMA_MAPPING_ERROR. */
    OptionalLong mapBvec(NvmeRequest.Bvec bv);

    /** dma_unmap_page() of a fast-path mapping. */
    void unmapBvec(long dma, long len);

    /** The sg path's mapping. */
    SgOutcome mapSg();

    /** dma_unmap_sgtable() of the sg path's mapping (and freeing the sg array). */
    void unmapSg();
}
