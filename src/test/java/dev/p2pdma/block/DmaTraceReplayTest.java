package dev.p2pdma.block;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Replays every system call of the real 6.12 DMA traces ({@code ../shared/dma-traces/*}/dma.json)
 * through validation, bio building, splitting and blk_rq_map_sg (spec 6.3–6.5, 7.9) and compares
 * the request shapes with the trace:
 * <ul>
 *   <li>the requests (start sector and bytes, in issue order) with the distinct
 *       {@code nvme_setup_cmd} commands ({@code slba}, {@code (len + 1) × 512}); a command repeated
 *       with the same slba is a retry of the same request (the forced-swiotlb hang, spec 6.11);</li>
 *   <li>each mapped request's nents with the {@code dma_map_sg} event after its command
 *       ({@code nents}), or 1 for {@code dma_map_page}, and its bytes with the sum of its
 *       {@code segments[]} of the same {@code map_index}; a request nvme-pci mapped with
 *       {@code dma_map_page} must have one segment and a non-P2P first bvec (its fast path, spec 6.7);</li>
 *   <li>the call's result, completing each request with the status the trace shows
 *       ({@code block_rq_complete [-121]} → TARGET, else OK).</li>
 * </ul>
 * What cannot be compared at this layer, and is therefore checked only in part:
 * <ul>
 *   <li>requests whose DMA mapping was refused (NOT_SUPPORTED, -EREMOTEIO) leave no dma event and no
 *       segments: only their sector and size from {@code nvme_setup_cmd} are compared, not nents;</li>
 *   <li>the call that hung (result {@code HUNG}) never completes: its request shapes are compared,
 *       its result is not;</li>
 *   <li>calls marked {@code skipped_after_hang} were never run: there is nothing to compare; the test
 *       lists them and checks that they are exactly the calls after the hung one.</li>
 * </ul>
 * DMA addresses, ents and the map type are the DMA layer's business and are not checked here.
 */
class DmaTraceReplayTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern COMPLETE = Pattern.compile("block_rq_complete: \\S+ \\S+ \\(\\) (\\d+) \\+ (\\d+) .*\\[(-?\\d+)\\]");
    /** The traced namespaces are 16 MiB disks (README). */
    private static final long DISK_BYTES = 16L << 20;

    /** One request as the trace shows it. */
    private record TracedRequest(long sector, long bytes, Optional<Integer> nents, boolean mapPage, Optional<Integer> completion) {
    }

    private static List<Path> traces() throws IOException {
        try (Stream<Path> s = Files.list(BlockFixtures.shared().resolve("dma-traces"))) {
            return s.filter(p -> Files.exists(p.resolve("dma.json"))).sorted().toList();
        }
    }

    @Test
    void allFiveTracesAreThere() throws IOException {
        assertThat(traces()).hasSize(5);
    }

    @TestFactory
    Stream<DynamicTest> everyTracedCallHasTheTracedRequestShapes_spec6_3to6_5() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : traces()) {
            JsonNode root = JSON.readTree(Files.readString(dir.resolve("dma.json")));
            boolean afterHang = false;
            List<String> skipped = new ArrayList<>();
            for (JsonNode op : root.get("ops")) {
                String name = dir.getFileName() + "/" + op.get("name").asString();
                String result = op.get("result").asString();
                if (result.equals("skipped_after_hang")) {
                    assertThat(afterHang).as(name + " is skipped only after a hung call").isTrue();
                    skipped.add(name);
                    continue;
                }
                assertThat(afterHang).as(name + " ran after a hung call").isFalse();
                afterHang = result.equals("HUNG");
                tests.add(DynamicTest.dynamicTest(name, () -> replay(root, op, result)));
            }
            String folder = dir.getFileName().toString();
            tests.add(DynamicTest.dynamicTest(folder + ": calls not run after the hang: " + skipped.size(),
                    () -> assertThat(skipped).as("only the swiotlb+THRU_HOST_BRIDGE trace hangs")
                            .hasSize(folder.equals("rp-swiotlb_force-cpu_amd") ? 14 : 0)));
        }
        return tests.stream();
    }

    private static QueueLimits limits(JsonNode root, String bdf) {
        for (JsonNode d : root.get("device_dma").get("devices")) {
            if (d.get("bdf").asString().equals(bdf)) {
                int lbs = Integer.parseInt(d.get("logical_block_size").asString());
                int pbs = Integer.parseInt(d.get("physical_block_size").asString());
                int hw = Integer.parseInt(d.get("max_hw_sectors_kb").asString()) * 2;
                int max = Integer.parseInt(d.get("max_sectors_kb").asString()) * 2;
                return new QueueLimits(lbs, pbs, hw, max, Integer.parseInt(d.get("max_segments").asString()),
                        Long.parseLong(d.get("max_segment_size").asString()), 0xFFFF_FFFFL,
                        Long.parseLong(d.get("virt_boundary_mask").asString()), Integer.parseInt(d.get("dma_alignment").asString()),
                        // every traced namespace is a per-controller nvme-pci disk: BLK_FEAT_PCI_P2PDMA (spec 6.1)
                        true);
            }
        }
        throw new AssertionError("no device " + bdf);
    }

    private static void replay(JsonNode root, JsonNode op, String result) {
        BlockFixtures f = new BlockFixtures();
        QueueLimits q = limits(root, op.get("ns_bdf").asString());
        long ramBytes = 0;
        for (JsonNode v : op.get("iovecs")) {
            if (v.get("kind").asString().equals("ram")) {
                ramBytes = Math.max(ramBytes, v.get("offset_in_buffer").asLong() + v.get("len").asLong());
            }
        }
        long ram = ramBytes > 0 ? f.ram(ramBytes) : 0;
        List<IoVec> iovecs = new ArrayList<>();
        for (JsonNode v : op.get("iovecs")) {
            String kind = v.get("kind").asString();
            long base = switch (kind) {
                case "ram" -> ram;
                case "p2pmem" -> f.p2pStart;
                default -> throw new AssertionError("unknown iovec kind " + kind);
            };
            iovecs.add(new IoVec(base + v.get("offset_in_buffer").asLong(), v.get("len").asLong()));
        }
        ReqOp rw = op.get("op").asString().equals("preadv") ? ReqOp.READ : ReqOp.WRITE;
        DirectIoSubmission s = BlockDirectIo.submit(f.mm, q, DISK_BYTES, rw, op.get("file_offset").asLong(), iovecs);

        if (result.equals("EINVAL")) {
            assertThat(s.error()).contains(Errno.EINVAL);
            assertThat(s.requests()).isEmpty();
            return;
        }
        List<TracedRequest> traced = traced(op);
        assertThat(traced).as("the trace shows requests").isNotEmpty();
        List<String> model = s.requests().stream().map(r -> "sector " + r.sector() + ": " + r.bytes() + " bytes").toList();
        List<String> seen = traced.stream().map(t -> "sector " + t.sector() + ": " + t.bytes() + " bytes").toList();
        if (result.equals("HUNG")) {
            // the first request never completes: what the trace shows is the start of the model's list
            assertThat(model.size()).isGreaterThanOrEqualTo(seen.size());
            assertThat(model.subList(0, seen.size())).isEqualTo(seen);
        } else {
            assertThat(model).as("requests in issue order").isEqualTo(seen);
        }
        List<Integer> segmentTotals = segmentBytesByMapIndex(op);
        int mapped = 0;
        List<BlkStatus> statuses = new ArrayList<>();
        for (int i = 0; i < traced.size(); i++) {
            TracedRequest t = traced.get(i);
            Request r = s.requests().get(i);
            int nents = BlkRqMapSg.pieces(r, q).size();
            assertThat(nents).as("nents <= nr_phys_segments").isLessThanOrEqualTo(r.nrPhysSegments());
            if (t.nents().isPresent()) {
                assertThat(nents).as("nents of request " + i).isEqualTo(t.nents().get());
                if (t.mapPage()) {
                    // nvme-pci's fast path (spec 6.7) needs one segment and a non-P2P first bvec
                    assertThat(r.nrPhysSegments()).as("segments of a dma_map_page request").isEqualTo(1);
                    assertThat(r.firstBvec().isP2pdma()).isFalse();
                }
                assertThat((long) segmentTotals.get(mapped)).as("segments[] bytes of map_index " + mapped).isEqualTo(r.bytes());
                mapped++;
            }
            statuses.add(t.completion().map(c -> c == 0 ? BlkStatus.OK : c == -Errno.EREMOTEIO.value() ? BlkStatus.TARGET : BlkStatus.IOERR)
                    .orElse(BlkStatus.OK));
        }
        assertThat(mapped).as("every map_index was matched").isEqualTo(segmentTotals.size());
        if (!result.equals("HUNG")) {
            IoResult expected = result.matches("\\d+") ? new IoResult.Transferred(Long.parseLong(result), 0)
                    : new IoResult.Failed(Errno.valueOf(result));
            assertThat(s.complete(statuses)).isEqualTo(expected);
        }
        BlockDirectIo.release(f.mm, s);
        assertThat(f.mm.totalPins()).as("every pin released").isZero();
    }

    /** The distinct commands in order, each with the nents of the first mapping after it and its completion. */
    private static List<TracedRequest> traced(JsonNode op) {
        Map<Long, long[]> bySector = new LinkedHashMap<>();
        Map<Long, Integer> nents = new LinkedHashMap<>();
        Map<Long, Boolean> mapPage = new LinkedHashMap<>();
        Long current = null;
        for (JsonNode e : op.get("events")) {
            String ev = e.get("event").asString();
            if (ev.equals("nvme_setup_cmd")) {
                long slba = Long.parseLong(e.get("slba").asString().replace(",", ""));
                long blocks = Long.parseLong(e.get("len").asString().replace(",", "")) + 1;
                long[] prev = bySector.putIfAbsent(slba, new long[] {slba, blocks * 512});
                if (prev != null) {
                    assertThat(prev[1]).as("a retry of the same command").isEqualTo(blocks * 512);
                }
                current = slba;
            } else if ((ev.equals("dma_map_sg") || ev.equals("dma_map_page")) && current != null) {
                nents.putIfAbsent(current, ev.equals("dma_map_page") ? 1 : e.get("nents").asInt());
                mapPage.putIfAbsent(current, ev.equals("dma_map_page"));
                current = null;
            }
        }
        Map<Long, Integer> completions = new LinkedHashMap<>();
        for (JsonNode line : op.get("trace")) {
            Matcher m = COMPLETE.matcher(line.asString());
            if (m.find()) {
                completions.put(Long.parseLong(m.group(1)), Integer.parseInt(m.group(3)));
            }
        }
        List<TracedRequest> out = new ArrayList<>();
        for (long[] r : bySector.values()) {
            out.add(new TracedRequest(r[0], r[1], Optional.ofNullable(nents.get(r[0])),
                    mapPage.getOrDefault(r[0], false), Optional.ofNullable(completions.get(r[0]))));
        }
        return out;
    }

    /** Bytes of the DMA segments per map_index, in map_index order (the summary entry without an index is left out). */
    private static List<Integer> segmentBytesByMapIndex(JsonNode op) {
        Map<Integer, Integer> totals = new LinkedHashMap<>();
        for (JsonNode seg : op.get("segments")) {
            if (!seg.has("index") && seg.get("event").asString().equals("dma_map_sg")) {
                continue;
            }
            totals.merge(seg.get("map_index").asInt(), seg.get("len").asInt(), Integer::sum);
        }
        return new ArrayList<>(totals.values());
    }
}
