package dev.p2pdma.nvme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.block.QueueLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Queue limits of an nvme-pci namespace: spec 6.2 (table, steps 1-5), 6.1 and 7.9 vectors 1-3, and the traces. */
class NvmeLimitsTest {

    /** QEMU's controller, 16 MiB namespace as in the traces. */
    private static final NvmeIdentity QEMU = NvmeIdentity.qemu(16L << 20);

    @Test
    void dmaDirectWithoutBounceTakesTheMdtsLimit512KiBAnd128Segments_spec6_2_vector1() {
        QueueLimits q = NvmeLimits.queueLimits(QEMU, NvmeDmaSetup.direct());
        assertThat(q.maxHwSectors()).isEqualTo(1024);
        assertThat(q.maxSectors()).isEqualTo(1024);
        assertThat(q.maxSegments()).isEqualTo(128);
    }

    @Test
    void iommuDmaDomainTakesTheRcacheRange128KiBAnd33Segments_spec6_2_vector1() {
        QueueLimits q = NvmeLimits.queueLimits(QEMU, NvmeDmaSetup.iommuDma());
        assertThat(q.maxHwSectors()).isEqualTo(256);
        assertThat(q.maxSectors()).isEqualTo(256);
        assertThat(q.maxSegments()).isEqualTo(33);
    }

    @Test
    void forcedSwiotlbTakesTheSwiotlbMax252KiBAnd64Segments_spec6_2_vector1() {
        assertThat(NvmeDmaSetup.swiotlbMaxMappingSize()).isEqualTo(258048);
        QueueLimits q = NvmeLimits.queueLimits(QEMU, NvmeDmaSetup.directForcedSwiotlb());
        assertThat(q.maxHwSectors()).isEqualTo(504);
        assertThat(q.maxSectors()).isEqualTo(504);
        assertThat(q.maxSegments()).isEqualTo(64);
    }

    @Test
    void addressingLimitedDeviceWithSwiotlbAlsoTakesTheSwiotlbMax_spec6_2_step2() {
        NvmeDmaSetup limited = new NvmeDmaSetup(NvmeDmaSetup.Layer.DIRECT, true, false, true, false, false);
        assertThat(NvmeLimits.queueLimits(QEMU, limited).maxHwSectors()).isEqualTo(504);
        NvmeDmaSetup noPool = new NvmeDmaSetup(NvmeDmaSetup.Layer.DIRECT, false, false, true, false, false);
        assertThat(NvmeLimits.queueLimits(QEMU, noPool).maxHwSectors()).isEqualTo(1024);
        NvmeDmaSetup untrusted = new NvmeDmaSetup(NvmeDmaSetup.Layer.IOMMU_DMA, true, false, false, true, false);
        assertThat(untrusted.dmaOptMappingSize()).isEqualTo(128 << 10);
        assertThat(untrusted.dmaMaxMappingSize()).isEqualTo(258048);
    }

    @Test
    void everySetupHasVirtBoundaryUintMaxSegmentsAndDmaAlignment3_spec6_2_vector1() {
        for (NvmeDmaSetup s : List.of(NvmeDmaSetup.direct(), NvmeDmaSetup.iommuDma(), NvmeDmaSetup.directForcedSwiotlb())) {
            QueueLimits q = NvmeLimits.queueLimits(QEMU, s);
            assertThat(q.virtBoundaryMask()).isEqualTo(4095);
            assertThat(q.maxSegmentBytes()).isEqualTo(4294967295L);
            assertThat(q.dmaAlignment()).isEqualTo(3);
            assertThat(q.segBoundaryMask()).isEqualTo(0xFFFFFFFFL);
            assertThat(q.logicalBlockBytes()).isEqualTo(512);
            assertThat(q.p2pdma()).as("no dma_map_ops on x86: BLK_FEAT_PCI_P2PDMA (6.1)").isTrue();
        }
    }

    @Test
    void passthroughDomainBehavesExactlyLikeIommuOff_spec7_9_vector3() {
        NvmeDmaSetup identity = NvmeDmaSetup.fromKernel("console=ttyS0 iommu=pt intel_iommu=on", Optional.of("identity"));
        assertThat(identity).isEqualTo(NvmeDmaSetup.direct());
        assertThat(NvmeLimits.queueLimits(QEMU, identity)).isEqualTo(NvmeLimits.queueLimits(QEMU, NvmeDmaSetup.fromKernel("", Optional.empty())));
    }

    @Test
    void controllerWithoutMdtsGets8MiBHardwareLimitAndTheBlockCoreCapOf1280KiB_spec7_9_vector2() {
        QueueLimits q = NvmeLimits.queueLimits(QEMU.withMdts(0), NvmeDmaSetup.direct());
        assertThat(q.maxHwSectors()).isEqualTo(16384);
        assertThat(q.maxSectors()).isEqualTo(2560);
        assertThat(q.maxSegments()).isEqualTo(128);
    }

    @Test
    void mdtsOf2MiBGivesMin513And128Segments_spec7_9_vector2() {
        NvmeIdentity id = QEMU.withMdts(9);
        assertThat(NvmeLimits.mdtsSectors(id)).isEqualTo(4096);
        QueueLimits q = NvmeLimits.queueLimits(id, NvmeDmaSetup.direct());
        assertThat(q.maxHwSectors()).isEqualTo(4096);
        assertThat(q.maxSegments()).isEqualTo(128);
        // MPSMIN scales MDTS: 2^(7 + 12 + 1 - 9) sectors = 1 MiB
        assertThat(NvmeLimits.queueLimits(QEMU.withMpsMin(1), NvmeDmaSetup.direct()).maxHwSectors()).isEqualTo(2048);
    }

