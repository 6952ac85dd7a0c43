package dev.p2pdma.block;

import static dev.p2pdma.testing.Topo.acs;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.mm.RamPageSource;
import dev.p2pdma.p2pdma.P2pDmaProviders;
import dev.p2pdma.p2pdma.P2pMemAllocateFile;
import dev.p2pdma.p2pdma.P2pMemMapping;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A guest like the traced ones (spec 7.9 conditions, dma-traces README): 1 GiB of RAM, an NVMe
 * provider whose 64 MiB BAR2 is registered as p2pmem with the first 64 KiB taken by the driver, a
 * 2 MiB mmap of its {@code p2pmem/allocate}, and a user address space whose anonymous memory comes
 * from a dedicated 64 MiB of RAM. Not thread-safe: one per test.
 */
final class BlockFixtures {

    /** The provider. */
    static final PciAddress PROVIDER = PciAddress.parse("0000:03:00.0");
    /** 4 KiB. */
    static final int K4 = 4096;
    /** A 16 MiB disk, as traced. */
    static final long DISK_BYTES = 16L << 20;

    /** The machine's providers (memory, pools). */
    final P2pDmaProviders providers;
    /** The user address space. */
    final UserAddressSpace mm;
    /** The RAM the address space's anonymous memory comes from. */
    final RamPageSource ram;
    /** The p2pmem mmap. */
    final P2pMemMapping p2pmem;
    /** User address of the p2pmem mmap. */
    final long p2pStart;

    BlockFixtures() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, acs(0x1d))
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, Topo.noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, Topo.noAcs(), "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, Topo.noAcs(), "0000:01:00.0")
                .add(nvme("0000:03:00.0", 0xf400_0000L), new Parent.Bridge(PciAddress.parse("0000:02:00.0")))
                .add(nvme("0000:04:00.0", 0xf800_0000L), new Parent.Bridge(PciAddress.parse("0000:02:01.0")))
                .build();
        providers = P2pDmaProviders.create(t, PhysicalMemory.forTopology(t, 1L << 30), KernelLog.create(), new SplittableRandom(1));
        if (providers.registration().addResource(PROVIDER, 2, 0, 0).isPresent()) {
            throw new IllegalStateException("fixture: add_resource failed");
        }
        providers.allocator().allocP2pmem(PROVIDER, 64 << 10).orElseThrow();
        P2pMemAllocateFile f = providers.sysfs().allocateFile(PROVIDER, "dmatest").orElseThrow();
        p2pmem = ((P2pMemAllocateFile.Mapped) f.mmap(true, 0, 2 << 20)).mapping();
        ram = new RamPageSource(providers.memory().memMap(), 0x10000, 16384);
        mm = new UserAddressSpace(ram);
        p2pStart = ((UserAddressSpace.Mapped) mm.mapP2pmem(p2pmem)).start();
    }

    /** An NVMe-like endpoint with a 16 KiB BAR0 and a 64 MiB prefetchable BAR2 at {@code bar2}. */
    private static PciFunction nvme(String addr, long bar2) {
        PciAddress x = PciAddress.parse(addr);
        return PciFunction.builder(x).ids(0x1b36, 0x0010).classCode(0x010802).headerType(0).portType(PortType.ENDPOINT)
                .acs(AcsState.ABSENT).driver("nvme")
                .bars(List.of(new Bar(0, 0xfe00_0000L + ((long) x.bus() << 16), 0x4000, true, false, false),
                        new Bar(2, bar2, 64L << 20, true, true, true)))
                .build();
    }

    /** A fresh anonymous buffer of {@code bytes}; returns its user address. */
    long ram(long bytes) {
        return ((UserAddressSpace.Mapped) mm.mapAnonymous(bytes)).start();
    }

    /** The nvme-pci limits of spec 6.2 with the given max_sectors (KiB) and max_segments. */
    static QueueLimits nvme(int maxKb, int maxSegments, boolean p2pdma) {
        return new QueueLimits(512, 512, maxKb * 2, maxKb * 2, maxSegments, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 4095, 3, p2pdma);
    }

    /** dma-direct without forced bounce: 512 KiB, 128 segments (spec 7.9.1). */
    static QueueLimits direct() {
        return nvme(512, 128, true);
    }

    /** IOMMU DMA domain: 128 KiB, 33 segments (spec 7.9.1). */
    static QueueLimits iommu() {
        return nvme(128, 33, true);
    }

    /** swiotlb=force: 252 KiB, 64 segments (spec 7.9.1). */
    static QueueLimits swiotlb() {
        return nvme(252, 64, true);
    }

    /** One iovec. */
    static IoVec iov(long base, long len) {
        return new IoVec(base, len);
    }

    /** Submits a read at 1 MiB (the traced file offset). */
    DirectIoSubmission read(QueueLimits q, IoVec... iovecs) {
        return BlockDirectIo.submit(mm, q, DISK_BYTES, ReqOp.READ, 1 << 20, List.of(iovecs));
    }

    /** The byte counts of the requests. */
    static List<Long> sizes(DirectIoSubmission s) {
        return s.requests().stream().map(Request::bytes).toList();
    }

    /** The nents blk_rq_map_sg gives each request. */
    static List<Integer> nents(DirectIoSubmission s, QueueLimits q) {
        return s.requests().stream().map(r -> BlkRqMapSg.pieces(r, q).size()).toList();
    }

    /** The root of the shared test data. */
    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }
}
