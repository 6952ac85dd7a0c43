package dev.p2pdma.dma;

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
 * A small machine for DMA tests: 512 MiB of RAM, a P2P provider 03:00.0 whose 16 MiB BAR 2 sits
 * at 8 GiB with a non-zero bus offset (bus address 4 GiB), a client 04:00.0 behind the same
 * switch (BUS_ADDR), a client 06:00.0 behind another root port (THRU_HOST_BRIDGE on AMD Zen,
 * NOT_SUPPORTED on Intel), and a 1024-slot swiotlb pool at 16 MiB. The BAR has two page maps
 * (first and second 8 MiB) so a list can switch page maps. Not thread-safe (one per test).
 */
final class DmaFixture {

    /** CPU physical address of the provider's BAR. */
    static final long BAR_CPU = SwitchMachine.BAR_CPU;
    /** Its PCI bus address. */
    static final long BAR_BUS = SwitchMachine.BAR_BUS;
    /** Bus minus CPU. */
    static final long BUS_OFFSET = BAR_BUS - BAR_CPU;
    /** BAR size. */
    static final long BAR_BYTES = SwitchMachine.BAR_BYTES;
    /** RAM size. */
    static final long RAM_BYTES = SwitchMachine.RAM_BYTES;
    /** Where the swiotlb pool starts. */
    static final long SWIOTLB_PHYS = 16L << 20;
    /** Slots in the default pool. */
    static final int SWIOTLB_SLOTS = 1024;
    /** Where test buffers start (away from the pool). */
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
    /** Map-type caches. */
    final MapTypeCache cache;
    /** The shared log. */
    final KernelLog log = KernelLog.create();
    /** The test clock for rate limits, in ns. */
    final AtomicLong clockNs = new AtomicLong(1_000_000_000L);
    /** The warning sink. */
    final DmaWarnings warnings = DmaWarnings.of(log, clockNs::get);
    /** P2P answers. */
    final P2pMapTypes p2p;
    /** The SG-era core. */
    final DmaMapping mapping;
    /** The default pool (one area). */
    final Swiotlb swiotlb;
    /** First half of the BAR. */
    final DevicePageMap pgmap;
    /** Second half of the BAR. */
    final DevicePageMap pgmap2;

    DmaFixture(boolean amd) {
        machine = SwitchMachine.of(amd);
        topology = machine.topology();
        memory = machine.memory();
        cache = new MapTypeCache(P2pDmaDecision.of(topology));
        p2p = P2pMapTypes.of(topology, cache, log);
        mapping = DmaMapping.create(memory, p2p, warnings);
        swiotlb = Swiotlb.create(memory, SWIOTLB_PHYS, SWIOTLB_SLOTS, 1, () -> 0);
        pgmap = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PROVIDER, 2, BAR_CPU, BAR_BYTES / 2, BUS_OFFSET);
        pgmap2 = new DevicePageMap(2, DevicePageMap.Type.PCI_P2PDMA, PROVIDER, 2, BAR_CPU + BAR_BYTES / 2, BAR_BYTES / 2, BUS_OFFSET);
        if (memory.memMap().memremap(pgmap).isPresent() || memory.memMap().memremap(pgmap2).isPresent()) {
            throw new IllegalStateException("memremap failed");
        }
    }

    /** An Intel machine (host-bridge P2P NOT_SUPPORTED). */
    static DmaFixture intel() {
        return new DmaFixture(false);
    }

    /** An AMD Zen machine (host-bridge P2P THRU_HOST_BRIDGE). */
    static DmaFixture amd() {
        return new DmaFixture(true);
    }

    /** A PCI client with 64-bit masks and dma-direct. */
    DmaDevice.Builder client(PciAddress a) {
        return DmaDevice.forPci(topology, a).dmaMaskAndCoherent(DmaMasks.bitMask(64));
    }

    /** The RAM page at {@code phys}. */
    Page ram(long phys) {
        return machine.ram(phys);
    }

    /** The i-th RAM test page. */
    Page ramPage(int i) {
        return machine.ramPage(i);
    }

    /** The i-th page of the BAR (pages 0..2047 in the first page map, 2048.. in the second). */
    Page p2pPage(int i) {
        return machine.p2pPage(i);
    }
}
