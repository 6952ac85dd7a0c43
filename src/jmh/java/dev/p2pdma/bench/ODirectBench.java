package dev.p2pdma.bench;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.block.IoVec;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.machine.ODirectCall;
import dev.p2pdma.machine.ODirectOps;
import dev.p2pdma.machine.ODirectOpsReader;
import dev.p2pdma.machine.ODirectProcess;
import dev.p2pdma.machine.ODirectResult;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.PciAddress;
import java.nio.file.Path;
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
 * The O_DIRECT data plane end to end on the strict-IOMMU trace boot of {@code ../shared/dma-traces}
 * (issue 11): one 4 KiB {@code pread} into RAM from validation to completion (block layer, nvme-pci's
 * fast path with an IOVA, the controller's DMA through the fabric and the IOMMU, unmap), and the
 * replay of all 20 traced calls; the same-run baseline is a plain 4 KiB copy into the model's RAM.
 * {@code -Dp2pdma.shared} names the shared folder (default {@code ../shared}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ODirectBench {

    /** The traced boot. */
    private static final String CASE = "dma-traces/sw-iommu_strict-cpu_intel";
    /** The client namespace's controller. */
    private static final PciAddress CLIENT = PciAddress.parse("0000:04:00.0");

    /** The process. */
    private ODirectProcess process;
    /** The traced calls. */
    private ODirectOps ops;
    /** The RAM buffer's user address. */
    private long buffer;
    /** Baseline memory. */
    private PhysicalMemory memory;
    /** Baseline bytes. */
    private byte[] page;

    @Setup
    public void setUp() throws Exception {
        Path dir = Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve(CASE);
        RunningMachine m = RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, dir.resolve("capture.tar.gz"), List.of(),
                Optional.empty(), UnknownAcsPolicy.NO_REDIRECT), RunningMachine.DEFAULT_RAM_BYTES);
        ops = ODirectOpsReader.read(dir.resolve("dma.json"));
        process = ODirectProcess.start(m, ops.p2pmemProvider(), ops.mmapBytes(), false);
        buffer = process.addressOf(ODirectOps.BufferKind.RAM, 0);
        memory = m.memory();
        page = new byte[4096];
        ODirectCall check = read4k();
        if (!(check.result() instanceof ODirectResult.Bytes b) || b.bytes() != 4096) {
            throw new IllegalStateException("the benchmark's read does not complete: " + check.result());
        }
    }

    /** A 4 KiB O_DIRECT pread into RAM, IOMMU on, from validation to completion. */
    @Benchmark
    public ODirectCall read4k() {
        return process.call("read", false, CLIENT, 1L << 20, List.of(new IoVec(buffer, 4096)));
    }

    /** All 20 calls of the traced program, in order. */
    @Benchmark
    public int replay20() {
        int n = 0;
        for (ODirectOps.Op op : ops.ops()) {
            n += process.call(op).requests().size();
        }
        return n;
    }

    /** Baseline: a plain copy of 4 KiB into the model's RAM. */
    @Benchmark
    public byte[] plainCopy4k() {
        memory.write(256L << 20, page, 0, page.length);
        return page;
    }
}
