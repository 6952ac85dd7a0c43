package dev.p2pdma.nvme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.block.BlkStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** nvme_map_data()'s decisions: spec 6.7 and 7.9 vectors 4-7, 13, 18, 19, 23, 24. */
class NvmeMapPolicyTest {

    private static final NvmeDataParams QEMU = NvmeDataParams.of(NvmeIdentity.qemu(16L << 20));
    private static final NvmeDataParams NO_SGL = new NvmeDataParams(false, NvmeDataParams.DEFAULT_SGL_THRESHOLD);

    private static NvmeRequest one(long offset, long len, boolean p2p) {
        return NvmeRequest.io(1, len, new NvmeRequest.Bvec(offset, len, p2p));
    }

    @Test
    void oneRamPageTakesPrpSimple_spec6_7_vector4() {
        assertThat(NvmeMapPolicy.choosePath(one(0, 4096, false), QEMU)).isEqualTo(MapPath.PRP_SIMPLE);
        assertThat(NvmeMapPolicy.choosePath(one(512, 1024, false), QEMU)).as("vector 5").isEqualTo(MapPath.PRP_SIMPLE);
    }

    @Test
    void prpSimpleTakesUpToTwoControllerPagesFromTheOffset_spec6_7() {
        assertThat(NvmeMapPolicy.choosePath(one(0, 8192, false), QEMU)).isEqualTo(MapPath.PRP_SIMPLE);
        assertThat(NvmeMapPolicy.choosePath(one(4096 + 512, 7680, false), QEMU)).as("only offset & 4095 counts").isEqualTo(MapPath.PRP_SIMPLE);
        assertThat(NvmeMapPolicy.choosePath(one(512, 7681, false), QEMU)).isEqualTo(MapPath.SGL_SIMPLE);
    }

    @Test
    void contiguous128KiBSegmentTakesSglSimpleWithSglsAndTheSgPathWithout_spec6_7_vector6() {
        assertThat(NvmeMapPolicy.choosePath(one(0, 128 << 10, false), QEMU)).isEqualTo(MapPath.SGL_SIMPLE);
        assertThat(NvmeMapPolicy.choosePath(one(0, 128 << 10, false), NO_SGL)).isEqualTo(MapPath.SG);
        assertThat(NvmeMapPolicy.choosePath(one(0, 128 << 10, false), QEMU.withSglThreshold(0))).as("sgl_threshold 0").isEqualTo(MapPath.SG);
        NvmeRequest admin = new NvmeRequest(1, new NvmeRequest.Bvec(0, 128 << 10, false), 128 << 10, 0, false, false);
        assertThat(NvmeMapPolicy.choosePath(admin, QEMU)).as("admin queue").isEqualTo(MapPath.SG);
    }

    @Test
    void p2pFirstBvecAlwaysTakesTheSgPathEvenFor4KiB_spec6_7_vector13() {
        assertThat(NvmeMapPolicy.choosePath(one(0, 4096, true), QEMU)).isEqualTo(MapPath.SG);
        assertThat(NvmeMapPolicy.choosePath(one(0, 64 << 10, true), QEMU)).isEqualTo(MapPath.SG);
    }

    @Test
    void metadataNeedingSglsSkipsPrpSimpleButNotSglSimple_spec6_7() {
        NvmeRequest md = new NvmeRequest(1, new NvmeRequest.Bvec(0, 4096, false), 4096, 1, true, false);
        assertThat(NvmeMapPolicy.choosePath(md, QEMU)).isEqualTo(MapPath.SGL_SIMPLE);
    }

    @Test
    void severalSegmentsTakeTheSgPathAndNoSegmentsMapNothing_spec6_7() {
        assertThat(NvmeMapPolicy.choosePath(NvmeRequest.io(32, 128 << 10, new NvmeRequest.Bvec(0, 4096, false)), QEMU)).isEqualTo(MapPath.SG);
        assertThat(NvmeMapPolicy.choosePath(NvmeRequest.io(0, 0, new NvmeRequest.Bvec(0, 0, false)), QEMU)).isEqualTo(MapPath.NO_DATA);
    }

    @Test
    void thirtyTwoDirectEntriesAverage4KiBUsePrpsButOneIommuSegmentUsesAnSgl_spec6_7_vector7() {
        NvmeRequest r = NvmeRequest.io(32, 128 << 10, new NvmeRequest.Bvec(0, 4096, false));
        assertThat(NvmeMapPolicy.useSgls(r, QEMU, 32)).as("dma-direct: ents 32").isFalse();
        assertThat(NvmeMapPolicy.useSgls(r, QEMU, 1)).as("IOMMU: ents 1").isTrue();
    }

    @Test
    void mixedRequestPicksSglOrPrpByTheAverageOfDmaEntries_spec6_7_vector18() {
        NvmeRequest r = NvmeRequest.io(7, 40 << 10, new NvmeRequest.Bvec(0, 4096, false));
        assertThat(NvmeMapPolicy.useSgls(r, QEMU, 1)).as("IOMMU THRU_HOST_BRIDGE: one 40 KiB segment").isTrue();
        assertThat(NvmeMapPolicy.useSgls(r, QEMU, 3)).as("IOMMU BUS_ADDR: 13.3 KiB average").isFalse();
        assertThat(NvmeMapPolicy.useSgls(r, QEMU, 7)).as("dma-direct").isFalse();
    }

    @Test
    void sixteenKiBSegmentIsBelowTheThresholdAndUsesPrps_spec6_7_vector19() {
        NvmeRequest r = NvmeRequest.io(3, 16 << 10, new NvmeRequest.Bvec(0, 8192, true));
        assertThat(NvmeMapPolicy.useSgls(r, QEMU, 1)).isFalse();
    }

