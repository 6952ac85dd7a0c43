package dev.p2pdma.machine;

import dev.p2pdma.base.Errno;
import dev.p2pdma.block.BlkRqMapSg;
import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.block.Bvec;
import dev.p2pdma.block.QueueLimits;
import dev.p2pdma.block.ReqOp;
import dev.p2pdma.block.Request;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapResult;
import dev.p2pdma.dma.DmaPageMapping;
import dev.p2pdma.mm.RamPageSource;
import dev.p2pdma.nvme.DmaSegment;
import dev.p2pdma.nvme.NvmeCommand;
import dev.p2pdma.nvme.NvmeControllerTransfer;
import dev.p2pdma.nvme.NvmeDataParams;
import dev.p2pdma.nvme.NvmeDataPath;
import dev.p2pdma.nvme.NvmeDmaMapper;
import dev.p2pdma.nvme.NvmeDmaSetup;
import dev.p2pdma.nvme.NvmeIdentity;
import dev.p2pdma.nvme.NvmeLimits;
import dev.p2pdma.nvme.NvmeNamespace;
import dev.p2pdma.nvme.NvmePrpPools;
import dev.p2pdma.nvme.NvmeRequest;
import dev.p2pdma.nvme.RequeueModel;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.sg.SgWalk;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One NVMe controller of a running machine, both sides: nvme-pci's namespace queue limits, its
 * {@code nvme_queue_rq()} for a block request (nvme_map_data() on the machine's DMA core, PRP/SGL
 * descriptors in coherent pool memory, blk-mq's RESOURCE requeue on the model clock with the
 * livelock detector), and the controller executing the command through the fabric against its
 * namespace. Records every request's mapping as the traces show it.
 *
 * <p>Assumptions: QEMU's controller identity (MDTS 7, MPSMIN 0, SGLs, 512-byte blocks) for
 * 1b36:0010 and the documented defaults of {@link NvmeIdentity#other} for others; a 16 MiB namespace
 * filled with a known pattern unless given; CONFIG_HZ=1000. Thread-safe: a request's state is its
 * own; the pools, DMA core, fabric and namespace it shares are thread-safe.
 */
public final class NvmeHost {

    /** The traced namespaces' size: 16 MiB. */
    public static final long DEFAULT_NAMESPACE_BYTES = 16L << 20;
    /** CONFIG_HZ of the traced kernels. */
    static final int HZ = 1000;
    /** Model time without progress after which a requeued request is called hung: 2 s (500 retries at 4 ms). */
    static final long HANG_TICKS = 2 * HZ;

    /** The machine. */
    private final RunningMachine machine;
    /** The controller's function. */
    private final PciFunction function;
    /** Its DMA device. */
    private final DmaDevice device;
    /** Its identity. */
    private final NvmeIdentity identity;
    /** Its namespace. */
    private final NvmeNamespace namespace;
    /** The namespace queue's limits. */
    private final QueueLimits limits;
    /** nvme-pci's data-path parameters. */
    private final NvmeDataParams params;
    /** The PRP/SGL dma pools. */
    private final NvmePrpPools pools;
    /** The device side. */
    private final NvmeControllerTransfer controller;
    /** Whether the device's DMA is translated by an IOMMU domain. */
    private final boolean translated;
    /** The corrected contract of part 6: a failed sg mapping of a request with P2PDMA pages is a permanent P2P error. */
    private final boolean p2pFailureIsPermanent;

    private NvmeHost(RunningMachine machine, PciFunction function, NvmeIdentity identity, NvmeNamespace namespace, RamPageSource coherentRam,
            boolean p2pFailureIsPermanent) {
        this.machine = machine;
        this.function = function;
        this.device = machine.device(function.address());
        this.identity = identity;
        this.namespace = namespace;
        this.translated = machine.dmaSetup().iommu().translates();
        DmaSetup s = machine.dmaSetup();
        NvmeDmaSetup dmaSetup = translated ? NvmeDmaSetup.iommuDma()
                : s.forceBounce() ? NvmeDmaSetup.directForcedSwiotlb() : NvmeDmaSetup.direct();
        this.limits = NvmeLimits.queueLimits(identity, dmaSetup);
        this.params = NvmeDataParams.of(identity);
        this.pools = NvmePrpPools.create(new DeviceCoherentPages(coherentRam, machine.memory(), machine.mapping(), device, translated), identity);
        Optional<NvmeControllerTransfer.Cmb> cmb = cmbOf(function);
        this.controller = new NvmeControllerTransfer(machine.fabric(), machine.topology().indexOf(function.address()), cmb, machine.memory(), true);
        this.p2pFailureIsPermanent = p2pFailureIsPermanent;
    }

    /**
     * The controller of {@code function} with a namespace of {@code namespaceBytes} in memory, filled
     * with a known pattern; descriptor pages come from {@code coherentRam}.
     *
     * @param p2pFailureIsPermanent the corrected contract (spec 6.11): a failed mapping of a request
     *                              with P2PDMA pages ends it with BLK_STS_TARGET instead of requeueing
     */
    public static NvmeHost of(RunningMachine machine, PciFunction function, long namespaceBytes, RamPageSource coherentRam,
            boolean p2pFailureIsPermanent) {
        NvmeIdentity id = function.vendorId() == NvmeIdentity.QEMU_VENDOR && function.deviceId() == NvmeIdentity.QEMU_NVME_DEVICE
                ? NvmeIdentity.qemu(namespaceBytes) : NvmeIdentity.other(function.vendorId(), function.deviceId()).withNamespaceBlocks(namespaceBytes / 512);
        NvmeNamespace ns = NvmeNamespace.inMemory(id.lbaBytes(), namespaceBytes);
        fill(ns, function.address().toString().hashCode());
        return new NvmeHost(machine, function, id, ns, coherentRam, p2pFailureIsPermanent);
    }

    /** The known content of a fresh namespace: a byte pattern seeded by the controller. */
    static void fill(NvmeNamespace ns, int seed) {
        int chunkBlocks = 2048;
        for (long lba = 0; lba < ns.blocks(); lba += chunkBlocks) {
            int n = (int) Math.min(chunkBlocks, ns.blocks() - lba);
            byte[] b = new byte[n * ns.blockBytes()];
            for (int i = 0; i < b.length; i++) {
                long at = lba * ns.blockBytes() + i;
                b[i] = (byte) ((at * 2654435761L + seed) >>> 13);
            }
            ns.write(lba, b);
        }
    }

    /** The CMB as the controller sees its BAR: the memory BAR holding its registered p2pmem, if it has one. */
    private Optional<NvmeControllerTransfer.Cmb> cmbOf(PciFunction f) {
        return RunningMachine.p2pmemBar(f).map(b -> new NvmeControllerTransfer.Cmb(busOf(b), b.cpuAddress(), f.p2pmem().orElseThrow().sizeBytes()));
    }

    private long busOf(Bar b) {
        return machine.memory().regionOf(b.cpuAddress(), 1).map(r -> b.cpuAddress() + r.busOffset()).orElse(b.cpuAddress());
    }

    /** The namespace queue's limits (spec 6.2). */
    public QueueLimits limits() {
        return limits;
    }

    /** The namespace. */
    public NvmeNamespace namespace() {
        return namespace;
    }

    /** The controller's identity. */
    public NvmeIdentity identity() {
        return identity;
    }

    /** Descriptor pool blocks in use (0 between calls: nothing leaks). */
    public int descriptorBlocksInUse() {
        return pools.inUseCount();
    }

    /**
     * What issuing one request did.
     *
     * @param record the request as the output shows it
     * @param hung   the causes, when it never completes
     */
    public record Issued(ODirectCall.NvmeRequestRecord record, Optional<List<String>> hung) {
    }

    /** Models nvme_queue_rq() for {@code rq} until it is issued and completed, ended, or found hung. */
    public Issued issue(Request rq) {
        boolean write = rq.op() == ReqOp.WRITE;
        DmaDirection dir = write ? DmaDirection.TO_DEVICE : DmaDirection.FROM_DEVICE;
        Bvec first = rq.firstBvec();
        NvmeRequest nr = NvmeRequest.io(rq.nrPhysSegments(), rq.bytes(), new NvmeRequest.Bvec(first.offset(), first.length(), first.isP2pdma()));
        Mapper mapper = new Mapper(rq, dir);
        NvmeDataPath.Mapped[] last = new NvmeDataPath.Mapped[1];
        RequeueModel.Timeline t = RequeueModel.run(HZ, attempt -> {
            last[0] = NvmeDataPath.mapData(nr, params, mapper, pools);
            return last[0].status();
        }, List.of(), HANG_TICKS);
        machine.clock().advanceNs(t.decidedAt() * (1_000_000_000L / HZ));
        long slba = rq.sector() * QueueLimits.SECTOR_BYTES / namespace.blockBytes();
        long blocks = rq.bytes() / namespace.blockBytes();
        int attempts = t.attempts().size();
        switch (t.outcome()) {
            case HUNG -> {
                List<String> causes = new ArrayList<>();
                causes.add("nvme_map_data(): " + mapper.lastFailure.orElse("the mapping failed") + " -> BLK_STS_RESOURCE");
                causes.add("blk-mq requeued the request " + (attempts - 1) + " times over " + (t.decidedAt() * 1000 / HZ)
                        + " ms of model time (first at once, then every " + RequeueModel.resourceDelayTicks(HZ) + " ms) with no progress");
                causes.add("no retry limit and no timeout for a request that never started: the call never returns (spec 6.11)");
                return new Issued(new ODirectCall.NvmeRequestRecord(write, slba, blocks, BlkStatus.RESOURCE, attempts, Optional.empty()),
                        Optional.of(causes));
            }
            case ENDED -> {
                return new Issued(new ODirectCall.NvmeRequestRecord(write, slba, blocks, last[0].status(), attempts, Optional.empty()), Optional.empty());
            }
            case ISSUED -> {
                NvmeDataPath.Mapped m = last[0];
                BlkStatus status = BlkStatus.OK;
                if (m.command().isPresent()) {
                    NvmeControllerTransfer.Outcome o = controller.execute(write ? NvmeControllerTransfer.Opcode.WRITE : NvmeControllerTransfer.Opcode.READ,
                            namespace, slba, (int) blocks, pointer(m.command().get()));
                    status = o.status().blkStatus();
                }
                Optional<ODirectCall.DmaRecord> dma = mapper.record;
                NvmeDataPath.unmapData(m.mapping(), mapper, pools);
                return new Issued(new ODirectCall.NvmeRequestRecord(write, slba, blocks, status, attempts, dma), Optional.empty());
            }
            default -> throw new IllegalStateException("unknown outcome " + t.outcome());
        }
    }

    private static NvmeControllerTransfer.DataPointer pointer(NvmeCommand c) {
        return switch (c.dptr()) {
            case NvmeCommand.Prp p -> new NvmeControllerTransfer.Prp(p.prp1(), p.prp2());
            case NvmeCommand.Sgl s -> new NvmeControllerTransfer.Sgl(s.descriptor().addr(), s.descriptor().length(), s.descriptor().type());
        };
    }

    /** The DMA calls of one request on the machine's DMA core, recording the successful mapping. Not thread-safe. */
    private final class Mapper implements NvmeDmaMapper {
        /** The request. */
        private final Request rq;
        /** Its direction. */
        private final DmaDirection dir;
        /** The sg table of the sg path while mapped. */
        private SgTable table;
        /** The mapping of the last successful attempt. */
        private Optional<ODirectCall.DmaRecord> record = Optional.empty();
        /** Why the last failed attempt failed, in words. */
        private Optional<String> lastFailure = Optional.empty();

        Mapper(Request rq, DmaDirection dir) {
            this.rq = rq;
            this.dir = dir;
        }

        @Override
        public OptionalLong mapBvec(NvmeRequest.Bvec bv) {
            Bvec first = rq.firstBvec();
            DmaPageMapping m = machine.mapping().mapPage(device, first.page(), first.offset(), first.length(), dir, DmaAttrs.NONE);
            if (m.isError()) {
                lastFailure = Optional.of("dma_map_page() returned DMA_MAPPING_ERROR");
                return OptionalLong.empty();
            }
            DmaSegmentKind kind = switch (m.kind()) {
                case IOVA -> DmaSegmentKind.IOVA;
                case SWIOTLB_SLOT -> DmaSegmentKind.SWIOTLB;
                default -> DmaSegmentKind.PHYS;
            };
            record = Optional.of(new ODirectCall.DmaRecord("dma_map_page", 1, 1,
                    List.of(new ODirectCall.SegmentRecord(m.dmaAddress(), first.length(), kind))));
            return OptionalLong.of(m.dmaAddress());
        }

        @Override
        public void unmapBvec(long dma, long len) {
            machine.mapping().unmapPage(device, dma, len, dir, DmaAttrs.NONE);
        }

        @Override
        public SgOutcome mapSg() {
            table = new SgTable();
            BlkRqMapSg.MapSgResult r = BlkRqMapSg.mapSg(rq, limits, table);
            if (r.nents() == 0) {
                table.free();
                lastFailure = Optional.of("blk_rq_map_sg() made no entry");
                return new Unavailable();
            }
            DmaMapResult mr = machine.mapping().mapSgtable(device, table, dir, DmaAttrs.NONE.with(DmaAttrs.NO_WARN));
            if (!mr.isOk()) {
                table.free();
                Errno e = mr.error().orElseThrow();
                lastFailure = Optional.of("dma_map_sgtable() returned -" + e + (machine.dmaSetup().forceBounce() && rq.hasP2pdmaPages()
                        ? " (swiotlb=force: dma_direct_map_page() gives DMA_MAPPING_ERROR for a P2PDMA page it may not bounce)" : ""));
                if (p2pFailureIsPermanent && rq.hasP2pdmaPages() && e != Errno.EREMOTEIO) {
                    return new Failed(Errno.EREMOTEIO);
                }
                return new Failed(e);
            }
            List<DmaSegment> entries = new ArrayList<>();
            List<ODirectCall.SegmentRecord> segs = new ArrayList<>();
            for (SgEntry e : SgWalk.of(table.first().orElseThrow(), mr.nents())) {
                entries.add(new DmaSegment(e.dmaAddress(), e.dmaLengthBytes()));
                segs.add(new ODirectCall.SegmentRecord(e.dmaAddress(), e.dmaLengthBytes(), kindOf(e)));
            }
            record = Optional.of(new ODirectCall.DmaRecord("dma_map_sg", r.nents(), mr.nents(), segs));
            return new Mapped(entries);
        }

        private DmaSegmentKind kindOf(SgEntry e) {
            if (machine.mapping().sgDma().mark().isMarked(e)) {
                return DmaSegmentKind.BUS;
            }
            if (translated) {
                return DmaSegmentKind.IOVA;
            }
            return machine.swiotlb().contains(device.dmaToPhys(e.dmaAddress())) ? DmaSegmentKind.SWIOTLB : DmaSegmentKind.PHYS;
        }

        @Override
        public void unmapSg() {
            machine.mapping().unmapSgtable(device, table, dir, DmaAttrs.NONE.with(DmaAttrs.NO_WARN));
            table.free();
        }
    }
}
