package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.block.IoVec;
import dev.p2pdma.iommu.IommuDomain;
import dev.p2pdma.iommu.IovaDomain;
import dev.p2pdma.mm.Page;
import dev.p2pdma.pci.PciAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Concurrency of the data plane (issue 11 tests): four threads issue O_DIRECT writes and read-backs
 * to the two namespaces of a multi-function NVMe device whose functions share one IOMMU group (one
 * lazy DMA domain), RAM and p2pmem buffers alike, for a bounded count. No byte is lost or lands in
 * another thread's buffer; afterwards no IOVA, page-table entry, swiotlb slot, p2pmem, descriptor
 * block or page pin is left behind.
 */
class ODirectStressTest {

    /** Two NVMe functions of one device below a root port, IOMMU on: one group, one DMA domain. */
    private static final Path CAPTURE = Path.of("../shared/conformance/rpmf_noacs-iommu_on-cpu_intel/capture.tar.gz");
    /** The provider (with the CMB) and its namespace. */
    private static final PciAddress A = PciAddress.parse("0000:01:00.0");
    /** The second function's namespace. */
    private static final PciAddress B = PciAddress.parse("0000:01:00.1");
    /** Threads. */
    private static final int THREADS = 4;
    /** Write + read-back rounds per thread. */
    private static final int ROUNDS = 40;
    /** Bytes per call. */
    private static final int BYTES = 16 << 10;

    @Test
    void fourThreadsTwoNamespacesOneDomainLoseNothingAndLeakNothing_issue11() throws Exception {
        RunningMachine m = RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, CAPTURE, List.of(), Optional.empty(),
                UnknownAcsPolicy.NO_REDIRECT), RunningMachine.DEFAULT_RAM_BYTES);
        ODirectProcess p = ODirectProcess.start(m, A, 2L << 20, false);
        IommuDomain domain = m.domainOf(A).orElseThrow();
        assertThat(m.domainOf(B)).containsSame(domain);
        // warm up once per namespace so the descriptor pools' permanent pages are in the baseline
        for (PciAddress ns : List.of(A, B)) {
            p.call("warm", false, ns, 0, List.of(new IoVec(p.addressOf(ODirectOps.BufferKind.RAM, 0), BYTES)));
        }
        domain.flush();
        long iovaBefore = domain.iovaDomain().map(IovaDomain::allocatedPfns).orElseThrow();
        long ptBefore = domain.pageTable().mappedBytes();
        long p2pAvailable = m.providers().provider(A).orElseThrow().availBytes();

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<String>>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            results.add(pool.submit(() -> {
                start.await();
                List<String> problems = new ArrayList<>();
                PciAddress ns = id % 2 == 0 ? A : B;
                boolean p2p = id >= 2;
                long src = p.addressOf(ODirectOps.BufferKind.RAM, (1L << 20) * (1 + id));
                long dst = p2p ? p.addressOf(ODirectOps.BufferKind.P2PMEM, (long) BYTES * (4 + id))
                        : p.addressOf(ODirectOps.BufferKind.RAM, (1L << 20) * (5 + id));
                for (int r = 0; r < ROUNDS; r++) {
                    byte[] pattern = pattern(id, r);
                    write(p, src, pattern);
                    long pos = ((long) id * ROUNDS + r) * BYTES;
                    ODirectCall w = p.call("w", true, ns, pos, List.of(new IoVec(src, BYTES)));
                    ODirectCall rd = p.call("r", false, ns, pos, List.of(new IoVec(dst, BYTES)));
                    if (!(w.result() instanceof ODirectResult.Bytes) || !(rd.result() instanceof ODirectResult.Bytes)) {
                        problems.add("thread " + id + " round " + r + ": " + w.result() + " / " + rd.result());
                    } else if (!Arrays.equals(read(p, dst, BYTES), pattern)) {
                        problems.add("thread " + id + " round " + r + ": the bytes read back differ");
                    }
                }
                return problems;
            }));
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
        for (Future<List<String>> f : results) {
            assertThat(f.get()).isEmpty();
        }
        domain.flush();
        assertThat(domain.iovaDomain().map(IovaDomain::allocatedPfns).orElseThrow()).as("IOVA pfns").isEqualTo(iovaBefore);
        assertThat(domain.pageTable().mappedBytes()).as("page-table bytes").isEqualTo(ptBefore);
        assertThat(m.swiotlb().usedSlots()).as("swiotlb slots").isZero();
        assertThat(m.providers().provider(A).orElseThrow().availBytes()).as("p2pmem").isEqualTo(p2pAvailable);
        assertThat(p.host(A).descriptorBlocksInUse() + p.host(B).descriptorBlocksInUse()).as("descriptor blocks").isZero();
        assertThat(p.addressSpace().totalPins()).as("page pins").isZero();
    }

    private static byte[] pattern(int thread, int round) {
        byte[] b = new byte[BYTES];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (thread * 53 + round * 7 + i * 13 + (i >> 9));
        }
        return b;
    }

    private static void write(ODirectProcess p, long virt, byte[] data) {
        for (int off = 0; off < data.length; off += 4096) {
            Page page = p.addressSpace().pageAt(virt + off).orElseThrow();
            p.machine().memory().write(page.physAddress(), data, off, 4096);
        }
    }

    private static byte[] read(ODirectProcess p, long virt, int len) {
        byte[] out = new byte[len];
        for (int off = 0; off < len; off += 4096) {
            Page page = p.addressSpace().pageAt(virt + off).orElseThrow();
            p.machine().memory().read(page.physAddress(), out, off, 4096);
        }
        return out;
    }
}
