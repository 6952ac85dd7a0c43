package dev.p2pdma.dma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.GenPool;
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

    /** Where the swiotlb pool starts. */
    static final long SWIOTLB_PHYS = 16L << 20;
    /** Slots in the default pool. */
    static final int SWIOTLB_SLOTS = 1024;

    /** The shared test machine (its constants, RAM pages and BAR pages). */
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
    /** The provider's p2pmem pool (pci_alloc_p2pmem()'s gen_pool): one chunk per page map, bus addresses as "phys". */
    final GenPool<DevicePageMap> p2pmem = new GenPool<>(PageSize.PAGE_SHIFT);

    DmaFixture(boolean amd) {
        machine = SwitchMachine.of(amd);
        topology = machine.topology();
        memory = machine.memory();
        cache = new MapTypeCache(P2pDmaDecision.of(topology));
        p2p = P2pMapTypes.of(topology, cache, log);
        mapping = DmaMapping.create(memory, p2p, warnings);
        swiotlb = Swiotlb.create(memory, SWIOTLB_PHYS, SWIOTLB_SLOTS, 1, () -> 0);
        pgmap = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, SwitchMachine.PROVIDER, 2, SwitchMachine.BAR_CPU, SwitchMachine.BAR_BYTES / 2, SwitchMachine.BUS_OFFSET);
        pgmap2 = new DevicePageMap(2, DevicePageMap.Type.PCI_P2PDMA, SwitchMachine.PROVIDER, 2, SwitchMachine.BAR_CPU + SwitchMachine.BAR_BYTES / 2, SwitchMachine.BAR_BYTES / 2, SwitchMachine.BUS_OFFSET);
        if (memory.memMap().memremap(pgmap).isPresent() || memory.memMap().memremap(pgmap2).isPresent()) {
            throw new IllegalStateException("memremap failed");
        }
        for (DevicePageMap map : new DevicePageMap[] {pgmap2, pgmap}) {
            if (p2pmem.addChunk(DirectMap.virt(map.cpuStart()), map.cpuStart() + SwitchMachine.BUS_OFFSET, map.sizeBytes(), map).isPresent()) {
                throw new IllegalStateException("gen_pool_add failed");
            }
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

    /** The first page of {@code sizeBytes} of p2pmem taken from the provider's pool (pci_alloc_p2pmem()). */
    Page p2pAlloc(long sizeBytes) {
        GenPool.Block<DevicePageMap> b = p2pmem.alloc(sizeBytes).orElseThrow(() -> new IllegalStateException("p2pmem exhausted"));
        return memory.memMap().pageOrThrow(PageSize.pfn(DirectMap.phys(b.virt())));
    }
}
