package dev.p2pdma.nvme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.mm.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** PRP and SGL construction in descriptor memory, and their freeing: spec 6.6, 6.7 (unmap), 6.9, 7.9 vectors 4-7, 9, 10, 19, 25. */
class NvmeDescriptorsTest {

    /** 256 MiB of RAM at 0. */
    private final PhysicalMemory mem = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 256L << 20, 0)));
    /** Descriptor pages from 128 MiB on. */
    private final NvmePrpPools pools = NvmePrpPools.create(new RamCoherentPages(mem, 128L << 20, 64), NvmeIdentity.qemu(16L << 20));

    /** {@code n} separate 4 KiB pages on every other page from 1 MiB, as a fresh anonymous buffer. */
    private static List<DmaSegment> scattered(int n) {
        List<DmaSegment> l = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            l.add(new DmaSegment((1L << 20) + k * 8192L, 4096));
        }
        return l;
    }

    private static long total(List<DmaSegment> l) {
        return l.stream().mapToLong(DmaSegment::len).sum();
    }

    private NvmeCommand.Prp prp(NvmeDescriptors.Result r) {
        assertThat(r.status()).isEqualTo(BlkStatus.OK);
        assertThat(r.command().orElseThrow().flags()).as("PRP commands leave flags 0").isZero();
        return (NvmeCommand.Prp) r.command().orElseThrow().dptr();
    }

    /** Reads {@code count} PRP entries from the list at {@code dma} (DMA = phys here), following chain pointers like a device. */
    private List<Long> readPrpList(long dma, int count) {
        List<Long> out = new ArrayList<>();
        long page = dma;
        int left = count;
        while (left > 0) {
            int here = left > 512 ? 511 : left;
            for (int k = 0; k < here; k++) {
                out.add(NvmeDescriptors.readLe64(mem, page + 8L * k));
            }
            left -= here;
            if (left > 0) {
                page = NvmeDescriptors.readLe64(mem, page + 8L * 511);
            }
        }
        return out;
    }

    @Test
    void prpSimpleSetsPrp2OnlyWhenTheBvecSpillsIntoASecondPage_spec6_7_vectors4_5() {
        assertThat(NvmeDescriptors.prpSimple(0x5000, new NvmeRequest.Bvec(0, 4096, false))).isEqualTo(NvmeCommand.prp(0x5000, 0));
        assertThat(NvmeDescriptors.prpSimple(0x5200, new NvmeRequest.Bvec(512, 1024, false))).isEqualTo(NvmeCommand.prp(0x5200, 0));
        assertThat(NvmeDescriptors.prpSimple(0x5400, new NvmeRequest.Bvec(1024, 6144, false))).isEqualTo(NvmeCommand.prp(0x5400, 0x6000));
        NvmeCommand s = NvmeDescriptors.sglSimple(0x40000, new NvmeRequest.Bvec(0, 128 << 10, false));
        assertThat(s.flags()).isEqualTo(0x40);
        assertThat(s.dptr()).isEqualTo(new NvmeCommand.Sgl(new SglDescriptor(0x40000, 128 << 10, 0x00)));
    }

    @Test
    void payloadWithinTheFirstOrSecondControllerPageNeedsNoList_spec6_9() {
        NvmeCommand.Prp p = prp(NvmeDescriptors.setupPrps(List.of(new DmaSegment(0x10200, 3584)), 3584, pools));
        assertThat(p).isEqualTo(new NvmeCommand.Prp(0x10200, 0));
        NvmeDescriptors.Result two = NvmeDescriptors.setupPrps(List.of(new DmaSegment(0x10200, 3584), new DmaSegment(0x30000, 4096)), 7680, pools);
        assertThat(prp(two)).isEqualTo(new NvmeCommand.Prp(0x10200, 0x30000));
        assertThat(two.iod()).isEqualTo(NvmeIod.NONE);
        assertThat(pools.inUseCount()).isZero();
    }

    @Test
    void eightKiBAtOffset512GivesPrp1AndATwoEntryList_spec6_9_vector10() {
        // dma-direct: 3 entries 3584 | 4096 | 512 in three scattered pages
        List<DmaSegment> e = List.of(new DmaSegment(0x20200, 3584), new DmaSegment(0x50000, 4096), new DmaSegment(0x70000, 512));
        NvmeDescriptors.Result r = NvmeDescriptors.setupPrps(e, 8192, pools);
        NvmeCommand.Prp p = prp(r);
        assertThat(p.prp1()).isEqualTo(0x20200);
        assertThat(r.iod().nrAllocations()).as("small pool").isZero();
        assertThat(p.prp2()).isEqualTo(r.iod().firstDma());
        assertThat(readPrpList(p.prp2(), 2)).containsExactly(0x50000L, 0x70000L);
        // IOMMU: one 8 KiB segment at IOVA + 512
        NvmeDescriptors.Result iommu = NvmeDescriptors.setupPrps(List.of(new DmaSegment(0xffff_0200L, 8192)), 8192, pools);
        NvmeCommand.Prp q = prp(iommu);
        assertThat(q.prp1()).isEqualTo(0xffff_0200L);
        assertThat(readPrpList(q.prp2(), 2)).containsExactly(0xffff_1000L, 0xffff_2000L);
    }

    @Test
    void thirtyTwoPagesUseASmallPoolListOf31Entries_spec6_9_vector7() {
        List<DmaSegment> e = scattered(32);
        NvmeDescriptors.Result r = NvmeDescriptors.setupPrps(e, total(e), pools);
        NvmeCommand.Prp p = prp(r);
        assertThat(p.prp1()).isEqualTo(e.get(0).addr());
        assertThat(r.iod()).isEqualTo(new NvmeIod(0, p.prp2()));
        assertThat(pools.small().inUseCount()).isEqualTo(1);
        assertThat(pools.page().inUseCount()).isZero();
        assertThat(readPrpList(p.prp2(), 31)).isEqualTo(e.subList(1, 32).stream().map(DmaSegment::addr).toList());
        assertThat(pools.small().growth()).as("first use grows the pool by one dma_alloc of 4096").hasSize(1);
    }

    @Test
    void thirtyTwoListEntriesStillFitTheSmallPoolAndThirtyThreeTakeThePagePool_spec6_9() {
        List<DmaSegment> e33 = scattered(33);
        NvmeDescriptors.Result r33 = NvmeDescriptors.setupPrps(e33, total(e33), pools);
        assertThat(r33.iod().nrAllocations()).as("nprps 32: small pool").isZero();
        assertThat(readPrpList(prp(r33).prp2(), 32)).isEqualTo(e33.subList(1, 33).stream().map(DmaSegment::addr).toList());
        List<DmaSegment> e34 = scattered(34);
        NvmeDescriptors.Result r34 = NvmeDescriptors.setupPrps(e34, total(e34), pools);
        assertThat(r34.iod().nrAllocations()).as("nprps 33: page pool").isEqualTo(1);
        assertThat(pools.small().inUseCount()).isEqualTo(1);
        assertThat(pools.page().inUseCount()).isEqualTo(1);
    }

    @Test
    void oneHundredTwentyEightPagesUseAPagePoolListOf127Entries_spec6_9_vector9() {
        List<DmaSegment> e = scattered(128);
        NvmeDescriptors.Result r = NvmeDescriptors.setupPrps(e, total(e), pools);
        NvmeCommand.Prp p = prp(r);
        assertThat(r.iod()).isEqualTo(new NvmeIod(1, p.prp2()));
        assertThat(pools.page().inUseCount()).isEqualTo(1);
        assertThat(pools.small().inUseCount()).isZero();
        assertThat(p.prp2() % 4096).isZero();
        assertThat(readPrpList(p.prp2(), 127)).isEqualTo(e.subList(1, 128).stream().map(DmaSegment::addr).toList());
    }

    @Test
    void sixteenKiBIommuSegmentGivesPrp1AndAThreeEntryList_spec6_9_vector19() {
        NvmeDescriptors.Result r = NvmeDescriptors.setupPrps(List.of(new DmaSegment(0xfff0_0000L, 16384)), 16384, pools);
        NvmeCommand.Prp p = prp(r);
        assertThat(readPrpList(p.prp2(), 3)).containsExactly(0xfff0_1000L, 0xfff0_2000L, 0xfff0_3000L);
    }

    @Test
    void contiguous128KiBWithoutSglsTakesA31EntryPrpList_spec6_9_vector6() {
        NvmeDescriptors.Result r = NvmeDescriptors.setupPrps(List.of(new DmaSegment(0x200000, 128 << 10)), 128 << 10, pools);
        NvmeCommand.Prp p = prp(r);
        assertThat(r.iod().nrAllocations()).isZero();
        List<Long> want = new ArrayList<>();
        for (int k = 1; k < 32; k++) {
            want.add(0x200000L + 4096L * k);
        }
        assertThat(readPrpList(p.prp2(), 31)).isEqualTo(want);
    }

    @Test
    void listsPastFiveHundredTwelveEntriesChainThroughTheLastEntryOfEachPage_spec6_9() {
        // 1100 pages: prp1 + 1099 list entries = 511 + 511 + 77 over three page-pool blocks
        List<DmaSegment> e = List.of(new DmaSegment(0x100000, 512 * 4096L), new DmaSegment(0x800000, 588 * 4096L));
        NvmeDescriptors.Result r = NvmeDescriptors.setupPrps(e, total(e), pools);
        NvmeCommand.Prp p = prp(r);
        assertThat(r.iod()).isEqualTo(new NvmeIod(3, p.prp2()));
        assertThat(pools.page().inUseCount()).isEqualTo(3);
        List<Long> want = new ArrayList<>();
        for (int k = 1; k < 512; k++) {
            want.add(0x100000L + 4096L * k);
        }
        for (int k = 0; k < 588; k++) {
            want.add(0x800000L + 4096L * k);
        }
        List<Long> got = readPrpList(p.prp2(), 1099);
        assertThat(got).hasSize(1099).isEqualTo(want);
        long second = NvmeDescriptors.readLe64(mem, p.prp2() + 8 * 511);
        long third = NvmeDescriptors.readLe64(mem, second + 8 * 511);
        assertThat(pools.page().inUse(second)).isPresent();
        assertThat(pools.page().inUse(third)).isPresent();
        assertThat(List.of(p.prp2(), second, third)).doesNotHaveDuplicates();
        NvmeDescriptors.freeDescriptors(r.iod(), pools);
        assertThat(pools.inUseCount()).isZero();
    }

    @Test
    void exactlyFiveHundredTwelveListEntriesFitOnePageAndOneMoreChains_spec6_9() {
        NvmeDescriptors.Result fits = NvmeDescriptors.setupPrps(List.of(new DmaSegment(0x400000, 513 * 4096L)), 513 * 4096L, pools);
        assertThat(fits.iod().nrAllocations()).isEqualTo(1);
        assertThat(NvmeDescriptors.readLe64(mem, prp(fits).prp2() + 8 * 511)).as("entry 511 is data").isEqualTo(0x400000L + 512 * 4096L);
        NvmeDescriptors.Result chains = NvmeDescriptors.setupPrps(List.of(new DmaSegment(0x400000, 514 * 4096L)), 514 * 4096L, pools);
        assertThat(chains.iod().nrAllocations()).isEqualTo(2);
        List<Long> got = readPrpList(prp(chains).prp2(), 513);
        assertThat(got.get(510)).isEqualTo(0x400000L + 511 * 4096L);
        assertThat(got.subList(511, 513)).as("the moved entry, then the last").containsExactly(0x400000L + 512 * 4096L, 0x400000L + 513 * 4096L);
    }

    @Test
    void entryEndingOffAPageWhilePayloadRemainsIsIoerrWithTheKernelsWarning_spec6_9_vector25() {
        List<DmaSegment> e = List.of(new DmaSegment(0x10000, 4096), new DmaSegment(0x20000, 2048), new DmaSegment(0x30000, 4096));
        NvmeDescriptors.Result r = NvmeDescriptors.setupPrps(e, 10240, pools);
        assertThat(r.status()).isEqualTo(BlkStatus.IOERR);
        assertThat(BlkStatus.IOERR.errno().orElseThrow().value()).isEqualTo(5);
        assertThat(r.command()).isEmpty();
        assertThat(r.warning()).contains("Invalid SGL for payload:10240 nents:3");
        assertThat(r.iod().nrAllocations()).as("the list stays allocated: that branch frees nothing").isZero();
        NvmeDescriptors.freeDescriptors(r.iod(), pools);
        assertThat(pools.inUseCount()).isZero();
    }

    @Test
    void oneSglEntryIsInlineAndNeedsNoPool_spec6_9() {
        NvmeDescriptors.Result r = NvmeDescriptors.setupSgls(List.of(new DmaSegment(0xabc000, 40 << 10)), pools);
        assertThat(r.command().orElseThrow()).isEqualTo(NvmeCommand.sgl(new SglDescriptor(0xabc000, 40 << 10, SglDescriptor.DATA_BLOCK)));
        assertThat(r.command().orElseThrow().flags()).isEqualTo(0x40);
        assertThat(r.iod()).isEqualTo(NvmeIod.NONE);
        assertThat(pools.small().growth()).isEmpty();
        assertThat(pools.page().growth()).isEmpty();
    }

    @Test
    void sixteenSglEntriesUseTheSmallPoolAndSeventeenThePagePool_spec6_9() {
        for (int n : new int[] {2, 16, 17, 128}) {
            List<DmaSegment> e = scattered(n);
            NvmeDescriptors.Result r = NvmeDescriptors.setupSgls(e, pools);
            NvmeCommand c = r.command().orElseThrow();
            assertThat(c.flags()).isEqualTo(0x40);
            SglDescriptor seg = ((NvmeCommand.Sgl) c.dptr()).descriptor();
            assertThat(seg.type()).isEqualTo(0x30);
            assertThat(seg.length()).isEqualTo(16L * n);
            assertThat(r.iod()).isEqualTo(new NvmeIod(n <= 16 ? 0 : 1, seg.addr()));
            assertThat((n <= 16 ? pools.small() : pools.page()).inUse(seg.addr())).as(n + " entries").isPresent();
            byte[] list = mem.read(seg.addr(), 16 * n);
            for (int k = 0; k < n; k++) {
                assertThat(SglDescriptor.fromBytes(list, 16 * k)).isEqualTo(new SglDescriptor(e.get(k).addr(), 4096, 0x00));
            }
            assertThat(list[15]).as("type byte of a data descriptor").isZero();
            NvmeDescriptors.freeDescriptors(r.iod(), pools);
        }
        assertThat(pools.inUseCount()).isZero();
    }

    @Test
    void sglDescriptorBytesAreLittleEndianWithTheTypeInTheLastByte_spec6_6() {
        byte[] b = SglDescriptor.lastSegment(0x1122_3344_5566_7788L, 3).toBytes();
        assertThat(b).containsExactly(0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 48, 0, 0, 0, 0, 0, 0, 0x30);
    }

    @Test
    void exhaustedPoolIsResourceAndLeavesNothingAllocated_spec6_9_spec6_10() {
        NvmePrpPools none = NvmePrpPools.create(new RamCoherentPages(mem, 192L << 20, 0), NvmeIdentity.qemu(0));
        NvmeDescriptors.Result r = NvmeDescriptors.setupPrps(scattered(32), 32 * 4096L, none);
        assertThat(r.status()).isEqualTo(BlkStatus.RESOURCE);
        assertThat(r.iod()).isEqualTo(NvmeIod.NONE);
        assertThat(NvmeDescriptors.setupSgls(scattered(3), none).status()).isEqualTo(BlkStatus.RESOURCE);
        // one page only: the first list block is had, the chained one is not, and the first is given back
        NvmePrpPools one = NvmePrpPools.create(new RamCoherentPages(mem, 192L << 20, 1), NvmeIdentity.qemu(0));
        NvmeDescriptors.Result chain = NvmeDescriptors.setupPrps(List.of(new DmaSegment(0x400000, 600 * 4096L)), 600 * 4096L, one);
        assertThat(chain.status()).isEqualTo(BlkStatus.RESOURCE);
        assertThat(chain.command()).isEmpty();
        assertThat(one.inUseCount()).isZero();
        assertThat(one.page().growth()).hasSize(1);
    }

    @Test
    void freeingReturnsEveryPoolBlockAndTheyAreReused_spec6_7_unmap() {
        List<NvmeIod> iods = new ArrayList<>();
        for (int n : new int[] {3, 32, 33, 128}) {
            List<DmaSegment> e = scattered(n);
            iods.add(NvmeDescriptors.setupPrps(e, total(e), pools).iod());
            iods.add(NvmeDescriptors.setupSgls(e, pools).iod());
        }
        iods.add(NvmeDescriptors.setupPrps(List.of(new DmaSegment(0x400000, 1100 * 4096L)), 1100 * 4096L, pools).iod());
        // PRP 3, 32 and 33 pages: small lists (33 pages need 32 entries); PRP 128 and SGL 32, 33, 128: page blocks;
        // SGL 3: small; the 1100-page chain: 3 page blocks
        assertThat(pools.small().inUseCount()).isEqualTo(4);
        assertThat(pools.page().inUseCount()).isEqualTo(4 + 3);
        int smallPages = pools.small().growth().size();
        int pagePages = pools.page().growth().size();
        for (NvmeIod iod : iods) {
            NvmeDescriptors.freeDescriptors(iod, pools);
        }
        assertThat(pools.inUseCount()).isZero();
        assertThatThrownBy(() -> NvmeDescriptors.freeDescriptors(iods.get(1), pools)).isInstanceOf(IllegalStateException.class);
        for (int n : new int[] {3, 32, 33, 128}) {
            List<DmaSegment> e = scattered(n);
            NvmeDescriptors.setupPrps(e, total(e), pools);
        }
        assertThat(pools.small().growth()).as("freed blocks are reused, no new dma_alloc").hasSize(smallPages);
        assertThat(pools.page().growth()).hasSize(pagePages);
    }

    @Test
    void smallPoolCarves256ByteBlocksOr512AlignedWithTheQuirkFromGrownPages_spec6_6() {
        for (int k = 0; k < 17; k++) {
            assertThat(pools.small().alloc()).isPresent();
        }
        assertThat(pools.small().growth()).as("16 blocks per 4 KiB page").hasSize(2);
        NvmePrpPools quirky = NvmePrpPools.create(new RamCoherentPages(mem, 200L << 20, 8),
                NvmeIdentity.qemu(0).withQuirks(Set.of(NvmeQuirk.DMAPOOL_ALIGN_512)));
        List<Long> addrs = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            addrs.add(quirky.small().alloc().orElseThrow().dma());
        }
        assertThat(addrs).allMatch(a -> a % 512 == 0);
        assertThat(quirky.small().growth()).as("8 blocks per page when 512-aligned").hasSize(2);
        assertThat(quirky.small().growth().get(0).dma()).isEqualTo(200L << 20);
    }
}
