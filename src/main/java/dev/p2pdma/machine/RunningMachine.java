package dev.p2pdma.machine;

import dev.p2pdma.base.Errno;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.dma.DirectDmaOps;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.dma.P2pMapTypes;
import dev.p2pdma.dma.Swiotlb;
import dev.p2pdma.fabric.PcieFabric;
import dev.p2pdma.iommu.IommuDmaOps;
import dev.p2pdma.iommu.IommuDomain;
import dev.p2pdma.iommu.IommuDomainFlushMode;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.KernelChange;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pDmaProviders;
import dev.p2pdma.p2pdma.P2pMemBlock;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.machine.LoadedMachine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A machine booted in the model from a {@link LoadedMachine}: what the analysis alone does not
 * have. RAM with real bytes; a swiotlb buffer; every p2pmem provider registered as its driver
 * registers it (an NVMe CMB as nvme-pci does, then the driver's own queue memory taken from the
 * pool first, so pool offsets and {@code available} match the capture); one IOMMU domain per group
 * in the mode the kernel command line selects ({@link DmaSetup}); each endpoint's DMA device and
 * backend; the DMA mapping core of Linux 6.12; and the PCIe fabric the devices' DMA goes through.
 *
 * <p>Assumptions, also listed by {@link #assumptions()}: an NVMe function gets nvme-pci's DMA
 * parameters (64-bit masks, min_align_mask 4095, segment boundary 0xFFFFFFFF, max segment size
 * UINT_MAX, held here as 2^31 - 1 as the model's DMA device keeps it in an int); other endpoints get
 * 64-bit masks and the PCI defaults (max segment 65536); the root complex forwards peer-to-peer
 * exactly where the kernel's decision says a host-bridge path works.
 *
 * <p>Thread-safety: built by one thread; afterwards as thread-safe as the parts (memory, pools,
 * IOMMU domains and the DMA core are; the clock is).
 */
public final class RunningMachine {

    /** RAM when the caller does not say: 1 GiB, as the traced guests had. */
    public static final long DEFAULT_RAM_BYTES = 1L << 30;
    /** Largest swiotlb buffer: IO_TLB_DEFAULT_SIZE. */
    private static final long SWIOTLB_BYTES = Swiotlb.IO_TLB_DEFAULT_SIZE;
    /** The swiotlb buffer is a whole number of segments of IO_TLB_SEGSIZE slots: 256 KiB. */
    private static final long SWIOTLB_SEGMENT_BYTES = (long) Swiotlb.IO_TLB_SEGSIZE * Swiotlb.IO_TLB_SIZE;
    /** nvme-pci's min_align_mask (NVME_CTRL_PAGE_SIZE - 1). */
    private static final int NVME_MIN_ALIGN_MASK = 4095;
    /** The PCI core's default max segment size. */
    private static final int PCI_DEFAULT_MAX_SEGMENT_BYTES = 65536;

    /** The analysed machine. */
    private final LoadedMachine loaded;
    /** The DMA setup from the command line. */
    private final DmaSetup setup;
    /** Memory with real bytes. */
    private final PhysicalMemory memory;
    /** The swiotlb buffer. */
    private final Swiotlb swiotlb;
    /** p2pmem providers. */
    private final P2pDmaProviders providers;
    /** IOMMU domain per group id. */
    private final Map<Integer, IommuDomain> domains;
    /** DMA device per endpoint, by address. */
    private final Map<PciAddress, DmaDevice> devices;
    /** The driver's own p2pmem allocations (an NVMe CMB's queue memory), by provider. */
    private final Map<PciAddress, P2pMemBlock> driverBlocks;
    /** The DMA mapping core (SG era: Linux 6.12). */
    private final DmaMapping mapping;
    /** The PCIe fabric. */
    private final PcieFabric fabric;
    /** Time. */
    private final ModelClock clock;
    /** The kernel log. */
    private final KernelLog log;
    /** What was assumed, in words. */
    private final List<String> assumptions;
    /** Providers whose driver blocks were freed at removal. */
    private final java.util.Set<PciAddress> freedDriverBlocks = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private RunningMachine(LoadedMachine loaded, DmaSetup setup, PhysicalMemory memory, Swiotlb swiotlb, P2pDmaProviders providers,
            Map<Integer, IommuDomain> domains, Map<PciAddress, DmaDevice> devices, Map<PciAddress, P2pMemBlock> driverBlocks,
            DmaMapping mapping, PcieFabric fabric, ModelClock clock, KernelLog log, List<String> assumptions) {
        this.loaded = loaded;
        this.setup = setup;
        this.memory = memory;
        this.swiotlb = swiotlb;
        this.providers = providers;
        this.domains = Map.copyOf(domains);
        this.devices = Map.copyOf(devices);
        this.driverBlocks = Map.copyOf(driverBlocks);
        this.mapping = mapping;
        this.fabric = fabric;
        this.clock = clock;
        this.log = log;
        this.assumptions = List.copyOf(assumptions);
    }

    /**
     * How to boot: how much RAM, and whether drivers register the p2pmem the capture shows (off for
     * a scenario that registers its own providers).
     *
     * @param ramBytes              system RAM at physical address 0
     * @param driversRegisterP2pmem whether each provider's driver registers its captured p2pmem
     */
    public record BootOptions(long ramBytes, boolean driversRegisterP2pmem) {
        /** RAM as given, drivers registering their p2pmem. */
        public static BootOptions ram(long ramBytes) {
            return new BootOptions(ramBytes, true);
        }
    }

    /**
     * Boots {@code loaded} with {@code ramBytes} of RAM, drivers registering their p2pmem.
     *
     * @throws IllegalArgumentException when the machine cannot be built as captured (too little RAM
     *                                  below the PCI hole for swiotlb, a p2pmem BAR that cannot be
     *                                  registered), naming the device or the reason
     */
    public static RunningMachine boot(LoadedMachine loaded, long ramBytes) {
        return boot(loaded, BootOptions.ram(ramBytes));
    }

    /**
     * Boots {@code loaded} as {@code options} say. On a kernel version with
     * {@link KernelChange#PROVIDERS_WITHOUT_POOL} (6.19+), every function bound to vfio-pci gets a
     * P2PDMA record without a pool at boot, as vfio-pci's probe does (spec 12.1 M4).
     *
     * @throws IllegalArgumentException as {@link #boot(LoadedMachine, long)}
     */
    public static RunningMachine boot(LoadedMachine loaded, BootOptions options) {
        long ramBytes = options.ramBytes();
        PciTopology t = loaded.topology();
        KernelCommandLine cmdline = KernelCommandLine.parse(t.machine().cmdline().orElse(""));
        DmaSetup setup = DmaSetup.of(cmdline, loaded.iommuActive().orElse(cmdline.iommuRequested().orElse(false)));
        List<String> assumptions = new ArrayList<>(loaded.assumptions());
        if (t.machine().cmdline().isEmpty()) {
            assumptions.add("kernel command line unknown: booted as " + setup.describe());
        }
        ModelClock clock = new ModelClock();
        KernelLog log = KernelLog.create();
        PhysicalMemory memory = PhysicalMemory.forTopology(t, ramBytes);
        Swiotlb swiotlb = swiotlb(memory, t.machine().source());
        P2pDmaProviders providers = P2pDmaProviders.create(loaded.decision(), memory, log, new SplittableRandom(42));
        Map<PciAddress, P2pMemBlock> driverBlocks = new LinkedHashMap<>();
        boolean vfioProviders = loaded.decision().options().kernel().has(KernelChange.PROVIDERS_WITHOUT_POOL);
        for (PciFunction f : t.functions()) {
            if (vfioProviders && f.driver().filter(KernelChange.VFIO_PCI::equals).isPresent()) {
                providers.initWithoutPool(f.address()).ifPresent(e -> assumptions.add("pcim_p2pdma_init() of " + f.address() + " failed: " + e));
            }
            if (options.driversRegisterP2pmem() && f.p2pmem().isPresent()) {
                registerP2pmem(f, f.p2pmem().get(), providers, assumptions).ifPresent(b -> driverBlocks.put(f.address(), b));
            }
        }
        Map<Integer, IommuDomain> domains = new HashMap<>();
        Optional<IommuGroups> groups = setup.iommu() == IommuMode.OFF ? Optional.empty()
                : Optional.of(IommuGroups.compute(t, loaded.decision().options().unknownAcs()));
        Map<PciAddress, DmaDevice> devices = new LinkedHashMap<>();
        PcieFabric.Builder fabric = PcieFabric.builder(t, memory, rootComplexRouting(loaded.decision()));
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            if (!t.isMatrixEndpoint(i)) {
                continue;
            }
            Optional<IommuDomain> domain = Optional.empty();
            if (groups.isPresent() && groups.get().groupOf(f.address()).isPresent()) {
                domain = Optional.of(domains.computeIfAbsent(groups.get().groupOf(f.address()).getAsInt(),
                        id -> newDomain(id, setup.iommu(), memory, clock)));
            }
            DmaDevice dev = device(t, f, domain, setup, swiotlb);
            devices.put(f.address(), dev);
            fabric.requester(dev, domain.map(d -> (DmaTranslation) d));
        }
        DmaMapping mapping = DmaMapping.create(memory, P2pMapTypes.of(t, providers.mapTypes(), log), DmaWarnings.of(log, clock::nowNs));
        return new RunningMachine(loaded, setup, memory, swiotlb, providers, domains, devices, driverBlocks, mapping, fabric.build(), clock,
                log, assumptions);
    }

    /** Like memblock_alloc_low(): the bounce buffer at the top of RAM below 4 GiB, whole segments, at most IO_TLB_DEFAULT_SIZE. */
    private static Swiotlb swiotlb(PhysicalMemory memory, String source) {
        long lowTop = memory.regions().get(0).sizeBytes();
        long bytes = Math.min(SWIOTLB_BYTES, lowTop / 4 / SWIOTLB_SEGMENT_BYTES * SWIOTLB_SEGMENT_BYTES);
        if (bytes == 0) {
            throw new IllegalArgumentException(String.format("only 0x%x bytes of RAM lie below the PCI hole of %s, too few for a swiotlb buffer"
                    + " (a quarter of it must hold %d KiB)", lowTop, source, SWIOTLB_SEGMENT_BYTES >> 10));
        }
        return Swiotlb.create(memory, lowTop - bytes, (int) (bytes / Swiotlb.IO_TLB_SIZE), 1);
    }

    /**
     * Registers a provider's p2pmem as its driver does: the BAR holding it (the smallest memory BAR
     * at least as large; nvme-pci's CMB), then takes what the capture shows already in use
     * ({@code size - available}: nvme-pci's submission queues) from the pool first.
     */
    private static Optional<P2pMemBlock> registerP2pmem(PciFunction f, P2pMemInfo info, P2pDmaProviders providers, List<String> assumptions) {
        Optional<Bar> bar = p2pmemBar(f);
        if (bar.isEmpty()) {
            assumptions.add(f.address() + ": p2pmem of " + info.sizeBytes() + " bytes but no memory BAR that large: not registered");
            return Optional.empty();
        }
        Optional<Errno> err = providers.registration().addResource(f.address(), bar.get().index(), info.sizeBytes(), 0);
        if (err.isPresent()) {
            throw new IllegalArgumentException(f.address() + " BAR " + bar.get().index() + ": pci_p2pdma_add_resource() failed with -" + err.get());
        }
        providers.finder().publish(f.address(), info.published());
        long used = info.sizeBytes() - info.availableBytes();
        if (used <= 0) {
            return Optional.empty();
        }
        return Optional.of(providers.allocator().allocP2pmem(f.address(), used).orElseThrow(
                () -> new IllegalArgumentException(f.address() + ": cannot take the driver's " + used + " bytes from its own p2pmem pool")));
    }

    /** The BAR holding a function's p2pmem: the smallest memory BAR at least as large (nvme-pci's CMB); empty without p2pmem. */
    static Optional<Bar> p2pmemBar(PciFunction f) {
        return f.p2pmem().flatMap(info -> f.bars().stream().filter(b -> b.memory() && b.sizeBytes() >= info.sizeBytes())
                .min((x, y) -> Long.compare(x.sizeBytes(), y.sizeBytes())));
    }

    private static IommuDomain newDomain(int group, IommuMode mode, PhysicalMemory memory, ModelClock clock) {
        return switch (mode) {
            case IDENTITY -> IommuDomain.identity(group);
            case STRICT -> IommuDomain.dma(group, IommuDomainFlushMode.STRICT, IommuDomain.reservedRegionsOf(memory), clock::nowNs);
            case LAZY -> IommuDomain.dma(group, IommuDomainFlushMode.LAZY, IommuDomain.reservedRegionsOf(memory), clock::nowNs);
            case OFF -> throw new IllegalStateException("no IOMMU domain without an IOMMU");
        };
    }

    /** The device as its driver sets it up: nvme-pci's DMA parameters for an NVMe function, PCI defaults otherwise. */
    private static DmaDevice device(PciTopology t, PciFunction f, Optional<IommuDomain> domain, DmaSetup setup, Swiotlb swiotlb) {
        DmaDevice.Builder b = DmaDevice.forPci(t, f.address()).dmaMaskAndCoherent(DmaMasks.bitMask(64)).coherent(true);
        if (isNvme(f)) {
            b.minAlignMask(NVME_MIN_ALIGN_MASK).maxSegmentBytes(Integer.MAX_VALUE).segmentBoundaryMask(0xFFFF_FFFFL);
        } else {
            b.maxSegmentBytes(PCI_DEFAULT_MAX_SEGMENT_BYTES).segmentBoundaryMask(0xFFFF_FFFFL);
        }
        boolean translated = domain.isPresent() && setup.iommu().translates();
        b.ops(domain.isPresent() ? IommuDmaOps.forDevice(domain.get(), true) : DirectDmaOps.INSTANCE);
        if (setup.forceBounce() && !translated) {
            b.swiotlbForceBounce(swiotlb);
        } else {
            b.swiotlb(swiotlb);
        }
        return b.build();
    }

    /** An NVMe controller: class 01:08:02 or bound to nvme. */
    static boolean isNvme(PciFunction f) {
        return f.classCode() == 0x010802 || f.driver().map("nvme"::equals).orElse(false);
    }

    /** The root complex forwards a peer request where the kernel's decision finds a path (whitelist, CPU rule): the model's assumption. */
    public static PcieFabric.RootComplexPeerRouting rootComplexRouting(P2pDmaDecision d) {
        return (requester, target) -> {
            MapType type = P2pDmaDecision.mapTypeOf(d.calc(target, requester));
            return type == MapType.THRU_HOST_BRIDGE || type == MapType.BUS_ADDR;
        };
    }

    /**
     * The provider's device goes away with I/O possibly in flight (surprise removal and unbind):
     * the fabric no longer completes requests for its BARs, its driver frees what it took from its
     * own pool, and p2pdma's release starts (the {@code allocate} file and every user mapping go
     * at once; pages pinned by I/O return to the pool only at their last unpin, and the provider's
     * record stays until then). Finish with {@code providers().removal().tryRemove(address)}.
     *
     * @return empty when the removal started; ENODEV when the function has no p2pmem
     */
    public Optional<Errno> removeProvider(PciAddress address) {
        if (providers.provider(address).isEmpty()) {
            return Optional.of(Errno.ENODEV);
        }
        fabric.remove(topology().indexOf(address));
        P2pMemBlock driver = driverBlocks.get(address);
        if (driver != null && freedDriverBlocks.add(address)) {
            providers.allocator().freeP2pmem(driver);
        }
        return providers.removal().beginRemoval(address);
    }

    /** The analysed machine (topology, decision, what-ifs). */
    public LoadedMachine loaded() {
        return loaded;
    }

    /** The topology. */
    public PciTopology topology() {
        return loaded.topology();
    }

    /** The DMA setup the command line selected. */
    public DmaSetup dmaSetup() {
        return setup;
    }

    /** Memory with real bytes. */
    public PhysicalMemory memory() {
        return memory;
    }

    /** The swiotlb buffer. */
    public Swiotlb swiotlb() {
        return swiotlb;
    }

    /** p2pmem providers and their pools. */
    public P2pDmaProviders providers() {
        return providers;
    }

    /** The IOMMU domain of a device's group, when the IOMMU has one for it. */
    public Optional<IommuDomain> domainOf(PciAddress device) {
        return Optional.ofNullable(devices.get(device)).flatMap(d -> domains.values().stream()
                .filter(dom -> d.ops() instanceof IommuDmaOps ops && ops.domain() == dom).findFirst());
    }

    /** Every IOMMU domain, by group id. */
    public Map<Integer, IommuDomain> domains() {
        return domains;
    }

    /**
     * An endpoint's DMA device.
     *
     * @throws IllegalArgumentException when the address is not an endpoint of the machine
     */
    public DmaDevice device(PciAddress address) {
        DmaDevice d = devices.get(address);
        if (d == null) {
            throw new IllegalArgumentException(address + " is not an endpoint of " + loaded.topology().machine().source());
        }
        return d;
    }

    /** The memory a driver took from its own p2pmem pool at boot (an NVMe CMB's queues), by provider. */
    public Map<PciAddress, P2pMemBlock> driverBlocks() {
        return driverBlocks;
    }

    /** The DMA mapping core. */
    public DmaMapping mapping() {
        return mapping;
    }

    /** The PCIe fabric. */
    public PcieFabric fabric() {
        return fabric;
    }

    /** The machine's clock. */
    public ModelClock clock() {
        return clock;
    }

    /** The kernel log. */
    public KernelLog log() {
        return log;
    }

    /** What was assumed, in words (the analysis's, then the boot's). */
    public List<String> assumptions() {
        return assumptions;
    }
}
