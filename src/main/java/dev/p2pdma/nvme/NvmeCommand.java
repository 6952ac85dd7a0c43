package dev.p2pdma.nvme;

/**
 * The data part of an NVMe read/write command after nvme_map_data(): the command flags (PSDT) and
 * the data pointer, PRP or SGL (spec 6.6, 6.7, 6.9).
 *
 * <p>Invariant: flags are {@link #FLAGS_SGL} with an SGL pointer, 0 with PRPs. Immutable and thread-safe.
 *
 * @param flags the command flags byte: NVME_CMD_SGL_METABUF (0x40) for SGLs, 0 for PRPs
 * @param dptr  the data pointer
 */
public record NvmeCommand(int flags, DataPointer dptr) {

    /** NVME_CMD_SGL_METABUF: the command's data pointer is an SGL descriptor. */
    public static final int FLAGS_SGL = 0x40;

    /** The command's data pointer (DPTR). */
    public sealed interface DataPointer permits Prp, Sgl {
    }

    /**
     * PRP entries 1 and 2.
     *
     * @param prp1 the DMA address of the first byte
     * @param prp2 0, the second controller page, or the DMA address of the PRP list
     */
    public record Prp(long prp1, long prp2) implements DataPointer {
    }

    /**
     * SGL descriptor 1, inline in the command.
     *
     * @param descriptor a data block (one entry) or a last-segment descriptor pointing at a list
     */
    public record Sgl(SglDescriptor descriptor) implements DataPointer {
    }

    /** Checks the invariant. */
    public NvmeCommand {
        if (flags != (dptr instanceof Sgl ? FLAGS_SGL : 0)) {
            throw new IllegalArgumentException("flags 0x" + Integer.toHexString(flags) + " do not fit " + dptr);
        }
    }

    /** A PRP command. */
    public static NvmeCommand prp(long prp1, long prp2) {
        return new NvmeCommand(0, new Prp(prp1, prp2));
    }

    /** An SGL command. */
    public static NvmeCommand sgl(SglDescriptor d) {
        return new NvmeCommand(FLAGS_SGL, new Sgl(d));
    }
}
