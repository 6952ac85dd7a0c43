package dev.p2pdma.machine;

import dev.p2pdma.pci.PciAddress;
import java.util.List;
import java.util.Objects;

/**
 * A list of O_DIRECT system calls to replay ({@code p2pdma odirect --ops FILE}): the input fields
 * of {@code ../shared/dma-traces/*}{@code /dma.json}. Immutable.
 *
 * @param p2pmemProvider the function whose p2pmem the program mmaps
 * @param mmapBytes      how much of it ({@code p2pmem_mmap_bytes})
 * @param ops            the calls in order
 */
public record ODirectOps(PciAddress p2pmemProvider, long mmapBytes, List<Op> ops) {

    /** Copies. */
    public ODirectOps {
        Objects.requireNonNull(p2pmemProvider, "p2pmemProvider");
        ops = List.copyOf(ops);
    }

    /** {@code preadv} or {@code pwritev}. */
    public enum Call {
        /** A read from the namespace into the buffers. */
        PREADV,
        /** A write of the buffers to the namespace. */
        PWRITEV
    }

    /** What an iovec points into. */
    public enum BufferKind {
        /** The program's anonymous RAM buffer. */
        RAM,
        /** The mmap of the provider's p2pmem. */
        P2PMEM,
        /** A second, 64 KiB p2pmem mapping faulted in and munmap'ed before the call: an access faults. */
        P2PMEM_UNMAPPED
    }

    /**
     * One system call.
     *
     * @param name       its name in the output
     * @param call       preadv or pwritev
     * @param namespace  the NVMe function whose namespace is read or written
     * @param fileOffset the file position, bytes
     * @param iovecs     the buffers in order
     * @param line       where it is in the file
     */
    public record Op(String name, Call call, PciAddress namespace, long fileOffset, List<IoVec> iovecs, int line) {
        /** Copies. */
        public Op {
            Objects.requireNonNull(name, "name");
            iovecs = List.copyOf(iovecs);
        }
    }

    /**
     * One iovec.
     *
     * @param kind           which buffer
     * @param offsetInBuffer where in it it starts, bytes
     * @param lengthBytes    its length
     */
    public record IoVec(BufferKind kind, long offsetInBuffer, long lengthBytes) {
    }
}
