package dev.p2pdma.sim;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.dma.DirectDmaOps;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapResult;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaRange;
import dev.p2pdma.dma.LegacyDmaOps;
import dev.p2pdma.dma.Swiotlb;
import dev.p2pdma.iommu.IommuDmaOps;
import dev.p2pdma.iommu.IommuDomain;
import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.iommu.IommuDomainFlushMode;
import dev.p2pdma.iommu.IommuDomainFlushQueue;
import dev.p2pdma.iommu.IommuDomainType;
import dev.p2pdma.iommu.IovaDomain;
import dev.p2pdma.base.Errno;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.p2pdma.KernelVersion;
import dev.p2pdma.p2pdma.P2pDmaProviders;
import dev.p2pdma.p2pdma.P2pMemBlock;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Runs a {@link MapScenario}: loads the machine and boots it ({@link RunningMachine}: memory, the
 * swiotlb buffer, the DMA core; without the drivers' own p2pmem), registers and publishes the p2pmem providers
 * (pci_p2pdma_add_resource, pci_p2pmem_publish), builds the client's DMA device, assembles the
 * scatterlist from RAM pages and pci_alloc_p2pmem() blocks, maps it with the era's API call, and
 * unmaps it again. Every problem with the scenario (unknown device, a BAR that cannot be
 * registered, a piece over the swiotlb buffer) is one {@link ImportException} line. Stateless;
 * thread-safe (each run builds its own machine).
 */
public final class MapScenarioRunner {

    private MapScenarioRunner() {
    }

    /** Runs the scenario; {@code file} names it in messages. */
    public static MapOutcome run(MapScenario s, String file) throws ImportException {
        return run(s, file, Optional.empty());
    }

    /** Runs the scenario with the map type decided by {@code kernel}'s rules (empty: the topology's release, else 6.12). */
    public static MapOutcome run(MapScenario s, String file, Optional<KernelVersion> kernel) throws ImportException {
        LoadedMachine m;
        try {
            Optional<CpuInfo> cpu = s.topology().cpu().map(CpuInfo::parseFlag);
            m = LoadedMachine.load(LoadedMachine.SourceKind.valueOf(s.topology().kind().toUpperCase(Locale.ROOT)), s.topology().path(),
                    s.topology().kernelParams(), cpu, UnknownAcsPolicy.NO_REDIRECT, kernel);
        } catch (IllegalArgumentException e) {
            throw new ImportException(file + ": topology: " + Texts.capQuoted(Texts.path(String.valueOf(e.getMessage()))), e);
        }
        requireDevice(m, s.client().device(), file, "client");
        // the scenario registers its own providers, so drivers do not register what the input shows
        RunningMachine machine = applying(file, "ram", () -> RunningMachine.boot(m, new RunningMachine.BootOptions(s.ramBytes(), false)));
        KernelLog log = machine.log();
        PhysicalMemory memory = machine.memory();
        Swiotlb tlb = machine.swiotlb();
        long swiotlbStart = tlb.startPhys();
        long swiotlbBytes = tlb.sizeBytes();
        P2pDmaProviders providers = machine.providers();
        for (MapScenario.Provider p : s.providers()) {
            requireDevice(m, p.device(), file, "provider");
            Optional<Errno> err = applying(file, "providers: " + p.device(),
                    () -> providers.registration().addResource(p.device(), p.bar(), p.sizeBytes(), p.offsetBytes()));
            if (err.isPresent()) {
                throw new ImportException(file + ": provider " + p.device() + " BAR " + p.bar() + ": pci_p2pdma_add_resource() failed with -"
                        + err.get() + lastLine(log));
            }
            providers.finder().publish(p.device(), p.publish());
        }
        Optional<IommuDomain> domain = applying(file, "client.iommu", () -> domain(s.client(), m, memory));
        DmaDevice dev = device(s.client(), m, tlb, domain, file);
        SgTable sgt = new SgTable();
        if (sgt.alloc(s.pieces().size()).isPresent()) {
            throw new ImportException(file + ": cannot allocate a scatterlist of " + s.pieces().size() + " entries");
        }
        List<String> kinds = new ArrayList<>();
        List<P2pMemBlock> blocks = new ArrayList<>();
        List<SgEntry> entries = sgt.entries(s.pieces().size());
        for (int i = 0; i < entries.size(); i++) {
            MapScenario.Piece piece = s.pieces().get(i);
            SgEntry e = entries.get(i);
            switch (piece) {
                case MapScenario.RamPiece r -> {
                    if (!memory.isRam(r.physAddress(), r.lengthBytes())) {
                        throw new ImportException(file + ": line " + r.line() + String.format(": RAM piece 0x%x+0x%x is not in RAM (%s)",
                                r.physAddress(), r.lengthBytes(), memory.describeRam()));
                    }
                    if (r.physAddress() < swiotlbStart + swiotlbBytes && swiotlbStart < r.physAddress() + r.lengthBytes()) {
                        throw new ImportException(file + ": line " + r.line() + ": RAM piece overlaps the swiotlb buffer at 0x"
                                + Long.toHexString(swiotlbStart) + "-0x" + Long.toHexString(swiotlbStart + swiotlbBytes - 1) + " (the top of RAM below 4 GiB)");
                    }
                    Page page = memory.memMap().pageOrThrow(PageSize.pfn(r.physAddress()));
                    e.setPage(page, (int) r.lengthBytes(), (int) (r.physAddress() & PageSize.PAGE_MASK));
                    kinds.add("ram");
                }
                case MapScenario.P2pPiece p -> {
                    requireDevice(m, p.provider(), file, "p2pmem piece");
                    if (providers.provider(p.provider()).isEmpty()) {
                        throw new ImportException(file + ": line " + p.line() + ": " + p.provider() + " has no p2pmem: list it under providers");
                    }
                    P2pMemBlock b = providers.allocator().allocP2pmem(p.provider(), p.offsetBytes() + p.lengthBytes()).orElseThrow(() -> new ImportException(
                            file + ": line " + p.line() + ": pci_alloc_p2pmem(" + p.provider() + ", " + (p.offsetBytes() + p.lengthBytes()) + ") failed: pool exhausted"));
                    blocks.add(b);
                    long phys = DirectMap.phys(b.virt()) + p.offsetBytes();
                    e.setPage(memory.memMap().pageOrThrow(PageSize.pfn(phys)), (int) p.lengthBytes(), (int) (phys & PageSize.PAGE_MASK));
                    kinds.add("p2pmem " + p.provider());
                }
            }
        }
        DmaMapping mapping = machine.mapping().withEra(Era.ofTag(s.era()));
        DmaDirection dir = DmaDirection.valueOf(s.direction().toUpperCase(Locale.ROOT));
        int ret;
        Optional<String> error;
        int nents;
        String call;
        if (!mapping.sgDma().dmaMapSgReturnsErrno()) {
            call = "dma_map_sgtable";
            DmaMapResult r = mapping.mapSgtable(dev, sgt, dir, DmaAttrs.NONE);
            ret = r.kernelReturn();
            error = r.error().map(Enum::name);
            nents = r.isOk() ? r.nents() : 0;
        } else {
            call = "dma_map_sg";
            ret = mapping.mapSg(dev, sgt.first().orElseThrow(), sgt.origNents(), dir, DmaAttrs.NONE);
            error = ret < 0 ? DmaMapResult.errnoOf(ret).map(Enum::name) : ret == 0 ? Optional.of("0 (failure)") : Optional.empty();
            nents = Math.max(ret, 0);
            if (nents > 0) {
                sgt.setNents(nents);
            }
        }
        List<MapOutcome.Segment> segs = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            SgEntry e = entries.get(i);
            List<String> flags = new ArrayList<>();
            if (mapping.sgDma().mark().isMarked(e)) {
                flags.add("BUS_ADDRESS");
            }
            // per segment: its DMA address lies in the bounce buffer (SG_DMA_SWIOTLB marks the whole list on entry 0)
            boolean translated = domain.isPresent() && domain.get().type() == IommuDomainType.DMA;
            if (i < nents && !translated && tlb.contains(dev.dmaToPhys(e.dmaAddress()))) {
                flags.add("SWIOTLB");
            }
            if (i < nents && translated && flags.isEmpty()) {
                flags.add("IOVA");
            }
            boolean mapped = i < nents;
            segs.add(new MapOutcome.Segment(i, kinds.get(i), e.phys(), e.lengthBytes(), mapped, mapped ? e.dmaAddress() : 0,
                    mapped ? e.dmaLengthBytes() : 0, flags));
        }
        long usedAfterMap = tlb.usedSlots();
        long iovaAfterMap = domain.flatMap(IommuDomain::iovaDomain).map(IovaDomain::allocatedPfns).orElse(0L);
        long ptAfterMap = domain.map(d -> d.pageTable().mappedBytes()).orElse(0L);
        boolean supported = mapping.p2pdmaSupported(dev);
        if (nents > 0) {
            mapping.unmapSg(dev, sgt.first().orElseThrow(), sgt.origNents(), dir, DmaAttrs.NONE);
        }
        long usedAfterUnmap = tlb.usedSlots();
        Optional<MapOutcome.IommuUse> iommu = domain.map(d -> new MapOutcome.IommuUse(d.groupId(), s.client().iommu().domain(),
                s.client().iommu().mode(), iovaAfterMap, d.iovaDomain().map(IovaDomain::allocatedPfns).orElse(0L),
                d.flushQueue().map(IommuDomainFlushQueue::queuedPages).orElse(0L), ptAfterMap, d.pageTable().mappedBytes()));
        for (P2pMemBlock b : blocks) {
            providers.allocator().freeP2pmem(b);
        }
        sgt.free();
        List<String> notes = new ArrayList<>(m.assumptions());
        return new MapOutcome(s.era(), call, ret, error, nents, segs, supported, log.lines(), usedAfterMap, usedAfterUnmap, notes, iommu);
    }

    /**
     * The client's default domain for backend iommu: on its IOMMU group as the kernel would make it
     * (spec 5.6, computed even when the input booted without an IOMMU, since the scenario asks for
     * one), a strict or lazy DMA domain
     * reserving the BAR bus windows and MSI, or an identity domain. The clock does not advance:
     * lazily freed IOVAs stay in the flush queue, as the output reports.
     */
    private static Optional<IommuDomain> domain(MapScenario.Client c, LoadedMachine m, PhysicalMemory memory) {
        if (!c.backend().equals("iommu")) {
            return Optional.empty();
        }
        int group = IommuGroups.compute(m.topology(), m.decision().options().unknownAcs()).groupOf(c.device())
                .orElseThrow(() -> new IllegalStateException("no IOMMU group computed for " + c.device()));
        if (c.iommu().domain().equals("identity")) {
            return Optional.of(IommuDomain.identity(group));
        }
        IommuDomainFlushMode mode = c.iommu().mode().equals("lazy") ? IommuDomainFlushMode.LAZY : IommuDomainFlushMode.STRICT;
        return Optional.of(IommuDomain.dma(group, mode, IommuDomain.reservedRegionsOf(memory), () -> 0L));
    }

    /**
     * The client's struct device, each parameter applied as its own step so that a value the model
     * refuses (the reader checks them all first: this is a safety net) names its key.
     */
    private static DmaDevice device(MapScenario.Client c, LoadedMachine m, Swiotlb tlb, Optional<IommuDomain> domain, String file)
            throws ImportException {
        DmaDevice.Builder b = applying(file, "client.device", () -> DmaDevice.forPci(m.topology(), c.device()));
        applying(file, "client.dma_mask", () -> b.dmaMask(c.dmaMask()));
        applying(file, "client.coherent_dma_mask", () -> b.coherentDmaMask(c.coherentDmaMask()));
        applying(file, "client.bus_dma_limit", () -> b.busDmaLimit(c.busDmaLimit()));
        applying(file, "client.max_segment_size", () -> b.maxSegmentBytes((int) Math.min(c.maxSegmentSize(), Integer.MAX_VALUE)));
        applying(file, "client.segment_boundary_mask", () -> b.segmentBoundaryMask(c.segmentBoundaryMask()));
        applying(file, "client.min_align_mask", () -> b.minAlignMask(Math.toIntExact(c.minAlignMask())));
        b.coherent(c.coherent());
        b.ops(domain.isPresent() ? IommuDmaOps.forDevice(domain.get(), true)
                : c.backend().equals("no-p2p") ? LegacyDmaOps.create() : DirectDmaOps.INSTANCE);
        if (!c.dmaRanges().isEmpty()) {
            applying(file, "client.dma_ranges",
                    () -> b.rangeMap(c.dmaRanges().stream().map(r -> new DmaRange(r.cpuStart(), r.dmaStart(), r.sizeBytes())).toList()));
        }
        switch (c.swiotlb()) {
            case "force" -> b.swiotlbForceBounce(tlb);
            case "off" -> b.noSwiotlb();
            default -> b.swiotlb(tlb);
        }
        return applying(file, "client", b::build);
    }

    /**
     * Runs one step that turns a scenario value into a model object; an argument check the model
     * makes (IllegalArgumentException, ArithmeticException) becomes one bad-input line naming the
     * file and the key being applied.
     */
    private static <T> T applying(String file, String key, Supplier<T> step) throws ImportException {
        try {
            return step.get();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ImportException(file + ": " + key + ": " + Texts.capQuoted(Texts.path(String.valueOf(e.getMessage()))), e);
        }
    }

    private static void requireDevice(LoadedMachine m, PciAddress a, String file, String role) throws ImportException {
        if (m.topology().indexOf(a) < 0) {
            throw new ImportException(file + ": " + role + " " + a + " is not a PCI function of " + Texts.path(m.topology().machine().source()));
        }
    }

    private static String lastLine(KernelLog log) {
        List<String> l = log.lines();
        return l.isEmpty() ? "" : " (kernel: " + l.get(l.size() - 1) + ")";
    }
}