    @Test
    void mdtsShiftOverflowGivesUintMaxAndMinNotZeroKeepsTheProbeLimit_spec6_2_step3() {
        NvmeIdentity big = QEMU.withMdts(29);
        assertThat(NvmeLimits.mdtsSectors(big)).isEqualTo(0xFFFFFFFFL);
        assertThat(NvmeLimits.mdtsSectors(QEMU.withMdts(28))).isEqualTo(1L << 31);
        assertThat(NvmeLimits.identifyMaxHwSectors(16384, big)).isEqualTo(16384);
        assertThat(NvmeLimits.identifyMaxHwSectors(0, big)).isEqualTo(0xFFFFFFFFL);
        assertThat(NvmeLimits.queueLimits(big, NvmeDmaSetup.direct()).maxHwSectors()).isEqualTo(16384);
    }

    @Test
    void unlimitedOptMappingSizeIsTruncatedToU32AndGives16384_spec6_2_step1() {
        assertThat(NvmeDmaSetup.direct().dmaOptMappingSize()).isEqualTo(NvmeDmaSetup.SIZE_MAX);
        assertThat(NvmeLimits.probeMaxHwSectors(NvmeDmaSetup.direct())).isEqualTo(16384);
        assertThat(NvmeLimits.probeMaxHwSectors(NvmeDmaSetup.iommuDma())).isEqualTo(256);
    }

    @Test
    void dmaMapOpsTakeAwayTheP2pdmaFeatureAndQuirk48NarrowsTheMask_spec6_1_and_6_2_step1() {
        NvmeDmaSetup legacy = new NvmeDmaSetup(NvmeDmaSetup.Layer.IOMMU_DMA, true, false, false, false, true);
        assertThat(NvmeLimits.queueLimits(QEMU, legacy).p2pdma()).isFalse();
        assertThat(NvmeLimits.dmaMaskBits(QEMU)).isEqualTo(64);
        assertThat(NvmeLimits.dmaMaskBits(QEMU.withQuirks(Set.of(NvmeQuirk.DMA_ADDRESS_BITS_48)))).isEqualTo(48);
    }

    @Test
    void qemuIdentityHasMdts7Mpsmin0SglsAnd512ByteBlocks_dmaTracesReadme() {
        assertThat(QEMU.vendorId()).isEqualTo(0x1b36);
        assertThat(QEMU.deviceId()).isEqualTo(0x0010);
        assertThat(QEMU.mdts()).isEqualTo(7);
        assertThat(QEMU.mpsMin()).isZero();
        assertThat(QEMU.sglSupported()).isTrue();
        assertThat(QEMU.metadataSglSupported()).isFalse();
        assertThat(QEMU.namespaceBytes()).isEqualTo(16L << 20);
        assertThat(NvmeIdentity.other(0x8086, 0x0953).sglSupported()).isFalse();
        assertThat(NvmeIdentity.other(0x8086, 0x0953).withSgls(2).sglSupported()).isTrue();
    }

    /** Every traced namespace: the limits the kernel chose are the ones the model derives from the case's DMA setup. */
    @Test
    void everyTracedNamespaceGetsTheLimitsTheKernelChose_spec6_2_dmaTraces() throws IOException {
        Path traces = Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("dma-traces");
        List<Path> cases;
        try (Stream<Path> s = Files.list(traces)) {
            cases = s.map(p -> p.resolve("dma.json")).filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(cases).hasSizeGreaterThanOrEqualTo(5);
        JsonMapper json = JsonMapper.builder().build();
        List<String> checked = new ArrayList<>();
        for (Path c : cases) {
            JsonNode root = json.readTree(Files.readString(c));
            String cmdline = root.get("cmdline").asString();
            JsonNode groups = root.get("iommu_group_types");
            for (JsonNode dev : root.get("device_dma").get("devices")) {
                String bdf = dev.get("bdf").asString();
                JsonNode g = groups.get(bdf);
                Optional<String> group = g == null || g.isNull() ? Optional.empty() : Optional.of(g.asString());
                QueueLimits q = NvmeLimits.queueLimits(QEMU, NvmeDmaSetup.fromKernel(cmdline, group));
                String where = c.getParent().getFileName() + " " + dev.get("ns").asString();
                assertThat(q.maxHwSectors() / 2).as(where + " max_hw_sectors_kb").isEqualTo(Integer.parseInt(dev.get("max_hw_sectors_kb").asString()));
                assertThat(q.maxSectors() / 2).as(where + " max_sectors_kb").isEqualTo(Integer.parseInt(dev.get("max_sectors_kb").asString()));
                assertThat(q.maxSegments()).as(where + " max_segments").isEqualTo(Integer.parseInt(dev.get("max_segments").asString()));
                assertThat(q.virtBoundaryMask()).as(where).isEqualTo(Long.parseLong(dev.get("virt_boundary_mask").asString()));
                assertThat(q.dmaAlignment()).as(where).isEqualTo(Integer.parseInt(dev.get("dma_alignment").asString()));
                assertThat(q.maxSegmentBytes()).as(where).isEqualTo(Long.parseLong(dev.get("max_segment_size").asString()));
                assertThat(q.logicalBlockBytes()).as(where).isEqualTo(Integer.parseInt(dev.get("logical_block_size").asString()));
                assertThat(q.physicalBlockBytes()).as(where).isEqualTo(Integer.parseInt(dev.get("physical_block_size").asString()));
                assertThat(NvmeLimits.dmaMaskBits(QEMU)).as(where).isEqualTo(Integer.parseInt(dev.get("dma_mask_bits").asString()));
                checked.add(where);
            }
        }
        assertThat(checked).hasSizeGreaterThanOrEqualTo(10);
    }
}
