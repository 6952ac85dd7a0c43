package dev.p2pdma.machine;

import dev.p2pdma.base.Errno;
import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.block.BlockDirectIo;
import dev.p2pdma.block.DirectIoSubmission;
import dev.p2pdma.block.IoResult;
import dev.p2pdma.block.IoVec;
import dev.p2pdma.block.ReqOp;
import dev.p2pdma.block.Request;
import dev.p2pdma.block.UserAddressSpace;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.RamPageSource;
import dev.p2pdma.p2pdma.P2pMemAllocateFile;
import dev.p2pdma.p2pdma.P2pMemMapping;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A user process on a running machine doing O_DIRECT {@code preadv}/{@code pwritev} on NVMe
 * namespaces (spec 6.3–6.11, 7), the way the traced test program did: one anonymous RAM buffer
 * (fresh pages, consecutive virtual pages on descending physical pages), an mmap of a provider's
 * {@code p2pmem/allocate}, and optionally a second 64 KiB p2pmem mapping faulted in and unmapped
 * before the calls. Each call validates and builds bios and requests in the block layer, issues each
 * request through nvme-pci ({@link NvmeHost}) in kernel order, lets the controller move the bytes
 * through the fabric, and finishes a short direct transfer through the page cache.
 *
 * <p>Thread-safe once started: calls may come from several threads at once (a multi-threaded
 * process), each call's state being its own and the address space, pools, DMA core, fabric and
 * namespaces thread-safe; buffers that two calls use at once race as they would in Linux
 * ({@code ODirectStressTest}).
 */
public final class ODirectProcess {

    /** The anonymous RAM buffer: 16 MiB. */
    public static final long RAM_BUFFER_BYTES = 16L << 20;
    /** The second p2pmem mapping, unmapped before the calls: 64 KiB. */
    public static final long UNMAPPED_P2PMEM_BYTES = 64L << 10;
    /** First pfn of the RAM the process and the drivers' coherent pools get: 256 MiB. */
    private static final long USER_RAM_PFN = (256L << 20) >>> PageSize.PAGE_SHIFT;
    /** Pages of it for the process. */
    private static final int USER_RAM_PAGES = 32768;
    /** Pages after those for coherent descriptor memory. */
    private static final int COHERENT_PAGES = 4096;

    /** The machine. */
    private final RunningMachine machine;
    /** The process's memory. */
    private final UserAddressSpace mm;
    /** The RAM buffer's virtual address. */
    private final long ramBuffer;
    /** The p2pmem mapping's virtual address, when the provider has p2pmem. */
    private final Optional<Long> p2pmemBuffer;
    /** The bytes mapped there. */
    private final long p2pmemBytes;
    /** The unmapped p2pmem range's virtual address. */
    private final Optional<Long> unmappedBuffer;
    /** Each NVMe controller's host side, by address. */
    private final Map<PciAddress, NvmeHost> hosts = new HashMap<>();

    private ODirectProcess(RunningMachine machine, UserAddressSpace mm, long ramBuffer, Optional<Long> p2pmemBuffer, long p2pmemBytes,
            Optional<Long> unmappedBuffer) {
        this.machine = machine;
        this.mm = mm;
        this.ramBuffer = ramBuffer;
        this.p2pmemBuffer = p2pmemBuffer;
        this.p2pmemBytes = p2pmemBytes;
        this.unmappedBuffer = unmappedBuffer;
    }

    /**
     * Starts the process: maps its RAM buffer and {@code mmapBytes} of {@code provider}'s p2pmem, and
     * brings up every NVMe controller's host side.
     *
     * @param p2pFailureIsPermanent the corrected contract of spec 6.11 for every controller
     * @throws IllegalArgumentException when the provider has no p2pmem or the mmap fails, naming the errno
     */
    public static ODirectProcess start(RunningMachine machine, PciAddress provider, long mmapBytes, boolean p2pFailureIsPermanent) {
        RamPageSource userRam = new RamPageSource(machine.memory().memMap(), USER_RAM_PFN, USER_RAM_PAGES);
        RamPageSource coherentRam = new RamPageSource(machine.memory().memMap(), USER_RAM_PFN + USER_RAM_PAGES, COHERENT_PAGES);
        UserAddressSpace mm = new UserAddressSpace(userRam);
        long ram = mapped(mm.mapAnonymous(RAM_BUFFER_BYTES), "the RAM buffer");
        P2pMemAllocateFile file = machine.providers().sysfs().allocateFile(provider, "p2pdma").orElseThrow(
                () -> new IllegalArgumentException(provider + " has no p2pmem (no p2pmem/allocate to mmap)"));
        P2pMemMapping mapping = mmap(file, mmapBytes, provider);
        long p2p = mapped(mm.mapP2pmem(mapping), "the p2pmem mapping");
        P2pMemMapping gone = mmap(file, UNMAPPED_P2PMEM_BYTES, provider);
        long unmapped = mapped(mm.mapP2pmem(gone), "the second p2pmem mapping");
        mm.unmap(unmapped, UNMAPPED_P2PMEM_BYTES);
        gone.unmap();
        ODirectProcess p = new ODirectProcess(machine, mm, ram, Optional.of(p2p), mmapBytes, Optional.of(unmapped));
        for (PciFunction f : machine.topology().functions()) {
            if (RunningMachine.isNvme(f) && machine.topology().isMatrixEndpoint(machine.topology().indexOf(f.address()))) {
                p.hosts.put(f.address(), NvmeHost.of(machine, f, NvmeHost.DEFAULT_NAMESPACE_BYTES, coherentRam, p2pFailureIsPermanent));
            }
        }
        return p;
    }

