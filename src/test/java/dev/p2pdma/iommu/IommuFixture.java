package dev.p2pdma.iommu;

import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.dma.P2pMapTypes;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.testing.SwitchMachine;
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
    static final long BAR_CPU = SwitchMachine.BAR_CPU;
    /** Its PCI bus address. */
    static final long BAR_BUS = SwitchMachine.BAR_BUS;
    /** BAR size. */
    static final long BAR_BYTES = SwitchMachine.BAR_BYTES;
    /** Where test buffers start. */
    static final long BUFFERS_PHYS = SwitchMachine.BUFFERS_PHYS;
    /** The provider. */
    static final PciAddress PROVIDER = SwitchMachine.PROVIDER;
    /** The client behind the same switch. */
    static final PciAddress SWITCH_PEER = SwitchMachine.SWITCH_PEER;
    /** The client behind another root port. */
    static final PciAddress OTHER_ROOT = SwitchMachine.OTHER_ROOT;

    /** The shared test machine. */
    final SwitchMachine machine;
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
        machine = SwitchMachine.of(amd);
        topology = machine.topology();
        memory = machine.memory();
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
        return machine.ram(phys);
    }

    /** The i-th RAM test page. */
    Page ramPage(int i) {
        return machine.ramPage(i);
    }

    /** The i-th page of the BAR. */
    Page p2pPage(int i) {
        return machine.p2pPage(i);
    }
}
