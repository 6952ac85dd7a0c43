package dev.p2pdma.bench;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.dma.P2pMapTypes;
import dev.p2pdma.dma.Swiotlb;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.sg.SgTable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
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
 * A forced swiotlb bounce of one 128 KiB segment through dma_map_sgtable() + dma_unmap_sgtable()
 * with real copies (BIDIRECTIONAL: copy in on map, copy back on unmap, scored per bounce; TO_DEVICE:
 * copy in only),
 * against plain copies of 128 KiB in the same run: direct ByteBuffer to direct ByteBuffer (the
 * same primitive the model's memory uses) and byte[] to byte[] (memcpy.hot.128KiB of
 * workloads.md). Working sets are L2-sized and hot in every case.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SwiotlbBench {

    /** Bytes bounced per operation. */
    private static final int BYTES = 128 * 1024;

    /** The mapping core. */
    private DmaMapping mapping;
    /** A device forced to bounce. */
    private DmaDevice device;
    /** One 128 KiB segment of RAM. */
    private SgTable table;
    /** Baseline source. */
    private ByteBuffer src;
    /** Baseline destination. */
    private ByteBuffer dst;
    /** Baseline source array. */
    private byte[] srcArray;
    /** Baseline destination array. */
    private byte[] dstArray;

    @Setup
    public void setUp() {
        PhysicalMemory memory = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 1L << 30, 0)));
        Swiotlb pool = Swiotlb.create(memory, 16L << 20, 1024, 1, () -> 0);
        mapping = DmaMapping.create(memory, P2pMapTypes.none(), DmaWarnings.create());
        device = DmaDevice.builder("bench").dmaMaskAndCoherent(DmaMasks.bitMask(64)).swiotlbForceBounce(pool).build();
        long buf = 64L << 20;
        byte[] fill = new byte[BYTES];
        Arrays.fill(fill, (byte) 0x5a);
        memory.write(buf, fill, 0, BYTES);
        memory.write(pool.startPhys(), new byte[(int) pool.sizeBytes()], 0, (int) pool.sizeBytes());
        table = new SgTable();
        table.alloc(1);
        table.first().orElseThrow().setPage(memory.memMap().pageOrThrow(PageSize.pfn(buf)), BYTES, 0);
        src = ByteBuffer.allocateDirect(BYTES);
        dst = ByteBuffer.allocateDirect(BYTES);
        src.put(0, fill);
        srcArray = fill.clone();
        dstArray = new byte[BYTES];
    }

    /**
     * Map (bounce in) and unmap (bounce back) 128 KiB, BIDIRECTIONAL: two swiotlb_bounce() calls of
     * 128 KiB per map + unmap, so the score is per bounce (half a map + unmap).
     */
    @Benchmark
    @OperationsPerInvocation(2)
    public int bounce128kBidirectional() {
        int n = mapping.mapSgtable(device, table, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE).nents();
        mapping.unmapSgtable(device, table, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        return n;
    }

    /** Map (bounce in) and unmap (no bounce) 128 KiB, TO_DEVICE: one swiotlb_bounce() of 128 KiB per map + unmap. */
    @Benchmark
    public int bounce128kToDevice() {
        int n = mapping.mapSgtable(device, table, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        mapping.unmapSgtable(device, table, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        return n;
    }

    /** Baseline: one 128 KiB copy between direct ByteBuffers. */
    @Benchmark
    public ByteBuffer plainCopy128k() {
        return dst.put(0, src, 0, BYTES);
    }

    /** Baseline: one 128 KiB System.arraycopy. */
    @Benchmark
    public byte[] arrayCopy128k() {
        System.arraycopy(srcArray, 0, dstArray, 0, BYTES);
        return dstArray;
    }
}