    /**
     * Starts a process with its RAM buffer and every NVMe controller's host side but no p2pmem yet:
     * map providers' p2pmem with {@link #mapP2pmem} before the calls start ({@code p2pdma simulate},
     * whose workloads use several providers). Such a process has no {@code P2PMEM} buffer for
     * {@link #addressOf}: callers use the addresses {@link #mapP2pmem} returns.
     *
     * @param p2pFailureIsPermanent the corrected contract of spec 6.11 for every controller
     */
    public static ODirectProcess startWithoutP2pmem(RunningMachine machine, boolean p2pFailureIsPermanent) {
        RamPageSource userRam = new RamPageSource(machine.memory().memMap(), USER_RAM_PFN, USER_RAM_PAGES);
        RamPageSource coherentRam = new RamPageSource(machine.memory().memMap(), USER_RAM_PFN + USER_RAM_PAGES, COHERENT_PAGES);
        UserAddressSpace mm = new UserAddressSpace(userRam);
        long ram = mapped(mm.mapAnonymous(RAM_BUFFER_BYTES), "the RAM buffer");
        ODirectProcess p = new ODirectProcess(machine, mm, ram, Optional.empty(), 0, Optional.empty());
        for (PciFunction f : machine.topology().functions()) {
            if (RunningMachine.isNvme(f) && machine.topology().isMatrixEndpoint(machine.topology().indexOf(f.address()))) {
                p.hosts.put(f.address(), NvmeHost.of(machine, f, NvmeHost.DEFAULT_NAMESPACE_BYTES, coherentRam, p2pFailureIsPermanent));
            }
        }
        return p;
    }

    /**
     * Maps {@code bytes} of {@code provider}'s p2pmem into the process (mmap of its
     * {@code p2pmem/allocate}) and returns the user address. Call before the calls start.
     *
     * @throws IllegalArgumentException when the provider has no p2pmem or the mmap fails, naming the errno
     */
    public long mapP2pmem(PciAddress provider, long bytes) {
        P2pMemAllocateFile file = machine.providers().sysfs().allocateFile(provider, "p2pdma").orElseThrow(
                () -> new IllegalArgumentException(provider + " has no p2pmem (no p2pmem/allocate to mmap)"));
        return mapped(mm.mapP2pmem(mmap(file, bytes, provider)), "the p2pmem mapping of " + provider);
    }

    private static P2pMemMapping mmap(P2pMemAllocateFile file, long bytes, PciAddress provider) {
        P2pMemAllocateFile.MmapResult r = file.mmap(true, 0, bytes);
        if (r instanceof P2pMemAllocateFile.Mapped m) {
            return m.mapping();
        }
        throw new IllegalArgumentException("mmap of " + provider + "/p2pmem/allocate (" + bytes + " bytes) failed with -"
                + ((P2pMemAllocateFile.Failed) r).errno());
    }

    private static long mapped(UserAddressSpace.MapResult r, String what) {
        if (r instanceof UserAddressSpace.Mapped m) {
            return m.start();
        }
        throw new IllegalArgumentException(what + ": mmap failed with -" + ((UserAddressSpace.MapFailed) r).errno());
    }

    /** The machine. */
    public RunningMachine machine() {
        return machine;
    }

    /** The process's address space. */
    public UserAddressSpace addressSpace() {
        return mm;
    }

    /**
     * An NVMe controller's host side.
     *
     * @throws IllegalArgumentException when {@code address} is not an NVMe controller of the machine
     */
    public NvmeHost host(PciAddress address) {
        NvmeHost h = hosts.get(address);
        if (h == null) {
            throw new IllegalArgumentException(address + " has no NVMe namespace (not an NVMe controller of this machine)");
        }
        return h;
    }

