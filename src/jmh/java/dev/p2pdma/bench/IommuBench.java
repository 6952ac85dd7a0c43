package dev.p2pdma.bench;

import static dev.p2pdma.testing.Topo.noAcs;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.dma.P2pMapTypes;
import dev.p2pdma.iommu.IommuDmaOps;
import dev.p2pdma.iommu.IommuDomain;
import dev.p2pdma.iommu.IommuDomainFlushMode;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.Topo;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * dma-iommu dma_map_sgtable() + dma_unmap_sgtable() of a 32-segment, 128 KiB list (32 scattered
 * 4 KiB RAM pages) on a strict DMA domain: one IOVA allocation (rcache hit once warm), 32 page-table
 * maps, finalise into two 64 KiB segments (max_segment_size), one 128 KiB unmap and IOVA free. Baseline: dma-direct of
 * the same list in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IommuBench {

    /** Segments per list. */
    private static final int SEGMENTS = 32;

    /** The mapping core. */
    private DmaMapping mapping;
    /** The client on dma-iommu. */
    private DmaDevice iommu;
    /** The same client on dma-direct. */
    private DmaDevice direct;
    /** 32 scattered RAM pages. */
    private SgTable list;

    @Setup
    public void setUp() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST).rootPort("0000:00:04.0", 1, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs()).build();
        PhysicalMemory memory = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 1L << 30, 0)));
        mapping = DmaMapping.create(memory, P2pMapTypes.of(t, new MapTypeCache(P2pDmaDecision.of(t)), KernelLog.discard()), DmaWarnings.create());
        IommuDomain domain = IommuDomain.dma(1, IommuDomainFlushMode.STRICT, IommuDomain.reservedRegionsOf(memory), System::nanoTime);
        PciAddress a = PciAddress.parse("0000:01:00.0");
        iommu = DmaDevice.forPci(t, a).dmaMaskAndCoherent(DmaMasks.bitMask(64)).ops(IommuDmaOps.forDevice(domain, true)).build();
        direct = DmaDevice.forPci(t, a).dmaMaskAndCoherent(DmaMasks.bitMask(64)).build();
        list = new SgTable();
        list.alloc(SEGMENTS);
        SplittableRandom r = new SplittableRandom(42);
        for (SgEntry e : list.cpuEntries()) {
            long phys = (64L << 20) + (long) r.nextInt(200_000) * PageSize.PAGE_SIZE;
            e.setPage(memory.memMap().pageOrThrow(PageSize.pfn(phys)), PageSize.PAGE_SIZE, 0);
        }
        if (mapping.mapSgtable(iommu, list, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents() != 2) {
            throw new IllegalStateException("the list does not merge into two 64 KiB IOVA segments");
        }
        mapping.unmapSgtable(iommu, list, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        if (!domain.pageTable().isEmpty()) {
            throw new IllegalStateException("unmap left translations");
        }
    }

    /** dma-iommu dma_map_sgtable + dma_unmap_sgtable of 32 x 4 KiB; ns per list. */
    @Benchmark
    public int mapUnmap32x4k() {
        int n = mapping.mapSgtable(iommu, list, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        mapping.unmapSgtable(iommu, list, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        return n;
    }

    /** Baseline: dma-direct dma_map_sgtable + dma_unmap_sgtable of the same list; ns per list. */
    @Benchmark
    public int directMapUnmap32x4k() {
        int n = mapping.mapSgtable(direct, list, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        mapping.unmapSgtable(direct, list, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        return n;
    }
}
