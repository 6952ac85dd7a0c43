package dev.p2pdma.nvme;

import dev.p2pdma.block.BlkStatus;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Models nvme_map_data() and nvme_unmap_data() of Linux 6.12 (spec 6.7, 6.9, 6.10) over a caller's
 * {@link NvmeDmaMapper}: the path choice, the fast paths, the sg path with PRP or SGL descriptors
 * built in the pools' memory, and the status of every failure. Stateless; thread-safe as far as
 * the mapper and pools are.
 */
public final class NvmeDataPath {

    private NvmeDataPath() {
    }

    /**
     * What nvme_map_data() did to a request.
     *
     * @param status  OK, or the status queue_rq returns (RESOURCE requeues, TARGET and IOERR end the request)
     * @param path    the path taken
     * @param command the command's data pointer and flags, present exactly on OK with data
     * @param mapping what nvme_unmap_data() must undo; {@link None} after any failure
     * @param warning the kernel's WARN text, if one was printed
     * @param stranded descriptor blocks left allocated by a failure: the IOERR branch of setup_prps
     *                 frees nothing (spec 6.9 pseudo code), so they stay in use; {@link NvmeIod#NONE} otherwise
     */
    public record Mapped(BlkStatus status, MapPath path, Optional<NvmeCommand> command, Mapping mapping, Optional<String> warning,
            NvmeIod stranded) {
        Mapped(BlkStatus status, MapPath path, Optional<NvmeCommand> command, Mapping mapping) {
            this(status, path, command, mapping, Optional.empty(), NvmeIod.NONE);
        }
    }

    /** What a successful mapping holds until the request completes. */
    public sealed interface Mapping permits None, FastPath, SgPath {
    }

    /** Nothing to undo. */
    public record None() implements Mapping {
    }

    /**
     * A fast-path dma_map_bvec() mapping.
     *
     * @param dma the mapping's DMA address
     * @param len its length (iod->dma_len)
     */
    public record FastPath(long dma, long len) implements Mapping {
    }

    /**
     * An sg-path mapping with its descriptors.
     *
     * @param iod the descriptor bookkeeping to free
     */
    public record SgPath(NvmeIod iod) implements Mapping {
    }

    /** Models nvme_map_data() (spec 6.7). */
    public static Mapped mapData(NvmeRequest req, NvmeDataParams params, NvmeDmaMapper mapper, NvmePrpPools pools) {
        MapPath path = NvmeMapPolicy.choosePath(req, params);
        switch (path) {
            case NO_DATA -> {
                return new Mapped(BlkStatus.OK, path, Optional.empty(), new None());
            }
            case PRP_SIMPLE, SGL_SIMPLE -> {
                NvmeRequest.Bvec bv = req.firstBvec();
                OptionalLong dma = mapper.mapBvec(bv);
                if (dma.isEmpty()) {
                    return new Mapped(NvmeMapPolicy.fastPathMapFailure(), path, Optional.empty(), new None());
                }
                NvmeCommand c = path == MapPath.PRP_SIMPLE ? NvmeDescriptors.prpSimple(dma.getAsLong(), bv)
                        : NvmeDescriptors.sglSimple(dma.getAsLong(), bv);
                return new Mapped(BlkStatus.OK, path, Optional.of(c), new FastPath(dma.getAsLong(), bv.len()));
            }
            default -> {
                return mapSg(req, params, mapper, pools);
            }
        }
    }

    private static Mapped mapSg(NvmeRequest req, NvmeDataParams params, NvmeDmaMapper mapper, NvmePrpPools pools) {
        NvmeDmaMapper.SgOutcome out = mapper.mapSg();
        if (out instanceof NvmeDmaMapper.Failed f) {
            return new Mapped(NvmeMapPolicy.sgMapFailure(f.error()), MapPath.SG, Optional.empty(), new None());
        }
        if (!(out instanceof NvmeDmaMapper.Mapped m)) {
            return new Mapped(BlkStatus.RESOURCE, MapPath.SG, Optional.empty(), new None());
        }
        NvmeDescriptors.Result r = NvmeMapPolicy.useSgls(req, params, m.entries().size())
                ? NvmeDescriptors.setupSgls(m.entries(), pools)
                : NvmeDescriptors.setupPrps(m.entries(), req.payloadBytes(), pools);
        if (r.status() != BlkStatus.OK) {
            mapper.unmapSg();
            return new Mapped(r.status(), MapPath.SG, Optional.empty(), new None(), r.warning(), r.iod());
        }
        return new Mapped(BlkStatus.OK, MapPath.SG, r.command(), new SgPath(r.iod()));
    }

    /** Models nvme_unmap_data() (spec 6.7): dma_unmap_page for the fast path, else dma_unmap_sgtable and the descriptors by nr_allocations. */
    public static void unmapData(Mapping mapping, NvmeDmaMapper mapper, NvmePrpPools pools) {
        switch (mapping) {
            case None n -> {
            }
            case FastPath f -> mapper.unmapBvec(f.dma(), f.len());
            case SgPath s -> {
                mapper.unmapSg();
                NvmeDescriptors.freeDescriptors(s.iod(), pools);
            }
        }
    }
}
