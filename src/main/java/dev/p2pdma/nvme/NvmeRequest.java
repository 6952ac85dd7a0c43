package dev.p2pdma.nvme;

/**
 * What nvme_map_data() reads of a request before mapping it (spec 6.7).
 *
 * <p>Invariants: counts and lengths are non-negative; {@code qid >= 0}. Immutable and thread-safe.
 *
 * @param nrPhysSegments    blk_rq_nr_phys_segments(req)
 * @param firstBvec         req_bvec(req): the request's first multi-page bvec
 * @param payloadBytes      blk_rq_payload_bytes(req)
 * @param qid               the NVMe queue id (0 = admin queue)
 * @param metadataUsesSgls  nvme_pci_metadata_use_sgls(req): the request's metadata must be described by an SGL
 * @param userCommand       NVME_REQ_USERCMD: a user passthrough command
 */
public record NvmeRequest(int nrPhysSegments, Bvec firstBvec, long payloadBytes, int qid, boolean metadataUsesSgls,
        boolean userCommand) {

    /**
     * One multi-page bvec as nvme-pci sees it.
     *
     * @param offset  bv_offset: the byte offset in its first page (only the low 12 bits matter to nvme-pci)
     * @param len     bv_len in bytes
     * @param p2pdma  is_pci_p2pdma_page(bv_page): the page is P2PDMA memory of some provider
     */
    public record Bvec(long offset, long len, boolean p2pdma) {
        /** Checks the invariants. */
        public Bvec {
            if (offset < 0 || len < 0) {
                throw new IllegalArgumentException("negative bvec offset or length: " + offset + ", " + len);
            }
        }
    }

    /** Checks the invariants. */
    public NvmeRequest {
        if (nrPhysSegments < 0 || payloadBytes < 0 || qid < 0) {
            throw new IllegalArgumentException("negative segment count, payload or queue id");
        }
    }

    /** A block read or write on I/O queue 1 with no metadata: {@code nrPhysSegments} entries, payload, first bvec. */
    public static NvmeRequest io(int nrPhysSegments, long payloadBytes, Bvec firstBvec) {
        return new NvmeRequest(nrPhysSegments, firstBvec, payloadBytes, 1, false, false);
    }
}
