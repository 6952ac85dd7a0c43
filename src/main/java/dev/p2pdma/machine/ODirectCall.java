package dev.p2pdma.machine;

import dev.p2pdma.block.BlkStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one O_DIRECT system call did on the running machine ({@code p2pdma odirect}): its result,
 * every NVMe request the block layer made in the order the kernel issued them with the mapping
 * nvme-pci made for it, and how many bytes moved by DMA and through the buffered fallback.
 * Immutable.
 *
 * @param name          the call's name
 * @param result        what the call returned
 * @param requests      the requests in issue order
 * @param directBytes   bytes moved by device DMA
 * @param fallbackBytes bytes the page-cache fallback moved after a short direct transfer
 */
public record ODirectCall(String name, ODirectResult result, List<NvmeRequestRecord> requests, long directBytes, long fallbackBytes) {

    /** Copies. */
    public ODirectCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(result, "result");
        requests = List.copyOf(requests);
    }

    /**
     * One NVMe request.
     *
     * @param write    true for a write command
     * @param slba     the first logical block
     * @param blocks   logical blocks
     * @param status   how it ended (OK, the status it was ended with, or RESOURCE for a hung one)
     * @param attempts how many times queue_rq ran for it
     * @param dma      the mapping of its successful attempt, empty when it was never mapped
     */
    public record NvmeRequestRecord(boolean write, long slba, long blocks, BlkStatus status, int attempts, Optional<DmaRecord> dma) {
    }

    /**
     * A request's DMA mapping.
     *
     * @param call     {@code dma_map_page} (the fast path) or {@code dma_map_sg}
     * @param nents    entries in (blk_rq_map_sg()'s count; 1 for the fast path)
     * @param ents     DMA segments out
     * @param segments the segments
     */
    public record DmaRecord(String call, int nents, int ents, List<SegmentRecord> segments) {
        /** Copies. */
        public DmaRecord {
            segments = List.copyOf(segments);
        }
    }

    /**
     * One DMA segment.
     *
     * @param dmaAddress  its DMA address
     * @param lengthBytes its length
     * @param kind        bus, phys, iova or swiotlb
     */
    public record SegmentRecord(long dmaAddress, long lengthBytes, DmaSegmentKind kind) {
    }
}
