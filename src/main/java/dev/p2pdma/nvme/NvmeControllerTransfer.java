package dev.p2pdma.nvme;

import dev.p2pdma.fabric.FabricTransfer;
import dev.p2pdma.fabric.PcieFabric;
import dev.p2pdma.mm.PhysicalMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Models the device side of an NVMe read or write command (NVMe base spec, with QEMU's controller as
 * the reference for what it checks): the controller walks the command's data pointer — PRP1/PRP2
 * and PRP lists, or SGL descriptors — fetching every list by DMA through the fabric, then moves the
 * data between the namespace and those addresses through the fabric, so the IOMMU, ACS and the root
 * complex decide whether each transfer lands.
 *
 * <p>Rules: a controller memory page is 4 KiB (MPS 0); PRP entries after the first must be page
 * aligned; the last entry of a PRP list page points to the next page only when more entries are
 * needed; SGL data blocks (type 0x00) must cover the transfer, segments (0x20) and last segments
 * (0x30) chain lists. The controller reaches its own CMB directly, never through the fabric; a
 * controller that {@link #rejectsMixedCmb() rejects mixed pointers} fails a command whose data lies
 * partly in its CMB and partly elsewhere with {@link NvmeStatus#CMB_INVALID_USE}, as QEMU's does. A
 * DMA the fabric does not complete ends the command with {@link NvmeStatus#DATA_TRANSFER_ERROR}; a
 * read's earlier pieces stay written, as on hardware; a write changes the namespace only when every
 * piece was fetched.
 *
 * <p>Thread-safe as far as the fabric, memory and namespace are; the class itself is immutable.
 */
public final class NvmeControllerTransfer {

    /** Controller memory page size (MPS 0). */
    static final int PAGE_BYTES = 4096;
    /** SGL data block descriptor type. */
    public static final int SGL_DATA_BLOCK = 0x00;
    /** SGL segment descriptor type. */
    public static final int SGL_SEGMENT = 0x20;
    /** SGL last segment descriptor type. */
    public static final int SGL_LAST_SEGMENT = 0x30;

    /** The fabric the controller's DMA goes through. */
    private final PcieFabric fabric;
    /** The controller's topology index. */
    private final int requester;
    /** The controller's own CMB, if it has one. */
    private final Optional<Cmb> cmb;
    /** The memory behind the CMB. */
    private final PhysicalMemory memory;
    /** Whether a command mixing CMB and other addresses is refused. */
    private final boolean rejectsMixedCmb;

    /**
     * The controller memory buffer as the controller sees its own BAR.
     *
     * @param busStart  the CMB's first PCI bus address
     * @param cpuStart  its first CPU physical address
     * @param sizeBytes its size
     */
    public record Cmb(long busStart, long cpuStart, long sizeBytes) {
        /** Whether {@code [bus, bus + len)} lies in the CMB. */
        boolean contains(long bus, long len) {
            return Long.compareUnsigned(bus - busStart, sizeBytes) < 0 && Long.compareUnsigned(len, sizeBytes - (bus - busStart)) <= 0;
        }
    }

    /** A command's data pointer. Closed set of values. */
    public sealed interface DataPointer {
    }

    /**
     * PRP entries 1 and 2.
     *
     * @param prp1 the first data address (any dword-aligned offset)
     * @param prp2 0, the second page, or a PRP list pointer
     */
    public record Prp(long prp1, long prp2) implements DataPointer {
    }

    /**
     * The command's SGL descriptor.
     *
     * @param address     data or list address
     * @param lengthBytes bytes
     * @param type        {@link #SGL_DATA_BLOCK}, {@link #SGL_SEGMENT} or {@link #SGL_LAST_SEGMENT}
     */
    public record Sgl(long address, long lengthBytes, int type) implements DataPointer {
    }

    /**
     * One piece of the transfer.
     *
     * @param address     its DMA address
     * @param lengthBytes its length
     * @param inCmb       whether it is in the controller's own CMB
     */
    public record Extent(long address, long lengthBytes, boolean inCmb) {
    }

    /**
     * What the command did.
     *
     * @param status    the completion status
     * @param extents   the data pieces the pointer named (empty when walking it failed)
     * @param transfers every DMA the controller made through the fabric (list fetches and data), in order
     */
    public record Outcome(NvmeStatus status, List<Extent> extents, List<FabricTransfer> transfers) {
        /** Copies. */
        public Outcome {
            Objects.requireNonNull(status, "status");
            extents = List.copyOf(extents);
            transfers = List.copyOf(transfers);
        }
    }

    /** Read or write. */
    public enum Opcode {
        /** Namespace to host: the controller writes memory. */
        READ,
        /** Host to namespace: the controller reads memory. */
        WRITE
    }

    /** A controller at topology index {@code requester} on {@code fabric}. */
    public NvmeControllerTransfer(PcieFabric fabric, int requester, Optional<Cmb> cmb, PhysicalMemory memory, boolean rejectsMixedCmb) {
        this.fabric = Objects.requireNonNull(fabric, "fabric");
        this.requester = requester;
        this.cmb = Objects.requireNonNull(cmb, "cmb");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.rejectsMixedCmb = rejectsMixedCmb;
    }

    /** Whether a command whose data mixes the CMB and other memory is refused (QEMU's controller: yes). */
    public boolean rejectsMixedCmb() {
        return rejectsMixedCmb;
    }

    /** Executes a read or write of {@code nlb} blocks from {@code slba}. */
    public Outcome execute(Opcode op, NvmeNamespace ns, long slba, int nlb, DataPointer pointer) {
        List<FabricTransfer> transfers = new ArrayList<>();
        if (nlb <= 0 || !ns.contains(slba, nlb)) {
            return new Outcome(NvmeStatus.LBA_RANGE, List.of(), transfers);
        }
        long total = (long) nlb * ns.blockBytes();
        List<Extent> extents = new ArrayList<>();
        NvmeStatus walked = switch (pointer) {
            case Prp p -> walkPrp(p, total, extents, transfers);
            case Sgl s -> walkSgl(s, total, extents, transfers);
        };
        if (walked != NvmeStatus.SUCCESS) {
            return new Outcome(walked, List.of(), transfers);
        }
        if (rejectsMixedCmb && extents.stream().anyMatch(Extent::inCmb) && !extents.stream().allMatch(Extent::inCmb)) {
            return new Outcome(NvmeStatus.CMB_INVALID_USE, extents, transfers);
        }
        if (op == Opcode.READ) {
            byte[] data = ns.read(slba, nlb);
            int at = 0;
            for (Extent e : extents) {
                byte[] part = new byte[(int) e.lengthBytes()];
                System.arraycopy(data, at, part, 0, part.length);
                if (!store(e, part, transfers)) {
                    return new Outcome(NvmeStatus.DATA_TRANSFER_ERROR, extents, transfers);
                }
                at += part.length;
            }
            return new Outcome(NvmeStatus.SUCCESS, extents, transfers);
        }
        byte[] data = new byte[(int) total];
        int at = 0;
        for (Extent e : extents) {
            Optional<byte[]> part = fetch(e.address(), (int) e.lengthBytes(), transfers);
            if (part.isEmpty()) {
                return new Outcome(NvmeStatus.DATA_TRANSFER_ERROR, extents, transfers);
            }
            System.arraycopy(part.get(), 0, data, at, part.get().length);
            at += part.get().length;
        }
        ns.write(slba, data);
        return new Outcome(NvmeStatus.SUCCESS, extents, transfers);
    }

    /** Walks PRP1, PRP2 and the PRP lists for {@code total} bytes. */
    private NvmeStatus walkPrp(Prp p, long total, List<Extent> out, List<FabricTransfer> transfers) {
        long first = Math.min(total, PAGE_BYTES - (p.prp1() & (PAGE_BYTES - 1)));
        out.add(extent(p.prp1(), first));
        long left = total - first;
        if (left == 0) {
            return NvmeStatus.SUCCESS;
        }
        if (left <= PAGE_BYTES) {
            if ((p.prp2() & (PAGE_BYTES - 1)) != 0) {
                return NvmeStatus.PRP_INVALID_OFFSET;
            }
            out.add(extent(p.prp2(), left));
            return NvmeStatus.SUCCESS;
        }
        long list = p.prp2();
        if ((list & 7) != 0) {
            return NvmeStatus.PRP_INVALID_OFFSET;
        }
        while (left > 0) {
            int slots = (int) ((PAGE_BYTES - (list & (PAGE_BYTES - 1))) / 8);
            Optional<byte[]> raw = fetch(list, slots * 8, transfers);
            if (raw.isEmpty()) {
                return NvmeStatus.DATA_TRANSFER_ERROR;
            }
            ByteBuffer entries = ByteBuffer.wrap(raw.get()).order(ByteOrder.LITTLE_ENDIAN);
            long next = -1;
            for (int i = 0; i < slots && left > 0; i++) {
                long entry = entries.getLong(i * 8);
                if (i == slots - 1 && left > PAGE_BYTES) {
                    next = entry;
                    break;
                }
                if ((entry & (PAGE_BYTES - 1)) != 0) {
                    return NvmeStatus.PRP_INVALID_OFFSET;
                }
                long n = Math.min(left, PAGE_BYTES);
                out.add(extent(entry, n));
                left -= n;
            }
            if (left > 0) {
                if (next < 0 || (next & (PAGE_BYTES - 1)) != 0) {
                    return NvmeStatus.PRP_INVALID_OFFSET;
                }
                list = next;
            }
        }
        return NvmeStatus.SUCCESS;
    }

    /** Walks the SGL for {@code total} bytes. */
    private NvmeStatus walkSgl(Sgl s, long total, List<Extent> out, List<FabricTransfer> transfers) {
        long covered = 0;
        Sgl d = s;
        while (true) {
            if (d.type() == SGL_DATA_BLOCK) {
                out.add(extent(d.address(), d.lengthBytes()));
                covered += d.lengthBytes();
                break;
            }
            if (d.type() != SGL_SEGMENT && d.type() != SGL_LAST_SEGMENT) {
                return NvmeStatus.SGL_INVALID_TYPE;
            }
            if (d.lengthBytes() <= 0 || d.lengthBytes() % 16 != 0) {
                return NvmeStatus.DATA_SGL_LENGTH_INVALID;
            }
            Optional<byte[]> raw = fetch(d.address(), (int) d.lengthBytes(), transfers);
            if (raw.isEmpty()) {
                return NvmeStatus.DATA_TRANSFER_ERROR;
            }
            ByteBuffer list = ByteBuffer.wrap(raw.get()).order(ByteOrder.LITTLE_ENDIAN);
            int count = (int) (d.lengthBytes() / 16);
            Sgl chained = null;
            for (int i = 0; i < count; i++) {
                long addr = list.getLong(i * 16);
                long len = Integer.toUnsignedLong(list.getInt(i * 16 + 8));
                int type = list.get(i * 16 + 15) & 0xff;
                if (type == SGL_DATA_BLOCK) {
                    out.add(extent(addr, len));
                    covered += len;
                } else if ((type == SGL_SEGMENT || type == SGL_LAST_SEGMENT) && i == count - 1 && d.type() == SGL_SEGMENT) {
                    chained = new Sgl(addr, len, type);
                } else {
                    return NvmeStatus.SGL_INVALID_TYPE;
                }
            }
            if (chained == null) {
                break;
            }
            d = chained;
        }
        return covered == total ? NvmeStatus.SUCCESS : NvmeStatus.DATA_SGL_LENGTH_INVALID;
    }

    private Extent extent(long address, long len) {
        return new Extent(address, len, cmb.isPresent() && cmb.get().contains(address, len));
    }

    /** The controller reads memory: its own CMB directly, anything else by DMA through the fabric. */
    private Optional<byte[]> fetch(long address, int len, List<FabricTransfer> transfers) {
        if (cmb.isPresent() && cmb.get().contains(address, len)) {
            return Optional.of(memory.read(cmb.get().cpuStart() + (address - cmb.get().busStart()), len));
        }
        FabricTransfer t = fabric.read(requester, address, len);
        transfers.add(t);
        return t instanceof FabricTransfer.Completed c ? Optional.of(c.data()) : Optional.empty();
    }

    /** The controller writes memory: its own CMB directly, anything else by DMA through the fabric. */
    private boolean store(Extent e, byte[] data, List<FabricTransfer> transfers) {
        if (e.inCmb()) {
            memory.write(cmb.get().cpuStart() + (e.address() - cmb.get().busStart()), data, 0, data.length);
            return true;
        }
        FabricTransfer t = fabric.write(requester, e.address(), data);
        transfers.add(t);
        return t.completed();
    }
}
