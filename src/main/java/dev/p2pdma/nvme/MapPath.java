package dev.p2pdma.nvme;

/** The way nvme_map_data() maps a request's data (spec 6.7). */
public enum MapPath {
    /** No data (nr_phys_segments == 0): nothing is mapped. */
    NO_DATA,
    /** nvme_setup_prp_simple(): one non-P2P bvec within two controller pages, dma_map_page, prp1/prp2 only. */
    PRP_SIMPLE,
    /** nvme_setup_sgl_simple(): one non-P2P bvec, dma_map_page, one inline SGL data descriptor. */
    SGL_SIMPLE,
    /** The sg path: blk_rq_map_sg, dma_map_sgtable, then a PRP list or SGL segment. */
    SG
}
