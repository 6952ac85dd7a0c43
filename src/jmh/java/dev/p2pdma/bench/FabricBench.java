package dev.p2pdma.bench;

import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.fabric.FabricTransfer;
import dev.p2pdma.fabric.PcieFabric;
import dev.p2pdma.iommu.IommuDomain;
import dev.p2pdma.iommu.IommuDomainFlushMode;
import dev.p2pdma.iommu.IommuProt;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A 128 KiB device write through the PCIe fabric with the IOMMU on (issue 11): an endpoint behind a
 * switch below a root port (four hops up: downstream port, upstream port, root port, root complex),
 * the IOMMU translating 32 mapped pages, the bytes landing in RAM; against a plain copy of the same
 * 128 KiB into the same RAM in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FabricBench {

    /** Bytes per transfer. */
    private static final int BYTES = 128 * 1024;
    /** Where the IOVA range is mapped. */
    private static final long RAM_BUFFER = 64L << 20;
    /** The IOVA the device writes to. */
    private static final long IOVA = 1L << 32;

    /** The fabric. */
    private PcieFabric fabric;
    /** The memory. */
    private PhysicalMemory memory;
    /** The requester's topology index. */
    private int requester;
    /** The bytes. */
    private byte[] data;

    @Setup
    public void setUp() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, Topo.noAcs())
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, Topo.noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, Topo.noAcs(), "0000:01:00.0")
                .endpoint("0000:03:00.0", "0000:02:00.0", Topo.noAcs())
                .build();
        memory = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 1L << 30, 0)));
        IommuDomain domain = IommuDomain.dma(1, IommuDomainFlushMode.STRICT, IommuDomain.reservedRegionsOf(memory), () -> 0L);
        if (domain.map(IOVA, RAM_BUFFER, BYTES, new IommuProt(IommuProt.READ | IommuProt.WRITE)).isPresent()) {
            throw new IllegalStateException("iommu_map failed");
        }
        PciAddress ep = PciAddress.parse("0000:03:00.0");
        DmaDevice dev = DmaDevice.forPci(t, ep).dmaMaskAndCoherent(DmaMasks.bitMask(64)).build();
        fabric = PcieFabric.builder(t, memory, (r, target) -> false).requester(dev, Optional.of((DmaTranslation) domain)).build();
        requester = t.indexOf(ep);
        data = new byte[BYTES];
        Arrays.fill(data, (byte) 0x3c);
        memory.write(RAM_BUFFER, data, 0, BYTES);
        FabricTransfer check = fabric.write(requester, IOVA, data);
        if (!check.completed() || check.hops().size() < 6) {
            throw new IllegalStateException("the benchmark's transfer does not go through four hops to RAM: " + check);
        }
    }

    /** The device writes 128 KiB at an IOVA: routed up four hops, translated, written to RAM. */
    @Benchmark
    public FabricTransfer deviceWrite128k() {
        return fabric.write(requester, IOVA, data);
    }

    /** Baseline: a plain copy of the same 128 KiB into the same RAM. */
    @Benchmark
    public byte[] plainCopy128k() {
        memory.write(RAM_BUFFER, data, 0, BYTES);
        return data;
    }
}