    @Test
    void averageIsRoundedUpAndTheThresholdItselfUsesSgls_spec6_7() {
        NvmeRequest exact = NvmeRequest.io(2, 65536, new NvmeRequest.Bvec(0, 4096, false));
        assertThat(NvmeMapPolicy.useSgls(exact, QEMU, 2)).as("avg == 32768 is not below").isTrue();
        NvmeRequest justBelow = NvmeRequest.io(2, 65535, new NvmeRequest.Bvec(0, 4096, false));
        assertThat(NvmeMapPolicy.useSgls(justBelow, QEMU, 2)).as("ceil(65535 / 2) = 32768").isTrue();
        NvmeRequest below = NvmeRequest.io(2, 65534, new NvmeRequest.Bvec(0, 4096, false));
        assertThat(NvmeMapPolicy.useSgls(below, QEMU, 2)).isFalse();
    }

    @Test
    void userCommandsMetadataAdminQueueAndSupportDecideBeforeTheAverage_spec6_7() {
        NvmeRequest.Bvec bv = new NvmeRequest.Bvec(0, 4096, false);
        NvmeRequest user = new NvmeRequest(2, bv, 8192, 1, false, true);
        assertThat(NvmeMapPolicy.useSgls(user, QEMU, 2)).as("user passthrough below threshold").isTrue();
        assertThat(NvmeMapPolicy.useSgls(user, QEMU.withSglThreshold(0), 2)).as("user passthrough, threshold 0").isTrue();
        assertThat(NvmeMapPolicy.useSgls(NvmeRequest.io(2, 8192, bv), QEMU.withSglThreshold(0), 2)).isFalse();
        NvmeRequest md = new NvmeRequest(2, bv, 8192, 1, true, false);
        assertThat(NvmeMapPolicy.useSgls(md, QEMU, 2)).as("metadata needs SGLs").isTrue();
        NvmeRequest admin = new NvmeRequest(1, bv, 1 << 20, 0, true, true);
        assertThat(NvmeMapPolicy.useSgls(admin, QEMU, 1)).as("admin queue").isFalse();
        assertThat(NvmeMapPolicy.useSgls(NvmeRequest.io(1, 1 << 20, bv), NO_SGL, 1)).as("no SGL support").isFalse();
    }

    @Test
    void remoteIoErrorBecomesTargetAndAnyOtherMappingErrorResource_spec6_10_vectors23_24() {
        assertThat(NvmeMapPolicy.sgMapFailure(Errno.EREMOTEIO)).isEqualTo(BlkStatus.TARGET);
        assertThat(BlkStatus.TARGET.errno()).contains(Errno.EREMOTEIO);
        for (Errno e : new Errno[] {Errno.EIO, Errno.ENOMEM, Errno.EINVAL}) {
            assertThat(NvmeMapPolicy.sgMapFailure(e)).as(e.name()).isEqualTo(BlkStatus.RESOURCE);
        }
        assertThat(NvmeMapPolicy.fastPathMapFailure()).isEqualTo(BlkStatus.RESOURCE);
        assertThat(BlkStatus.RESOURCE.requeues()).isTrue();
    }

    /**
     * Every mapping in the traces: a dma_map_page is a single RAM segment the fast path takes, and a
     * dma_map_sg is a request the path choice sends to the sg path (several segments, or one P2P
     * segment). The first bvec's offset is the DMA address's low 12 bits, which every DMA setup keeps.
     */
    @Test
    void everyTracedMappingTakesThePathNvmeMapDataChooses_spec6_7_dmaTraces() throws IOException {
        Path traces = Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("dma-traces");
        List<Path> cases;
        try (Stream<Path> s = Files.list(traces)) {
            cases = s.map(p -> p.resolve("dma.json")).filter(Files::isRegularFile).sorted().toList();
        }
        JsonMapper json = JsonMapper.builder().build();
        int checked = 0;
        for (Path c : cases) {
            JsonNode root = json.readTree(Files.readString(c));
            for (JsonNode op : root.get("ops")) {
                JsonNode segs = op.get("segments");
                if (segs == null || segs.isNull()) {
                    continue;
                }
                Map<Integer, List<JsonNode>> byMap = new TreeMap<>();
                for (JsonNode seg : segs) {
                    byMap.computeIfAbsent(seg.get("map_index").asInt(), k -> new ArrayList<>()).add(seg);
                }
                for (Map.Entry<Integer, List<JsonNode>> m : byMap.entrySet()) {
                    JsonNode first = m.getValue().get(0);
                    String event = first.get("event").asString();
                    int nents = event.equals("dma_map_page") ? 1 : first.get("nents").asInt();
                    // a merged IOMMU mapping adds a record of its inputs (input_phys_addrs, input_p2pmem) without len
                    List<JsonNode> outs = m.getValue().stream().filter(x -> x.has("len")).toList();
                    long payload = outs.stream().mapToLong(x -> x.get("len").asLong()).sum();
                    boolean p2p = m.getValue().stream().anyMatch(x -> x.has("p2pmem") && x.get("p2pmem").asBoolean()
                            || x.has("input_p2pmem") && x.get("input_p2pmem").get(0).asBoolean());
                    long offset = outs.get(0).get("dma_addr").asLong() & 4095;
                    NvmeRequest r = NvmeRequest.io(nents, payload, new NvmeRequest.Bvec(offset, nents == 1 ? payload : 4096 - offset, p2p));
                    MapPath path = NvmeMapPolicy.choosePath(r, QEMU);
                    String want = path == MapPath.SG ? "dma_map_sg" : "dma_map_page";
                    assertThat(event).as(c.getParent().getFileName() + " " + op.get("name").asString() + " map " + m.getKey()).isEqualTo(want);
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(100);
    }
}
