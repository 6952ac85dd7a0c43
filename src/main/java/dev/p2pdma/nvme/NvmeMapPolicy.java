package dev.p2pdma.nvme;

import dev.p2pdma.base.Errno;
import dev.p2pdma.block.BlkStatus;

/**
 * The decisions of nvme_map_data() in Linux 6.12 (spec 6.7): which path a request takes, PRP or
 * SGL after DMA mapping, and the status of a failed mapping. Pure functions; stateless and
 * thread-safe.
 */
public final class NvmeMapPolicy {

    /** NVME_CTRL_PAGE_SIZE: the controller page, independent of the host page size. */
    public static final long CTRL_PAGE = 4096;

    private NvmeMapPolicy() {
    }

    /**
     * Models the path choice at the top of nvme_map_data() (spec 6.7): one non-P2P segment goes
     * PRP-simple when metadata does not need SGLs and it fits in two controller pages from its
     * offset, else SGL-simple on an I/O queue with SGLs and a non-zero sgl_threshold; everything
     * else, including any P2P first bvec, takes the sg path.
     */
    public static MapPath choosePath(NvmeRequest req, NvmeDataParams params) {
        if (req.nrPhysSegments() == 0) {
            return MapPath.NO_DATA;
        }
        if (req.nrPhysSegments() == 1 && !req.firstBvec().p2pdma()) {
            NvmeRequest.Bvec bv = req.firstBvec();
            if (!req.metadataUsesSgls() && (bv.offset() & (CTRL_PAGE - 1)) + bv.len() <= 2 * CTRL_PAGE) {
                return MapPath.PRP_SIMPLE;
            }
            if (req.qid() != 0 && params.sglThreshold() != 0 && params.sglSupported()) {
                return MapPath.SGL_SIMPLE;
            }
        }
        return MapPath.SG;
    }

    /**
     * Models nvme_pci_use_sgls() (spec 6.7) on the sg path.
     *
     * @param dmaNents the number of DMA-mapped entries (after IOMMU merging), at least 1
     */
    public static boolean useSgls(NvmeRequest req, NvmeDataParams params, int dmaNents) {
        if (dmaNents <= 0) {
            throw new IllegalArgumentException("a mapped request has at least one DMA entry: " + dmaNents);
        }
        if (!params.sglSupported() || req.qid() == 0) {
            return false;
        }
        if (req.metadataUsesSgls()) {
            return true;
        }
        long avg = (req.payloadBytes() + dmaNents - 1) / dmaNents;
        if (params.sglThreshold() == 0 || avg < params.sglThreshold()) {
            return req.userCommand();
        }
        return true;
    }

    /** The status nvme_map_data() returns when dma_map_sgtable() fails: -EREMOTEIO gives TARGET, any other errno RESOURCE. */
    public static BlkStatus sgMapFailure(Errno error) {
        return error == Errno.EREMOTEIO ? BlkStatus.TARGET : BlkStatus.RESOURCE;
    }

    /** The status of a failed fast-path dma_map_bvec() (DMA_MAPPING_ERROR): always RESOURCE. */
    public static BlkStatus fastPathMapFailure() {
        return BlkStatus.RESOURCE;
    }
}
