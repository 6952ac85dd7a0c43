package dev.p2pdma.iommu;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.dma.P2pMapTypes;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.PhysicalMemory;
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

    /** The shared test machine (its constants, RAM pages and BAR pages). */
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
        pgmap = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, SwitchMachine.PROVIDER, 2, SwitchMachine.BAR_CPU, SwitchMachine.BAR_BYTES, SwitchMachine.BAR_BUS - SwitchMachine.BAR_CPU);
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
}
