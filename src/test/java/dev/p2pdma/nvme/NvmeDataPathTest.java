package dev.p2pdma.nvme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.mm.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** nvme_map_data()/nvme_unmap_data() end to end over a scripted DMA layer: spec 6.7, 6.9, 6.10 and 7.9 vectors 4, 6, 15, 18, 23-25. */
class NvmeDataPathTest {

    private final PhysicalMemory mem = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 64L << 20, 0)));
    private final NvmePrpPools pools = NvmePrpPools.create(new RamCoherentPages(mem, 32L << 20, 16), NvmeIdentity.qemu(16L << 20));
    private final NvmeDataParams qemu = NvmeDataParams.of(NvmeIdentity.qemu(16L << 20));

    /** A DMA layer that answers from a script and records the calls. */
    private static final class Scripted implements NvmeDmaMapper {
        final OptionalLong bvec;
        final SgOutcome sg;
        final List<String> calls = new ArrayList<>();

        Scripted(OptionalLong bvec, SgOutcome sg) {
            this.bvec = bvec;
            this.sg = sg;
        }

        @Override
        public OptionalLong mapBvec(NvmeRequest.Bvec bv) {
            calls.add("map_page " + bv.len());
            return bvec;
        }

        @Override
        public void unmapBvec(long dma, long len) {
            calls.add("unmap_page " + len);
        }

        @Override
        public SgOutcome mapSg() {
            calls.add("map_sg");
            return sg;
        }

        @Override
        public void unmapSg() {
            calls.add("unmap_sg");
        }
    }

    @Test
    void fourKiBRamPageMapsWithDmaMapPageAndPrpSimple_spec6_7_vector4() {
        Scripted dma = new Scripted(OptionalLong.of(0x7000), new NvmeDmaMapper.Unavailable());
        NvmeRequest r = NvmeRequest.io(1, 4096, new NvmeRequest.Bvec(0, 4096, false));
        NvmeDataPath.Mapped m = NvmeDataPath.mapData(r, qemu, dma, pools);
        assertThat(m.status()).isEqualTo(BlkStatus.OK);
        assertThat(m.path()).isEqualTo(MapPath.PRP_SIMPLE);
        assertThat(m.command()).contains(NvmeCommand.prp(0x7000, 0));
        NvmeDataPath.unmapData(m.mapping(), dma, pools);
        assertThat(dma.calls).containsExactly("map_page 4096", "unmap_page 4096");
    }

    @Test
    void fastPathMappingErrorIsResourceWithNothingToUnmap_spec6_10_vector23() {
        Scripted dma = new Scripted(OptionalLong.empty(), new NvmeDmaMapper.Unavailable());
        NvmeDataPath.Mapped m = NvmeDataPath.mapData(NvmeRequest.io(1, 4096, new NvmeRequest.Bvec(0, 4096, false)), qemu, dma, pools);
        assertThat(m.status()).isEqualTo(BlkStatus.RESOURCE);
        assertThat(m.mapping()).isEqualTo(new NvmeDataPath.None());
    }

    @Test
    void contiguous128KiBIsOneInlineSglWithSglsAndA31EntryPrpListWithout_spec6_7_vector6() {
        NvmeRequest r = NvmeRequest.io(1, 128 << 10, new NvmeRequest.Bvec(0, 128 << 10, false));
        Scripted dma = new Scripted(OptionalLong.of(0x200000), new NvmeDmaMapper.Mapped(List.of(new DmaSegment(0x200000, 128 << 10))));
        NvmeDataPath.Mapped sgl = NvmeDataPath.mapData(r, qemu, dma, pools);
        assertThat(sgl.path()).isEqualTo(MapPath.SGL_SIMPLE);
        assertThat(sgl.command()).contains(NvmeCommand.sgl(new SglDescriptor(0x200000, 128 << 10, 0)));
        NvmeDataPath.Mapped prp = NvmeDataPath.mapData(r, new NvmeDataParams(false, 32768), dma, pools);
        assertThat(prp.path()).isEqualTo(MapPath.SG);
        assertThat(prp.mapping()).isEqualTo(new NvmeDataPath.SgPath(new NvmeIod(0, ((NvmeCommand.Prp) prp.command().orElseThrow().dptr()).prp2())));
        NvmeDataPath.unmapData(prp.mapping(), dma, pools);
        assertThat(pools.inUseCount()).isZero();
        assertThat(dma.calls).containsExactly("map_page 131072", "map_sg", "unmap_sg");
    }

    @Test
    void notSupportedP2pIsTargetAndOtherSgErrorsResource_spec6_10_vectors15_23_24() {
        NvmeRequest p2p = NvmeRequest.io(1, 4096, new NvmeRequest.Bvec(0, 4096, true));
        NvmeDataPath.Mapped target = NvmeDataPath.mapData(p2p, qemu, new Scripted(OptionalLong.of(1), new NvmeDmaMapper.Failed(Errno.EREMOTEIO)), pools);
        assertThat(target.status()).isEqualTo(BlkStatus.TARGET);
        assertThat(target.status().errno()).contains(Errno.EREMOTEIO);
        NvmeDataPath.Mapped eio = NvmeDataPath.mapData(p2p, qemu, new Scripted(OptionalLong.of(1), new NvmeDmaMapper.Failed(Errno.EIO)), pools);
        assertThat(eio.status()).as("THRU_HOST_BRIDGE under forced swiotlb: -EIO (6.11)").isEqualTo(BlkStatus.RESOURCE);
        NvmeDataPath.Mapped none = NvmeDataPath.mapData(p2p, qemu, new Scripted(OptionalLong.of(1), new NvmeDmaMapper.Unavailable()), pools);
        assertThat(none.status()).isEqualTo(BlkStatus.RESOURCE);
    }

    @Test
    void mixedRequestUnderIommuWithBusAddrUsesAPrpListAndWithThruHostBridgeAnSgl_spec6_9_vector18() {
        NvmeRequest r = NvmeRequest.io(7, 40 << 10, new NvmeRequest.Bvec(0, 4096, false));
        // BUS_ADDR: {IOVA 16 KiB, bus 16 KiB, IOVA 8 KiB right after the first IOVA segment}
        List<DmaSegment> bus = List.of(new DmaSegment(0xfffe_0000L, 16384), new DmaSegment(0xf800_0000L + 0x10000, 16384),
                new DmaSegment(0xfffe_4000L, 8192));
        Scripted dma = new Scripted(OptionalLong.empty(), new NvmeDmaMapper.Mapped(bus));
        NvmeDataPath.Mapped m = NvmeDataPath.mapData(r, qemu, dma, pools);
        NvmeCommand.Prp p = (NvmeCommand.Prp) m.command().orElseThrow().dptr();
        assertThat(p.prp1()).isEqualTo(0xfffe_0000L);
        List<Long> list = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            list.add(NvmeDescriptors.readLe64(mem, p.prp2() + 8L * k));
        }
        assertThat(list).containsExactly(0xfffe_1000L, 0xfffe_2000L, 0xfffe_3000L, 0xf801_0000L, 0xf801_1000L, 0xf801_2000L,
                0xf801_3000L, 0xfffe_4000L, 0xfffe_5000L);
        NvmeDataPath.Mapped thb = NvmeDataPath.mapData(r, qemu,
                new Scripted(OptionalLong.empty(), new NvmeDmaMapper.Mapped(List.of(new DmaSegment(0xfffd_0000L, 40 << 10)))), pools);
        assertThat(thb.command()).contains(NvmeCommand.sgl(new SglDescriptor(0xfffd_0000L, 40 << 10, 0)));
        assertThat(thb.mapping()).isEqualTo(new NvmeDataPath.SgPath(NvmeIod.NONE));
    }

    @Test
    void invalidPrpLayoutIsIoerrUnmapsTheSgTableAndStrandsTheList_spec6_9_vector25() {
        List<DmaSegment> bad = List.of(new DmaSegment(0x10000, 4096), new DmaSegment(0x20000, 2048), new DmaSegment(0x30000, 4096));
        Scripted dma = new Scripted(OptionalLong.empty(), new NvmeDmaMapper.Mapped(bad));
        NvmeDataPath.Mapped m = NvmeDataPath.mapData(NvmeRequest.io(3, 10240, new NvmeRequest.Bvec(0, 4096, false)), qemu, dma, pools);
        assertThat(m.status()).isEqualTo(BlkStatus.IOERR);
        assertThat(m.warning()).contains("Invalid SGL for payload:10240 nents:3");
        assertThat(dma.calls).containsExactly("map_sg", "unmap_sg");
        assertThat(m.stranded().nrAllocations()).isZero();
        assertThat(pools.inUseCount()).isEqualTo(1);
    }
}
