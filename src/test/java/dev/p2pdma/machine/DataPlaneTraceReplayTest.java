package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every call of every real Linux 6.12 trace in {@code ../shared/dma-traces} replayed on the running
 * machine, end to end (issue 11 tests; README there says what must match): the result; the NVMe
 * requests in issue order (the distinct {@code nvme_setup_cmd} commands); for each mapped request
 * the mapping call, nents, ents and every segment's length; every p2pmem segment's exact DMA
 * address; every other segment's kind (physical, IOVA or swiotlb slot). IOVA values and RAM
 * addresses are not compared. Calls the trace skipped after a hang are not run.
 */
class DataPlaneTraceReplayTest {

    /** The traces. */
    private static final Path TRACES = Path.of("../shared/dma-traces");
    /** JSON. */
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    @TestFactory
    Stream<DynamicNode> everyTracedCallReplaysAsTheKernelDidIt_issue11() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(TRACES)) {
            cases = s.filter(p -> Files.isRegularFile(p.resolve("dma.json"))).sorted().toList();
        }
        assertThat(cases).isNotEmpty();
        List<DynamicNode> out = new ArrayList<>();
        for (Path c : cases) {
            out.add(DynamicContainer.dynamicContainer(c.getFileName().toString(), replay(c)));
        }
        return out.stream();
    }

    private static Stream<DynamicNode> replay(Path c) throws IOException {
        JsonNode d = JSON.readTree(c.resolve("dma.json").toFile());
        ODirectOps ops;
        RunningMachine m;
        try {
            ops = ODirectOpsReader.read(c.resolve("dma.json"));
            m = RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, c.resolve("capture.tar.gz"), List.of(), Optional.empty(),
                    UnknownAcsPolicy.NO_REDIRECT), RunningMachine.DEFAULT_RAM_BYTES);
        } catch (Exception e) {
            throw new AssertionError(c + ": " + e.getMessage(), e);
        }
        ODirectProcess p = ODirectProcess.start(m, ops.p2pmemProvider(), ops.mmapBytes(), false);
        long barStart = d.get("p2pmem_bars").get(0).get("start").asLong();
        long barEnd = d.get("p2pmem_bars").get(0).get("end").asLong();
        Map<String, String> mapTypes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : d.get("map_type_verdicts").properties()) {
            mapTypes.put(e.getKey().substring(e.getKey().indexOf("->") + 2), e.getValue().get("map_type").asString());
        }
        List<DynamicNode> tests = new ArrayList<>();
        boolean[] hung = {false};
        int i = 0;
        for (JsonNode op : d.get("ops")) {
            ODirectOps.Op input = ops.ops().get(i++);
            if (op.get("result").isString() && op.get("result").asString().equals("skipped_after_hang")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(input.name(), () -> {
                assertThat(hung[0]).as("a call after a hang").isFalse();
                ODirectCall call = p.call(input);
                check(op, call, m, barStart, barEnd, mapTypes.getOrDefault(input.namespace().toString(), "NOT_SUPPORTED"));
                hung[0] = call.result() instanceof ODirectResult.Hung;
            }));
        }
        return tests.stream();
    }

    private static void check(JsonNode op, ODirectCall call, RunningMachine m, long barStart, long barEnd, String mapType) {
        String name = op.get("name").asString();
        JsonNode result = op.get("result");
        assertThat(String.valueOf(call.result().jsonValue())).as("%s: result", name)
                .isEqualTo(result.isNumber() ? String.valueOf(result.asLong()) : result.asString());
        // requests in issue order: the distinct nvme_setup_cmd commands (a repeated one is a retry)
        List<long[]> expected = new ArrayList<>();
        for (JsonNode ev : op.get("events")) {
            if (ev.get("event").asString().equals("nvme_setup_cmd")) {
                long slba = Long.parseLong(ev.get("slba").asString().replace(",", ""));
                long blocks = Long.parseLong(ev.get("len").asString().replace(",", "")) + 1;
                if (expected.isEmpty() || expected.get(expected.size() - 1)[0] != slba || expected.get(expected.size() - 1)[1] != blocks) {
                    expected.add(new long[] {slba, blocks});
                }
            }
        }
        List<long[]> actual = call.requests().stream().map(r -> new long[] {r.slba(), r.blocks()}).toList();
        assertThat(actual).as("%s: requests (slba, blocks)", name).usingElementComparator((a, b) -> a[0] == b[0] && a[1] == b[1] ? 0 : 1)
                .containsExactlyElementsOf(expected);
        // each mapped request: call, nents, ents, segment lengths, p2pmem addresses, kinds
        Map<Integer, List<JsonNode>> byMap = new LinkedHashMap<>();
        for (JsonNode s : op.get("segments")) {
            if (s.has("dma_addr")) {
                byMap.computeIfAbsent(s.get("map_index").asInt(), k -> new ArrayList<>()).add(s);
            }
        }
        List<ODirectCall.DmaRecord> mapped = call.requests().stream().flatMap(r -> r.dma().stream()).toList();
        assertThat(mapped).as("%s: mapped requests", name).hasSameSizeAs(byMap.values());
        int k = 0;
        for (List<JsonNode> segs : byMap.values()) {
            ODirectCall.DmaRecord r = mapped.get(k++);
            String ctx = name + " request " + k;
            JsonNode first = segs.get(0);
            assertThat(r.call()).as(ctx).isEqualTo(first.get("event").asString());
            if (first.has("nents")) {
                assertThat(r.nents()).as("%s nents", ctx).isEqualTo(first.get("nents").asInt());
                assertThat(r.ents()).as("%s ents", ctx).isEqualTo(first.get("ents").asInt());
            }
            assertThat(r.segments()).as("%s segments", ctx).hasSameSizeAs(segs);
            for (int j = 0; j < segs.size(); j++) {
                JsonNode s = segs.get(j);
                ODirectCall.SegmentRecord seg = r.segments().get(j);
                long dma = s.get("dma_addr").asLong();
                assertThat(seg.lengthBytes()).as("%s segment %d length", ctx, j).isEqualTo(s.get("len").asLong());
                boolean p2pAddress = Long.compareUnsigned(dma, barStart) >= 0 && Long.compareUnsigned(dma, barEnd) <= 0;
                boolean p2p = p2pAddress || (s.has("p2pmem") && s.get("p2pmem").asBoolean());
                DmaSegmentKind kind = expectedKind(p2p, p2pAddress, mapType, m);
                assertThat(seg.kind()).as("%s segment %d kind", ctx, j).isEqualTo(kind);
                if (kind == DmaSegmentKind.BUS || (p2p && kind == DmaSegmentKind.PHYS)) {
                    assertThat(seg.dmaAddress()).as("%s segment %d p2pmem DMA address", ctx, j).isEqualTo(dma);
                }
            }
        }
    }

    private static DmaSegmentKind expectedKind(boolean p2p, boolean p2pAddress, String mapType, RunningMachine m) {
        if (p2p && mapType.equals("BUS_ADDR")) {
            return DmaSegmentKind.BUS;
        }
        if (m.dmaSetup().iommu().translates()) {
            return DmaSegmentKind.IOVA;
        }
        if (p2p) {
            return DmaSegmentKind.PHYS;
        }
        return m.dmaSetup().forceBounce() ? DmaSegmentKind.SWIOTLB : DmaSegmentKind.PHYS;
    }

}