    /** The user address of byte {@code offset} of a buffer. */
    public long addressOf(ODirectOps.BufferKind kind, long offset) {
        return switch (kind) {
            case RAM -> ramBuffer + offset;
            case P2PMEM -> p2pmemBuffer.orElseThrow() + offset;
            case P2PMEM_UNMAPPED -> unmappedBuffer.orElseThrow() + offset;
        };
    }

    /** Runs one call of an ops file. */
    public ODirectCall call(ODirectOps.Op op) {
        List<IoVec> iovecs = new ArrayList<>();
        for (ODirectOps.IoVec v : op.iovecs()) {
            iovecs.add(new IoVec(addressOf(v.kind(), v.offsetInBuffer()), v.lengthBytes()));
        }
        return call(op.name(), op.call() == ODirectOps.Call.PWRITEV, op.namespace(), op.fileOffset(), iovecs);
    }

    /** Models preadv2/pwritev2 with O_DIRECT on {@code namespace}'s block device at file position {@code pos}. */
    public ODirectCall call(String name, boolean write, PciAddress namespace, long pos, List<IoVec> iovecs) {
        NvmeHost host = host(namespace);
        ReqOp op = write ? ReqOp.WRITE : ReqOp.READ;
        DirectIoSubmission s = BlockDirectIo.submit(mm, host.limits(), host.namespace().sizeBytes(), op, pos, iovecs);
        List<ODirectCall.NvmeRequestRecord> records = new ArrayList<>();
        List<BlkStatus> statuses = new ArrayList<>();
        try {
            for (Request rq : s.requests()) {
                NvmeHost.Issued issued = host.issue(rq);
                records.add(issued.record());
                if (issued.hung().isPresent()) {
                    return new ODirectCall(name, new ODirectResult.Hung(issued.hung().get()), records, 0, 0);
                }
                statuses.add(issued.record().status());
            }
        } finally {
            BlockDirectIo.release(mm, s);
        }
        IoResult r = s.complete(statuses);
        if (r instanceof IoResult.Failed f) {
            return new ODirectCall(name, new ODirectResult.Failed(f.errno()), records, 0, 0);
        }
        IoResult.Transferred t = (IoResult.Transferred) r;
        long fallback = 0;
        if (t.fallbackBytes() > 0) {
            Optional<Errno> e = bufferedFallback(host, write, pos + t.directBytes(), iovecs, t.directBytes(), t.fallbackBytes());
            if (e.isPresent()) {
                return t.directBytes() > 0 ? new ODirectCall(name, new ODirectResult.Bytes(t.directBytes()), records, t.directBytes(), 0)
                        : new ODirectCall(name, new ODirectResult.Failed(e.get()), records, 0, 0);
            }
            fallback = t.fallbackBytes();
        }
        return new ODirectCall(name, new ODirectResult.Bytes(t.directBytes() + fallback), records, t.directBytes(), fallback);
    }

    /**
     * Models the page-cache fallback of a short direct transfer (spec 6.3 step 6): the CPU copies the
     * rest between the namespace and the user buffers, p2pmem included (a CPU access to the BAR).
     *
     * @return EFAULT when a user address is not mapped
     */
    private Optional<Errno> bufferedFallback(NvmeHost host, boolean write, long pos, List<IoVec> iovecs, long skip, long bytes) {
        int lbs = host.namespace().blockBytes();
        long firstLba = pos / lbs;
        long endByte = pos + bytes;
        int nlb = (int) ((endByte + lbs - 1) / lbs - firstLba);
        byte[] disk = host.namespace().read(firstLba, nlb);
        int diskAt = (int) (pos - firstLba * lbs);
        long seen = 0;
        long done = 0;
        for (IoVec v : iovecs) {
            for (long i = 0; i < v.length() && done < bytes; i++, seen++) {
                if (seen < skip) {
                    continue;
                }
                long virt = v.base() + i;
                Optional<Page> page = mm.pageAt(virt);
                if (page.isEmpty()) {
                    return Optional.of(Errno.EFAULT);
                }
                long phys = page.get().physAddress() + (virt & PageSize.PAGE_MASK);
                int n = (int) Math.min(Math.min(v.length() - i, PageSize.PAGE_SIZE - (virt & PageSize.PAGE_MASK)), bytes - done);
                if (write) {
                    machine.memory().read(phys, disk, diskAt + (int) done, n);
                } else {
                    machine.memory().write(phys, disk, diskAt + (int) done, n);
                }
                done += n;
                i += n - 1;
                seen += n - 1;
            }
        }
        if (write) {
            host.namespace().write(firstLba, disk);
        }
        return Optional.empty();
    }
}
