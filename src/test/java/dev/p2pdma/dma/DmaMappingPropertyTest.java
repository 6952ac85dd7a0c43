package dev.p2pdma.dma;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded randomized properties of the mapping core over both backends (spec 3.3, 3.4, 4): random
 * devices (masks, bus limits, range maps, segment limits, min-align masks, pools, forced bouncing,
 * coherence) and random lists of RAM and P2P segments that respect the device's segment limits, as
 * the block layer builds them. The seed is printed in every assertion message.
 */
class DmaMappingPropertyTest {

    /** The seed of every run. */
    private static final long SEED = 0x5EED_D3A1_2024L;
    /** Cases per property run. */
    private static final int CASES = 400;

    /** One generated case. */
    private record Case(DmaFixture f, DmaDevice dev, Swiotlb pool, SgTable table, DmaDirection dir, List<byte[]> cpuData) {
    }

    /** An Intel machine (host-bridge P2P refused). */
    private final DmaFixture intel = DmaFixture.intel();
    /** An AMD machine (host-bridge P2P allowed). */
    private final DmaFixture amd = DmaFixture.amd();

    /** Max segment sizes drawn from. */
    private static final int[] MAX_SEGS = {4096, 16384, 65536, 1 << 20};
    /** Segment boundary masks drawn from. */
    private static final long[] BOUNDARIES = {0xFFFFL, 0xF_FFFFL, 0xFFFF_FFFFL, -1L};

