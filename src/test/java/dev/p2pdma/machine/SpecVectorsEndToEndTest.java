package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.block.IoVec;
import dev.p2pdma.iommu.IovaDomain;
import dev.p2pdma.pci.PciAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Spec 7.9's P2P vectors end to end on the running machine, in every DMA setup (booted from the
 * traced captures, other setups by kernel-parameter what-ifs): 13 (BUS_ADDR), 14 (THRU_HOST_BRIDGE),
 * 15 (NOT_SUPPORTED), 17 (1 MiB of P2P split by max_sectors) and 20 (a mixed request with
 * NOT_SUPPORTED: RAM bounced then unwound, nothing left mapped).
 */
class SpecVectorsEndToEndTest {

    /** A switch: BUS_ADDR. */
    private static final String SWITCH = "sw-iommu_strict-cpu_intel";
    /** Two root ports, AMD: THRU_HOST_BRIDGE. */
    private static final String AMD_ROOT_PORTS = "rp-iommu_lazy-cpu_amd";
    /** Two root ports, Intel: NOT_SUPPORTED. */
    private static final String INTEL_ROOT_PORTS = "rp-iommu_off-cpu_intel";

    private static ODirectProcess boot(String traced, String... kernelParams) throws Exception {
        RunningMachine m = RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS,
                Path.of("../shared/dma-traces/" + traced + "/capture.tar.gz"), List.of(kernelParams), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT),
                RunningMachine.DEFAULT_RAM_BYTES);
        PciAddress provider = m.topology().functions().stream().filter(f -> f.p2pmem().isPresent()).findFirst().orElseThrow().address();
        return ODirectProcess.start(m, provider, 2L << 20, false);
    }

    /** The NVMe function without p2pmem: the client. */
    private static PciAddress client(ODirectProcess p) {
        return p.machine().topology().functions().stream().filter(RunningMachine::isNvme).filter(f -> f.p2pmem().isEmpty()).findFirst()
                .orElseThrow().address();
    }

    private static ODirectCall readP2p(ODirectProcess p, long offset, long len) {
        return p.call("v", false, client(p), 1L << 20, List.of(new IoVec(p.addressOf(ODirectOps.BufferKind.P2PMEM, offset), len)));
    }

    private static long p2pPhys(ODirectProcess p, long offset) {
        return p.addressSpace().pageAt(p.addressOf(ODirectOps.BufferKind.P2PMEM, offset)).orElseThrow().physAddress();
    }

    @Test
    void vector13_busAddrIsAlwaysOneSgEntryWithTheBusAddressInEverySetup_spec7_9() throws Exception {
        for (ODirectProcess p : List.of(boot(SWITCH), boot(SWITCH, "intel_iommu=off"), boot("sw-swiotlb_force-cpu_intel"))) {
            for (long len : List.of(4096L, 65536L)) {
                ODirectCall c = readP2p(p, 0, len);
                String setup = p.machine().dmaSetup().describe() + " " + len;
                assertThat(c.result()).as(setup).isEqualTo(new ODirectResult.Bytes(len));
                assertThat(c.requests()).as(setup).singleElement().satisfies(r -> {
                    ODirectCall.DmaRecord d = r.dma().orElseThrow();
                    assertThat(d.call()).isEqualTo("dma_map_sg");
                    assertThat(d.nents()).isEqualTo(1);
                    assertThat(d.ents()).isEqualTo(1);
                    assertThat(d.segments().get(0).kind()).isEqualTo(DmaSegmentKind.BUS);
                    assertThat(d.segments().get(0).dmaAddress()).isEqualTo(p2pPhys(p, 0));
                });
                assertThat(p.machine().swiotlb().usedSlots()).as("never bounced").isZero();
            }
        }
    }

    @Test
    void vector14_thruHostBridgeIsPhysUnderDirectAnIovaUnderTheIommuAndHangsUnderForcedSwiotlb_spec7_9() throws Exception {
        ODirectProcess direct = boot(AMD_ROOT_PORTS, "intel_iommu=off");
        ODirectCall d = readP2p(direct, 0, 65536);
        assertThat(d.result()).isEqualTo(new ODirectResult.Bytes(65536));
        assertThat(d.requests().get(0).dma().orElseThrow().segments()).singleElement()
                .satisfies(s -> assertThat(s).isEqualTo(new ODirectCall.SegmentRecord(p2pPhys(direct, 0), 65536, DmaSegmentKind.PHYS)));

        ODirectProcess iommu = boot(AMD_ROOT_PORTS);
        ODirectCall i = readP2p(iommu, 0, 65536);
        assertThat(i.result()).isEqualTo(new ODirectResult.Bytes(65536));
        ODirectCall.SegmentRecord seg = i.requests().get(0).dma().orElseThrow().segments().get(0);
        assertThat(seg.kind()).isEqualTo(DmaSegmentKind.IOVA);
        assertThat(seg.dmaAddress() % 65536).as("16 pages, naturally aligned").isZero();

        assertThat(readP2p(boot("rp-swiotlb_force-cpu_amd"), 0, 65536).result()).isInstanceOf(ODirectResult.Hung.class);
    }

    @Test
    void vector15_notSupportedIsEremoteioWithNothingMappedInEverySetup_spec7_9() throws Exception {
        for (ODirectProcess p : List.of(boot(INTEL_ROOT_PORTS), boot(INTEL_ROOT_PORTS, "intel_iommu=on"), boot(INTEL_ROOT_PORTS, "swiotlb=force"))) {
            ODirectCall c = readP2p(p, 0, 65536);
            String setup = p.machine().dmaSetup().describe();
            assertThat(c.result()).as(setup).isEqualTo(new ODirectResult.Failed(Errno.EREMOTEIO));
            assertThat(c.requests()).as(setup).singleElement().satisfies(r -> {
                assertThat(r.status()).isEqualTo(BlkStatus.TARGET);
                assertThat(r.dma()).isEmpty();
            });
        }
    }

    @Test
    void vector17_oneMibOfP2pIsSplitOnlyByMaxSectors_spec7_9() throws Exception {
        assertThat(readP2p(boot(SWITCH), 0, 1 << 20).requests()).hasSize(8)
                .allSatisfy(r -> assertThat(r.dma().orElseThrow().nents()).isEqualTo(1));
        assertThat(readP2p(boot(SWITCH, "intel_iommu=off"), 0, 1 << 20).requests()).extracting(ODirectCall.NvmeRequestRecord::blocks)
                .containsExactly(1024L, 1024L);
        assertThat(readP2p(boot("sw-swiotlb_force-cpu_intel"), 0, 1 << 20).requests()).extracting(ODirectCall.NvmeRequestRecord::blocks)
                .containsExactly(504L, 504L, 504L, 504L, 32L);
        ODirectCall refused = readP2p(boot(INTEL_ROOT_PORTS), 0, 1 << 20);
        assertThat(refused.result()).isEqualTo(new ODirectResult.Failed(Errno.EREMOTEIO));
        assertThat(refused.requests()).hasSize(2).allSatisfy(r -> assertThat(r.status()).isEqualTo(BlkStatus.TARGET));
    }

    @Test
    void vector20_aMixedNotSupportedRequestUnwindsItsBouncesAndMapsNothing_spec7_9() throws Exception {
        for (ODirectProcess p : List.of(boot(INTEL_ROOT_PORTS, "swiotlb=force"), boot(INTEL_ROOT_PORTS, "intel_iommu=on"))) {
            List<IoVec> mixed = List.of(new IoVec(p.addressOf(ODirectOps.BufferKind.RAM, 1 << 20), 16384),
                    new IoVec(p.addressOf(ODirectOps.BufferKind.P2PMEM, 0), 16384), new IoVec(p.addressOf(ODirectOps.BufferKind.RAM, 3 << 20), 8192));
            ODirectCall c = p.call("mixed", false, client(p), 0, mixed);
            String setup = p.machine().dmaSetup().describe();
            assertThat(c.result()).as(setup).isEqualTo(new ODirectResult.Failed(Errno.EREMOTEIO));
            assertThat(c.requests()).as(setup).singleElement().satisfies(r -> assertThat(r.dma()).isEmpty());
            assertThat(p.machine().swiotlb().usedSlots()).as("%s: the bounced RAM was unwound", setup).isZero();
            p.machine().domainOf(client(p)).ifPresent(dom -> {
                dom.flush();
                assertThat(dom.iovaDomain().map(IovaDomain::allocatedPfns).orElseThrow()).as("%s: no IOVA taken", setup).isZero();
            });
        }
    }
}
