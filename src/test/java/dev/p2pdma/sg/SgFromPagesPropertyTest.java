package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.MemMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.testing.XorShift64;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Spec 2.4, seeded random inputs: page arrays mixing RAM runs with the pages of two P2P providers
 * whose BARs sit right after RAM and right after each other (so pfn order alone would merge across
 * them), random max_segment, offset and size. Every assertion names its seed.
 */
class SgFromPagesPropertyTest {

    /** Cases per property. */
    private static final int CASES = 300;
    /** The first seed; case i uses FIRST_SEED + i. */
    private static final long FIRST_SEED = 0x5eed_0000L;
    /** PAGE_SIZE. */
    private static final int P = PageSize.PAGE_SIZE;
    /** RAM pfns 0 .. RAM_PAGES - 1. */
    private static final long RAM_PAGES = 4096;
    /** Pages per provider BAR. */
    private static final long BAR_PAGES = 256;
    /** Provider A's pages start where RAM ends. */
    private static final DevicePageMap MAP_A = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:03:00.0"), 0,
            RAM_PAGES * P, BAR_PAGES * P, 0);
    /** Provider B's pages start where A's end. */
    private static final DevicePageMap MAP_B = new DevicePageMap(2, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:04:00.0"), 2,
            (RAM_PAGES + BAR_PAGES) * P, BAR_PAGES * P, 0);
    /** The memory map holding every page: one instance per pfn. */
    private static final MemMap MM = memMap();
    /** All valid pfns: 0 .. PFN_LIMIT - 1. */
    private static final long PFN_LIMIT = RAM_PAGES + 2 * BAR_PAGES;
    /** The pfns where the owner changes, around which runs are started often. */
    private static final long[] BOUNDARIES = {0, RAM_PAGES, RAM_PAGES + BAR_PAGES, PFN_LIMIT};

    private static MemMap memMap() {
        MemMap mm = MemMap.ofRam(new long[][] {{0, RAM_PAGES * P}});
        if (mm.memremap(MAP_A).isPresent() || mm.memremap(MAP_B).isPresent()) {
            throw new IllegalStateException("test memory map does not fit");
        }
        return mm;
    }

    /** One random case. */
    private record Case(long seed, Page[] pages, int offset, long sizeBytes, long maxSegmentBytes) {

        /** Case text for failure messages. */
        String why() {
            return "seed 0x" + Long.toHexString(seed) + " (" + pages.length + " pages, offset " + offset + ", size " + sizeBytes
                    + ", max_segment " + maxSegmentBytes + ")";
        }
    }

    /** Random runs of consecutive pfns, often crossing an owner boundary, separated by jumps, repeats and reversals. */
    private static Case randomCase(long seed, boolean fullPages) {
        XorShift64 r = new XorShift64(seed);
        int n = 1 + r.nextInt(r.nextInt(4) == 0 ? 700 : 60);
        Page[] pages = new Page[n];
        long pfn = r.nextInt((int) PFN_LIMIT);
        int i = 0;
        while (i < n) {
            switch (r.nextInt(5)) {
                case 0 -> pfn = BOUNDARIES[1 + r.nextInt(2)] - 1 - r.nextInt(6);
                case 1 -> pfn = r.nextInt((int) PFN_LIMIT);
                case 2 -> pfn = Math.max(0, pfn - 1 - r.nextInt(3));
                default -> {
                    // continue right after the previous run
                }
            }
            int len = 1 + r.nextInt(r.nextInt(3) == 0 ? 200 : 12);
            for (int k = 0; k < len && i < n; k++) {
                pages[i++] = MM.pageOrThrow(pfn % PFN_LIMIT);
                pfn = (pfn + 1) % PFN_LIMIT;
            }
        }
        long maxSeg = switch (r.nextInt(4)) {
            case 0 -> SgFromPages.UINT_MAX;
            case 1 -> P + r.nextInt(P);
            default -> (long) (1 + r.nextInt(40)) * P + (r.nextInt(2) == 0 ? 0 : r.nextInt(P));
        };
        int offset = r.nextInt(2) == 0 ? 0 : r.nextInt(P);
        long full = (long) n * P - offset;
        long size = fullPages ? full : full - r.nextInt(P);
        return new Case(seed, pages, offset, size, maxSeg);
    }

    /** Entry layout as (pfn, offset, length) triples, for comparing two builds. */
    private static List<String> layout(SgTable t) {
        return t.entries(t.origNents()).stream().map(e -> e.pageOrNull().pfn() + "+" + e.offset() + "/" + e.lengthBytes()).toList();
    }

    @Test
    void entriesCoverTheInputInOrderWithinMaxSegmentWithoutMixingOwners_spec2_4() {
        for (int c = 0; c < CASES; c++) {
            Case k = randomCase(FIRST_SEED + c, false);
            String why = k.why();
            ChunkAllocator alloc = ChunkAllocator.unlimited();
            SgTable t = new SgTable(alloc);
            assertThat(SgFromPages.allocTableFromPagesSegment(t, k.pages(), k.pages().length, k.offset(), k.sizeBytes(), k.maxSegmentBytes()))
                    .as(why).isEmpty();
            long maxSeg = PageSize.alignDown(k.maxSegmentBytes());
            List<SgEntry> es = t.entries(t.origNents());
            assertThat(es).as(why).hasSize(t.nents());
            assertThat(SgTable.sgNents(t.first().orElseThrow())).as(why).isEqualTo(t.origNents());
            long sum = 0;
            int at = 0;
            for (int e = 0; e < es.size(); e++) {
                SgEntry entry = es.get(e);
                String where = why + ", entry " + e + " " + entry;
                assertThat(entry.lengthBytes()).as(where).isBetween(1L, maxSeg);
                assertThat(entry.offset()).as(where).isEqualTo(e == 0 ? k.offset() : 0);
                sum += entry.lengthBytes();
                Page first = entry.pageOrNull();
                for (int p = 0; p < entry.pageCount(); p++) {
                    Page in = k.pages()[at];
                    assertThat(in.pfn()).as(where + ", page " + p).isEqualTo(first.pfn() + p);
                    assertThat(in.pagemap()).as(where + ": one owner per entry").isEqualTo(first.pagemap());
                    at++;
                }
                if (e > 0) {
                    SgEntry prev = es.get(e - 1);
                    boolean prevFull = (long) prev.pageCount() * P >= maxSeg;
                    assertThat(prevFull || !SgFromPages.mergeable(first, k.pages()[at - entry.pageCount() - 1]))
                            .as(where + ": split only at a non-mergeable page or a full segment").isTrue();
                }
            }
            assertThat(at).as(why + ": pages covered").isEqualTo(k.pages().length);
            assertThat(sum).as(why + ": sum of lengths").isEqualTo(k.sizeBytes());
            assertThat(es.get(es.size() - 1).isLast()).as(why).isTrue();
            t.free();
            assertThat(alloc.liveChunks()).as(why + ": chunks after free").isZero();
        }
    }

    @Test
    void theChunksAreSgAllocTablesGeometry_spec2_4() {
        for (int c = 0; c < CASES; c++) {
            Case k = randomCase(FIRST_SEED + 10_000 + c, false);
            ChunkAllocator alloc = ChunkAllocator.unlimited();
            SgTable built = new SgTable(alloc);
            SgFromPages.allocTableFromPagesSegment(built, k.pages(), k.pages().length, k.offset(), k.sizeBytes(), k.maxSegmentBytes());
            SgTable plain = new SgTable();
            plain.alloc(built.origNents());
            assertThat(SgTableAllocTest.chunkSizes(built)).as(k.why()).isEqualTo(SgTableAllocTest.chunkSizes(plain));
            assertThat(alloc.liveChunks()).as(k.why()).isEqualTo(SgTableAllocTest.chunkSizes(built).size());
        }
    }

    @Test
    void appendingInRandomBatchesBuildsTheSameEntriesAsOneCall_spec2_4() {
        for (int c = 0; c < CASES; c++) {
            long seed = FIRST_SEED + 20_000 + c;
            Case k = randomCase(seed, true);
            String why = k.why();
            SgTable whole = new SgTable();
            SgFromPages.allocTableFromPagesSegment(whole, k.pages(), k.pages().length, k.offset(), k.sizeBytes(), k.maxSegmentBytes());

            XorShift64 r = new XorShift64(~seed);
            ChunkAllocator alloc = ChunkAllocator.unlimited();
            SgAppendTable append = new SgAppendTable(alloc);
            int n = k.pages().length;
            int from = 0;
            while (from < n) {
                int batch = 1 + r.nextInt(Math.min(n - from, 1 + r.nextInt(80)));
                int offset = from == 0 ? k.offset() : 0;
                long size = (long) batch * P - offset;
                Optional<Errno> err = SgFromPages.appendFromPages(append, k.pages(), from, batch, offset, size, k.maxSegmentBytes(),
                        n - from - batch);
                assertThat(err).as(why + ", batch at " + from).isEmpty();
                from += batch;
            }
            assertThat(layout(append.sgt())).as(why).isEqualTo(layout(whole));
            assertThat(append.sgt().nents()).as(why).isEqualTo(whole.nents());
            assertThat(append.totalNents()).as(why).isGreaterThanOrEqualTo(append.sgt().origNents());
            assertThat(append.prv().orElseThrow().isLast()).as(why).isTrue();
            append.free();
            assertThat(alloc.liveChunks()).as(why + ": chunks after free").isZero();
        }
    }

    @Test
    void enomemAtAnyAllocationLeavesNothingBehind_spec2_4() {
        for (int c = 0; c < CASES; c++) {
            long seed = FIRST_SEED + 30_000 + c;
            Case k = randomCase(seed, false);
            XorShift64 r = new XorShift64(~seed);
            ChunkAllocator alloc = ChunkAllocator.failingFrom(r.nextInt(4));
            SgTable t = new SgTable(alloc);
            Optional<Errno> err = SgFromPages.allocTableFromPagesSegment(t, k.pages(), k.pages().length, k.offset(), k.sizeBytes(),
                    k.maxSegmentBytes());
            if (err.isPresent()) {
                assertThat(err).as(k.why()).contains(Errno.ENOMEM);
                assertThat(t.first()).as(k.why()).isEmpty();
            } else {
                t.free();
            }
            assertThat(alloc.liveChunks()).as(k.why()).isZero();
        }
    }

    @Test
    void theGeneratorReachesEveryKindOfNeighbour_spec2_4() {
        // guards the properties above against a generator that never puts RAM next to P2P or A next to B
        boolean ramThenA = false;
        boolean aThenB = false;
        boolean sameMap = false;
        List<Long> seeds = new ArrayList<>();
        for (int c = 0; c < CASES && !(ramThenA && aThenB && sameMap); c++) {
            Case k = randomCase(FIRST_SEED + c, false);
            seeds.add(k.seed());
            for (int i = 1; i < k.pages().length; i++) {
                Page a = k.pages()[i - 1];
                Page b = k.pages()[i];
                if (b.pfn() == a.pfn() + 1) {
                    ramThenA |= a.pagemap().isEmpty() && b.pagemap().isPresent();
                    aThenB |= a.pagemap().isPresent() && b.pagemap().isPresent() && a.pagemap().get() != b.pagemap().get();
                    sameMap |= a.pagemap().isPresent() && a.pagemap().equals(b.pagemap());
                }
            }
        }
        assertThat(ramThenA && aThenB && sameMap).as("seeds from 0x%x: RAM->A %s, A->B %s, same map %s", FIRST_SEED, ramThenA, aThenB,
                sameMap).isTrue();
    }
}
