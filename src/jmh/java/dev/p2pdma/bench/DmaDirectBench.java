package dev.p2pdma.bench;

import static dev.p2pdma.testing.Topo.noAcs;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.dma.P2pMapTypes;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgWalk;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.Topo;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * dma-direct dma_map_sgtable() + dma_unmap_sgtable() of a 64-segment list, reported per segment:
 * 64 scattered RAM pages, and 48 RAM pages mixed with 16 BUS_ADDR P2P pages of a provider behind
 * the same switch; baseline: a bare loop that writes and clears the same DMA fields.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DmaDirectBench {

    /** Segments per list. */
    private static final int SEGMENTS = 64;

    /** The mapping core. */
    private DmaMapping mapping;
    /** A 64-bit coherent PCI client with dma-direct. */
    private DmaDevice device;
    /** 64 RAM pages. */
    private SgTable ram;
    /** 48 RAM pages and 16 P2P pages. */
    private SgTable mixed;

    @Setup
    public void setUp() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST).rootPort("0000:00:04.0", 1, noAcs())
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, noAcs(), "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, noAcs(), "0000:01:00.0")
                .endpoint("0000:03:00.0", "0000:02:00.0", noAcs(), true).endpoint("0000:04:00.0", "0000:02:01.0", noAcs()).build();
        long bar = 0x2_0000_0000L;
        PhysicalMemory memory = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 1L << 30, 0),
                new PhysicalMemory.Region("BAR", PhysicalMemory.Kind.MMIO, bar, 16L << 20, bar)));
        DevicePageMap pgmap = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:03:00.0"), 2, bar, 16L << 20, 0);
        memory.memMap().memremap(pgmap);
        DmaWarnings warnings = DmaWarnings.create();
        mapping = DmaMapping.create(memory, P2pMapTypes.of(t, new MapTypeCache(P2pDmaDecision.of(t)), KernelLog.discard()), warnings);
        device = DmaDevice.forPci(t, PciAddress.parse("0000:04:00.0")).dmaMaskAndCoherent(DmaMasks.bitMask(64)).build();
        SplittableRandom r = new SplittableRandom(42);
        ram = table(memory, r, bar, false);
        mixed = table(memory, r, bar, true);
        if (mapping.mapSgtable(device, mixed, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents() != SEGMENTS) {
            throw new IllegalStateException("mixed list does not map");
        }
        mapping.unmapSgtable(device, mixed, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
    }

    private static SgTable table(PhysicalMemory memory, SplittableRandom r, long bar, boolean withP2p) {
        SgTable t = new SgTable();
        t.alloc(SEGMENTS);
        int i = 0;
        for (SgEntry e : t.cpuEntries()) {
            boolean p2p = withP2p && i % 4 == 3;
            long phys = p2p ? bar + (long) i * PageSize.PAGE_SIZE : (64L << 20) + (long) r.nextInt(200_000) * PageSize.PAGE_SIZE;
            e.setPage(memory.memMap().pageOrThrow(PageSize.pfn(phys)), PageSize.PAGE_SIZE, 0);
            i++;
        }
        return t;
    }

    /** dma_map_sgtable + dma_unmap_sgtable of 64 RAM segments; ns per segment. */
    @Benchmark
    @OperationsPerInvocation(SEGMENTS)
    public int mapUnmap64() {
        int n = mapping.mapSgtable(device, ram, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        mapping.unmapSgtable(device, ram, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        return n;
    }

    /** The same with 16 of the 64 segments BUS_ADDR P2P pages; ns per segment. */
    @Benchmark
    @OperationsPerInvocation(SEGMENTS)
    public int mapUnmap64MixedP2p() {
        int n = mapping.mapSgtable(device, mixed, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        mapping.unmapSgtable(device, mixed, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        return n;
    }

    /** Baseline: walk the list writing dma_address = phys and dma_length, then walk it again clearing them; ns per segment. */
    @Benchmark
    @OperationsPerInvocation(SEGMENTS)
    public long bareFill64() {
        long sum = 0;
        for (SgEntry e : SgWalk.of(ram.first().orElseThrow(), ram.origNents())) {
            e.setDmaAddress(e.pageOrThrow().physAddress() + e.offset());
            e.setDmaLength(e.length());
        }
        for (SgEntry e : SgWalk.of(ram.first().orElseThrow(), ram.origNents())) {
            sum += e.dmaAddress();
            e.setDmaLength(0);
        }
        return sum;
    }
}