    private Case generate(SplittableRandom r) {
        DmaFixture f = r.nextBoolean() ? intel : amd;
        PciAddress[] clients = {SwitchMachine.SWITCH_PEER, SwitchMachine.OTHER_ROOT, SwitchMachine.PROVIDER};
        DmaDevice.Builder b = f.client(clients[r.nextInt(clients.length)]);
        b.ops(r.nextInt(3) == 0 ? LegacyDmaOps.create() : DirectDmaOps.INSTANCE);
        b.dmaMask(DmaMasks.bitMask(24 + r.nextInt(41)));
        if (r.nextInt(4) == 0) {
            b.busDmaLimit(DmaMasks.bitMask(24 + r.nextInt(41)));
        }
        int maxSeg = MAX_SEGS[r.nextInt(MAX_SEGS.length)];
        long boundary;
        do {
            boundary = BOUNDARIES[r.nextInt(BOUNDARIES.length)];
        } while (boundary != -1L && boundary + 1 < maxSeg);
        b.maxSegmentBytes(maxSeg).segmentBoundaryMask(boundary);
        if (r.nextInt(3) == 0) {
            b.minAlignMask(4095);
        }
        if (r.nextInt(4) == 0) {
            // an inbound window over all RAM at 4 GiB x k: boundary-aligned, so crossings are the same in both spaces
            b.rangeMap(List.of(new DmaRange(0, (long) r.nextInt(1, 4) << 32, SwitchMachine.RAM_BYTES)));
        }
        b.coherent(r.nextInt(4) != 0);
        int slots = 128 << r.nextInt(4);
        int areas = slots >= 256 && r.nextBoolean() ? 2 : 1;
        int cpu = r.nextInt(2);
        Swiotlb pool = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, slots, areas, () -> cpu);
        switch (r.nextInt(3)) {
            case 0 -> b.swiotlb(pool);
            case 1 -> b.swiotlbForceBounce(pool);
            default -> b.noSwiotlb();
        }
        DmaDevice dev = b.build();
        int n = 1 + r.nextInt(24);
        SgLists.Seg[] segs = new SgLists.Seg[n];
        List<byte[]> data = new ArrayList<>();
        long ramCursor = SwitchMachine.BUFFERS_PHYS + r.nextInt(4096);
        long p2pCursor = SwitchMachine.BAR_CPU + r.nextInt(4096);
        for (int i = 0; i < n; i++) {
            boolean p2p = r.nextInt(5) == 0;
            long start = p2p ? p2pCursor : ramCursor;
            int len = 1 + r.nextInt(Math.min(maxSeg, 3 * 65536));
            if (boundary != -1L) {
                long windowEnd = (start | boundary) + 1;
                len = (int) Math.min(len, windowEnd - start);
            }
            Page page = f.memory.memMap().pageOrThrow(PageSize.pfn(start));
            segs[i] = SgLists.seg(page, (int) (start & PageSize.PAGE_MASK), len);
            byte[] bytes = SgLists.pattern(len, r.nextInt());
            f.memory.write(start, bytes, 0, len);
            data.add(bytes);
            long next = start + len + r.nextInt(3) * 4096L + r.nextInt(64);
            if (p2p) {
                p2pCursor = next;
            } else {
                ramCursor = next;
            }
        }
        DmaDirection[] dirs = {DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL};
        return new Case(f, dev, pool, SgLists.table(segs), dirs[r.nextInt(3)], data);
    }

    private static boolean marked(SgEntry e) {
        return e.isDmaBusAddress() || e.isPageLinkP2pdma();
    }

    @Test
    void everyMappedSegmentRespectsTheSegmentLimitsAndRamSegmentsTheDmaMask_spec3_4_spec4() {
        SplittableRandom r = new SplittableRandom(SEED);
        int ok = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = generate(r);
            String where = "seed=" + SEED + " case=" + i + " " + c.dev();
            DmaMapResult res = c.f().mapping.mapSgtable(c.dev(), c.table(), c.dir(), DmaAttrs.NONE);
            if (!res.isOk()) {
                continue;
            }
            ok++;
            for (SgEntry e : c.table().entries(res.nents())) {
                long first = e.dmaAddress();
                long last = first + e.dmaLength() - 1;
                assertThat(e.dmaLength()).as(where + " " + e).isLessThanOrEqualTo(c.dev().maxSegmentBytes());
                assertThat((first ^ last) & ~c.dev().segmentBoundaryMask()).as(where + " boundary " + e).isZero();
                if (!marked(e)) {
                    assertThat(Long.compareUnsigned(last, c.dev().effectiveDmaLimit())).as(where + " mask " + e).isLessThanOrEqualTo(0);
                }
            }
            c.f().mapping.unmapSgtable(c.dev(), c.table(), c.dir(), DmaAttrs.NONE);
        }
        assertThat(ok).as("seed=" + SEED + ": the generator must produce successes").isGreaterThan(CASES / 5);
    }

    @Test
    void aFailedMapLeavesNothingMapped_spec3_3_spec4() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        int failed = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = generate(r);
            String where = "seed=" + (SEED + 1) + " case=" + i + " " + c.dev();
            long before = c.pool().usedSlots();
            DmaMapResult res = c.f().mapping.mapSgtable(c.dev(), c.table(), c.dir(), DmaAttrs.NONE);
            if (res.isOk()) {
                c.f().mapping.unmapSgtable(c.dev(), c.table(), c.dir(), DmaAttrs.NONE);
                continue;
            }
            failed++;
            assertThat(c.pool().usedSlots()).as(where + " " + res).isEqualTo(before);
            assertThat(SgLists.entries(c.table())).as(where).noneMatch(DmaMappingPropertyTest::marked);
        }
        assertThat(failed).as("seed=" + (SEED + 1) + ": the generator must produce failures").isGreaterThan(CASES / 10);
    }

    @Test
    void bouncedAndDirectSegmentsCarryTheBytesBothWays_spec4() {
        SplittableRandom r = new SplittableRandom(SEED + 2);
        int bounced = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = generate(r);
            String where = "seed=" + (SEED + 2) + " case=" + i + " " + c.dev() + " " + c.dir();
            DmaMapResult res = c.f().mapping.mapSgtable(c.dev(), c.table(), c.dir(), DmaAttrs.NONE);
            if (!res.isOk()) {
                continue;
            }
            DeviceDma device = DeviceDma.of(c.f().topology, c.f().memory);
            List<SgEntry> es = SgLists.entries(c.table());
            List<byte[]> written = new ArrayList<>();
            for (int k = 0; k < es.size(); k++) {
                SgEntry e = es.get(k);
                bounced += c.pool().contains(c.dev().dmaToPhys(e.dmaAddress())) ? 1 : 0;
                assertThat(device.readSegment(c.dev(), e)).as(where + " read " + k + " " + e).isEqualTo(c.cpuData().get(k));
                byte[] w = SgLists.pattern(e.dmaLength(), 1000 + k);
                if (c.dir().deviceWrites()) {
                    device.write(c.dev(), e.dmaAddress(), w);
                }
                written.add(w);
            }
            c.f().mapping.unmapSgtable(c.dev(), c.table(), c.dir(), DmaAttrs.NONE);
            for (int k = 0; k < es.size(); k++) {
                byte[] expect = c.dir().deviceWrites() ? written.get(k) : c.cpuData().get(k);
                assertThat(c.f().memory.read(es.get(k).phys(), es.get(k).length())).as(where + " after unmap " + k).isEqualTo(expect);
            }
        }
        assertThat(bounced).as("seed=" + (SEED + 2) + ": the generator must bounce").isGreaterThan(CASES / 4);
    }

    @Test
    void unmapAfterMapRestoresAllOccupancyAndClearsEveryMark_spec3_3_spec4() {
        SplittableRandom r = new SplittableRandom(SEED + 3);
        for (int i = 0; i < CASES; i++) {
            Case c = generate(r);
            String where = "seed=" + (SEED + 3) + " case=" + i + " " + c.dev();
            DmaMapResult res = c.f().mapping.mapSgtable(c.dev(), c.table(), c.dir(), DmaAttrs.NONE);
            if (res.isOk()) {
                c.f().mapping.unmapSgtable(c.dev(), c.table(), c.dir(), r.nextBoolean() ? DmaAttrs.NONE : DmaAttrs.SKIP_SYNC);
            }
            assertThat(c.pool().usedSlots()).as(where).isZero();
            assertThat(SgLists.entries(c.table())).as(where).noneMatch(DmaMappingPropertyTest::marked);
        }
    }
}
