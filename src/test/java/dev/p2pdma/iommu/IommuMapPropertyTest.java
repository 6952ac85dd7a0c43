package dev.p2pdma.iommu;

import static dev.p2pdma.testing.SgLists.entries;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapResult;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import dev.p2pdma.testing.XorShift64;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Seeded properties of dma-iommu (spec 5.3): the device reads, through the DMA view, exactly the
 * bytes of the CPU view (every mapped byte translates back to its physical byte); segments respect
 * max_segment_size and the boundary mask; after unmapping everything the page table is empty and
 * the allocator holds only the anchor and the reservations.
 */
class IommuMapPropertyTest {

    /** Lists per seed. */
    private static final int ROUNDS = 150;

    /** A random list whose entries are each at most {@code maxSeg} bytes (as the block layer guarantees). */
    private static List<SgLists.Seg> randomList(IommuFixture f, XorShift64 rnd, int maxSeg) {
        int maxPages = Math.min(4, maxSeg / PageSize.PAGE_SIZE);
        List<SgLists.Seg> segs = new ArrayList<>();
        int n = 1 + rnd.nextInt(24);
        int page = 1 + rnd.nextInt(8);
        int p2pPage = rnd.nextInt(64);
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(5) == 0) {
                int pages = 1 + rnd.nextInt(Math.min(3, maxPages));
                segs.add(SgLists.seg(f.machine.p2pPage(p2pPage), 0, pages * PageSize.PAGE_SIZE));
                p2pPage += pages + rnd.nextInt(3);
                continue;
            }
            int pages = 1 + rnd.nextInt(maxPages);
            int offset = rnd.nextInt(3) == 0 ? rnd.nextInt(PageSize.PAGE_SIZE) : 0;
            int maxLen = Math.min(maxSeg, pages * PageSize.PAGE_SIZE - offset);
            int length = rnd.nextInt(2) == 0 ? maxLen : 1 + rnd.nextInt(maxLen);
            segs.add(SgLists.seg(f.machine.ramPage(page), offset, length));
            page += pages + (rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(5));
        }
        return segs;
    }

    private static void check(long seed, boolean amd, IommuDomainFlushMode mode) {
        XorShift64 rnd = new XorShift64(seed);
        IommuFixture f = amd ? IommuFixture.amd() : IommuFixture.intel();
        IommuDomain domain = f.domain(mode);
        DeviceDma device = DeviceDma.of(f.topology, f.memory);
        for (int round = 0; round < ROUNDS; round++) {
            String at = "seed " + seed + " round " + round;
            int maxSeg = new int[] {8192, 65536, 1 << 20}[rnd.nextInt(3)];
            long boundary = new long[] {0x3FFF, 0xFFFF, 0xFFFF_FFFFL}[rnd.nextInt(3)];
            DmaDevice dev = f.client(amd ? SwitchMachine.OTHER_ROOT : SwitchMachine.SWITCH_PEER, domain).maxSegmentBytes(maxSeg)
                    .segmentBoundaryMask(boundary).build();
            List<SgLists.Seg> segs = randomList(f, rnd, maxSeg);
            ByteArrayOutputStream cpu = new ByteArrayOutputStream();
            for (SgLists.Seg s : segs) {
                byte[] b = new byte[s.length()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) rnd.next();
                }
                f.memory.write(s.page().physAddress() + s.offset(), b, 0, b.length);
                cpu.writeBytes(b);
            }
            SgTable t = SgLists.table(segs);
            DmaMapResult r = f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
            assertThat(r.isOk()).as(at).isTrue();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            for (SgEntry e : t.entries(r.nents())) {
                long len = e.dmaLengthBytes();
                if (!e.isDmaBusAddress()) {
                    assertThat(len).as(at + " max segment").isLessThanOrEqualTo(maxSeg);
                    assertThat(e.dmaAddress() & ~boundary).as(at + " boundary").isEqualTo((e.dmaAddress() + len - 1) & ~boundary);
                }
                seen.writeBytes(device.read(dev, e.dmaAddress(), (int) len));
            }
            assertThat(seen.toByteArray()).as(at + ": the DMA view reads the CPU view's bytes").isEqualTo(cpu.toByteArray());
            for (int i = 0; i < segs.size(); i++) {
                assertThat(entries(t).get(i).offset()).as(at).isEqualTo(segs.get(i).offset());
                assertThat(entries(t).get(i).length()).as(at).isEqualTo(segs.get(i).length());
            }
            f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
            assertThat(domain.pageTable().isEmpty()).as(at).isTrue();
        }
        domain.flush();
        IovaDomain iova = domain.iovaDomain().orElseThrow();
        assertThat(iova.allocatedPfns()).as("seed " + seed).isZero();
        iova.flushRcaches();
        assertThat(iova.treeNodes()).as("seed %d: anchor + BAR window + MSI", seed).isEqualTo(3);
        assertThat(domain.faults()).as("seed " + seed).isEmpty();
    }

    @Test
    void theDeviceReadsExactlyTheMappedBytesAndEverythingIsReleased_strict_spec5_3() {
        for (long seed = 1; seed <= 4; seed++) {
            check(seed * 0x9E3779B97F4A7C15L, seed % 2 == 0, IommuDomainFlushMode.STRICT);
        }
    }

    @Test
    void theDeviceReadsExactlyTheMappedBytesAndEverythingIsReleased_lazy_spec5_1() {
        for (long seed = 5; seed <= 8; seed++) {
            check(seed * 0x9E3779B97F4A7C15L, seed % 2 == 0, IommuDomainFlushMode.LAZY);
        }
    }
}
