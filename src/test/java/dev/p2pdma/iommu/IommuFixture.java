package dev.p2pdma.iommu;

import static dev.p2pdma.testing.Topo.noAcs;

import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.dma.P2pMapTypes;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.KernelLog;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small machine for IOMMU tests (the DMA tests' machine): 512 MiB of RAM, a provider 03:00.0
 * whose 16 MiB BAR 2 sits at CPU 8 GiB / bus 4 GiB, a client 04:00.0 behind the same switch
 * (BUS_ADDR), a client 06:00.0 behind another root port (THRU_HOST_BRIDGE on AMD Zen,
 * NOT_SUPPORTED on Intel); each client in its own DMA domain on a clock the test drives. Not
 * thread-safe for setup; the domains are.
 */
final class IommuFixture {

    /** CPU physical address of the provider's BAR. */
    static final long BAR_CPU = 0x2_0000_0000L;
    /** Its PCI bus address. */
    static final long BAR_BUS = 0x1_0000_0000L;
    /** BAR size. */
    static final long BAR_BYTES = 16L << 20;
    /** RAM size. */
    static final long RAM_BYTES = 512L << 20;
    /** Where test buffers start. */
    static final long BUFFERS_PHYS = 64L << 20;
    /** The provider. */
    static final PciAddress PROVIDER = PciAddress.parse("0000:03:00.0");
    /** The client behind the same switch. */
    static final PciAddress SWITCH_PEER = PciAddress.parse("0000:04:00.0");
    /** The client behind another root port. */
    static final PciAddress OTHER_ROOT = PciAddress.parse("0000:06:00.0");

    /** The PCI tree. */
    final PciTopology topology;
    /** The address space. */
    final PhysicalMemory memory;
    /** The log. */
    final KernelLog log = KernelLog.create();
    /** The driven clock, ns. */
    final AtomicLong clockNs = new AtomicLong(1_000_000_000L);
    /** Warnings. */
    final DmaWarnings warnings = DmaWarnings.of(log, clockNs::get);
    /** The SG-era core. */
    final DmaMapping mapping;
    /** The BAR's page map. */
    final DevicePageMap pgmap;

    IommuFixture(boolean amd) {
        Topo t = amd ? Topo.amdZen() : Topo.intel();
        topology = t.hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, noAcs())
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, noAcs(), "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, noAcs(), "0000:01:00.0")
                .endpoint("0000:03:00.0", "0000:02:00.0", noAcs(), true)
                .endpoint("0000:04:00.0", "0000:02:01.0", noAcs())
                .rootPort("0000:00:05.0", 6, noAcs())
                .endpoint("0000:06:00.0", "0000:00:05.0", noAcs())
                .build();
        memory = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, RAM_BYTES, 0),
                new PhysicalMemory.Region("0000:03:00.0 BAR2", PhysicalMemory.Kind.MMIO, BAR_CPU, BAR_BYTES, BAR_BUS)));
        mapping = DmaMapping.create(memory, P2pMapTypes.of(topology, new MapTypeCache(P2pDmaDecision.of(topology)), log), warnings);
        pgmap = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PROVIDER, 2, BAR_CPU, BAR_BYTES, BAR_BUS - BAR_CPU);
        if (memory.memMap().memremap(pgmap).isPresent()) {
            throw new IllegalStateException("memremap failed");
        }
    }

    /** An Intel machine. */
    static IommuFixture intel() {
        return new IommuFixture(false);
    }

    /** An AMD Zen machine. */
    static IommuFixture amd() {
        return new IommuFixture(true);
    }

    /** A DMA domain of this machine (reserved: the BAR's bus window and MSI). */
    IommuDomain domain(IommuDomainFlushMode mode) {
        return IommuDomain.dma(1, mode, IommuDomain.reservedRegionsOf(memory), clockNs::get);
    }

    /** A PCI client with 64-bit masks on dma-iommu over {@code domain}. */
    DmaDevice.Builder client(PciAddress a, IommuDomain domain) {
        return DmaDevice.forPci(topology, a).dmaMaskAndCoherent(DmaMasks.bitMask(64)).ops(IommuDmaOps.forDevice(domain, true));
    }

    /** The RAM page at {@code phys}. */
    Page ram(long phys) {
        return memory.memMap().pageOrThrow(PageSize.pfn(phys));
    }

    /** The i-th RAM test page. */
    Page ramPage(int i) {
        return ram(BUFFERS_PHYS + (long) i * PageSize.PAGE_SIZE);
    }

    /** The i-th page of the BAR. */
    Page p2pPage(int i) {
        return memory.memMap().pageOrThrow(PageSize.pfn(BAR_CPU) + i);
    }
}
