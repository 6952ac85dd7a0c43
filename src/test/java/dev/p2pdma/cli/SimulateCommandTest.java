package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.sim.BandwidthPredictor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma simulate} (issue 13 parts 2 and 5): per-stream execution results beside the
 * predictor's two paths in text, one comparison table with {@code --compare}, the documented JSON
 * shape, exit status 2 with one line for bad input, and no progress bar when standard error is
 * not a terminal.
 */
class SimulateCommandTest {

    private static final String EXAMPLE = "examples/simulate/switch.yaml";
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @TempDir
    Path dir;

    /** A predictor whose figures are recognisable: stream i gets p2p i+1.5 GB/s, bounce i+0.25 GB/s. */
    private static BandwidthPredictor fake() {
        return streams -> {
            List<BandwidthPredictor.StreamPrediction> out = new ArrayList<>();
            for (int i = 0; i < streams.size(); i++) {
                out.add(new BandwidthPredictor.StreamPrediction(streams.get(i),
                        new BandwidthPredictor.PathPrediction(i + 1.5, 10 + i, "fake link " + i, MapType.BUS_ADDR, List.of("a", "b")),
                        new BandwidthPredictor.PathPrediction(i + 0.25, 20 + i, "fake bounce " + i, MapType.BUS_ADDR, List.of("a", "ram", "b")),
                        "p2p"));
            }
            return out;
        };
    }

    /** Runs the command with the fake predictor. */
    private static String withFake(String... args) {
        SimulateCommand cmd = new SimulateCommand();
        cmd.predictorFactory = m -> fake();
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void textShowsEachStreamsExecutionBesideThePredictedP2pAndBounceFigures() {
        Cli r = Cli.run("simulate", EXAMPLE);
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).as("no progress bar when standard error is not a terminal").isEmpty();
        assertThat(r.out()).contains("dma setup: IOMMU on, DMA domains, strict",
                "stream nvme1-to-cmb: read 64 MiB from 0000:04:00.0 (nvme1) into 0000:03:00.0 (nvme0)'s p2pmem, 128 KiB I/Os, queue depth 32, 4 jobs",
                "  executed:  512 I/Os, 67108864 bytes, 0 faults, 0 errors, 0 fallbacks (staged through host memory)",
                "  data:      512 I/Os verified, 0 mismatches",
                "  executed:  16 I/Os, 16777216 bytes, 0 faults, 0 errors, 16 fallbacks (staged through host memory)",
                "  predicted p2p:    6.77 GB/s", "  predicted p2p:    0.00 GB/s", "  winner: bounce");
        String fakeText = withFake(EXAMPLE);
        assertThat(fakeText).contains("  predicted p2p:    1.50 GB/s, 10.0 us per I/O, limited by fake link 0",
                "  predicted bounce: 3.25 GB/s, 23.0 us per I/O, limited by fake bounce 3");
    }

    @Test
    void compareprintsBothPathsOfEveryStreamInOneTableWithoutRunningTheIos() {
        String out = withFake(EXAMPLE, "--compare");
        List<String> lines = out.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("stream ")).findFirst().orElseThrow());
        assertThat(lines.get(header)).matches("stream +path +GB/s +latency_us +map type +winner +bottleneck");
        assertThat(lines.get(header + 1)).matches("nvme1-to-cmb +p2p +1\\.50 +10\\.0 +BUS_ADDR +\\* +fake link 0");
        assertThat(lines.get(header + 2)).matches(" +bounce +0\\.25 +20\\.0 +\\(avoided\\) +fake bounce 0");
        assertThat(lines.get(header + 7)).matches("across-roots +p2p +4\\.50 +13\\.0 +BUS_ADDR +\\* +fake link 3");
        assertThat(out).doesNotContain("executed:");
    }

    @Test
    void jsonHasTheDocumentedShapeWithThePredictorsFiguresAndTheExecution() throws Exception {
        JsonNode doc = MAPPER.readTree(withFake(EXAMPLE, "--format", "json"));
        assertThat(doc.propertyNames()).first().isEqualTo("format");
        assertThat(doc.get("format").asString()).isEqualTo(SimulateCommand.FORMAT);
        JsonNode streams = doc.get("streams");
        assertThat(streams).hasSize(4);
        JsonNode s0 = streams.get(0);
        assertThat(s0.get("name").asString()).isEqualTo("nvme1-to-cmb");
        assertThat(s0.get("ios").asLong()).isEqualTo(512);
        assertThat(s0.get("bytes").asLong()).isEqualTo(64L << 20);
        assertThat(s0.get("faults").asLong()).isZero();
        assertThat(s0.get("map_type").asString()).isEqualTo("BUS_ADDR");
        assertThat(s0.get("path").get(0).asString()).isEqualTo("0000:03:00.0");
        assertThat(s0.get("p2p").get("gbps").asDouble()).isEqualTo(1.5);
        assertThat(s0.get("p2p").get("latency_us").asDouble()).isEqualTo(10.0);
        assertThat(s0.get("p2p").get("bottleneck").asString()).isEqualTo("fake link 0");
        assertThat(s0.get("bounce").get("path").size()).isEqualTo(3);
        assertThat(s0.get("winner").asString()).isEqualTo("p2p");
        assertThat(streams.get(3).get("fallbacks").asLong()).isEqualTo(16);
        JsonNode compare = MAPPER.readTree(withFake(EXAMPLE, "--compare", "--format", "json"));
        assertThat(compare.get("executed").asBoolean()).isFalse();
        assertThat(compare.get("streams").get(0).has("ios")).isFalse();
        assertThat(compare.get("streams").get(0).get("bounce").get("gbps").asDouble()).isEqualTo(0.25);
    }

    @Test
    void everyExampleScenarioReadsAndBuildsItsMachine() throws Exception {
        List<Path> scenarios;
        try (var files = Files.list(Path.of("examples/simulate"))) {
            scenarios = files.filter(f -> f.toString().endsWith(".yaml") && !f.toString().endsWith("-machine.yaml")).sorted().toList();
        }
        assertThat(scenarios).hasSizeGreaterThanOrEqualTo(4);
        for (Path f : scenarios) {
            dev.p2pdma.sim.SimScenario s = dev.p2pdma.sim.SimScenarioReader.read(f);
            assertThat(dev.p2pdma.sim.SimMachine.load(s).topology().size()).as(f.toString()).isGreaterThan(8);
            Cli r = Cli.run("simulate", f.toString(), "--compare");
            assertThat(r.status()).as(f + ": " + r.err()).isZero();
        }
    }

    @Test
    void badInputIsExitStatus2WithOneLineNamingFileLineAndKey() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(Path.of(EXAMPLE)).replace("queue_depth: 32", "queue_dept: 32")
                .replace("topology: switch-machine.yaml", "topology: " + Path.of("examples/simulate/switch-machine.yaml").toAbsolutePath()));
        Cli r = Cli.run("simulate", bad.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().lines().toList()).hasSize(1);
        assertThat(r.err()).contains("unknown field 'queue_dept' in a workload, did you mean 'queue_depth'?").contains(bad + " line ");
        Cli missing = Cli.run("simulate", dir.resolve("none.yaml").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err().lines().toList()).hasSize(1);
        Cli format = Cli.run("simulate", EXAMPLE, "--format", "yaml");
        assertThat(format.status()).isEqualTo(2);
        Cli noFile = Cli.run("simulate");
        assertThat(noFile.status()).isEqualTo(2);
    }

    @Test
    void aBandwidthParameterCanBeOverriddenByNameAndABadOneIsAUsageError() {
        Cli dflt = Cli.run("simulate", EXAMPLE, "--compare", "--format", "json");
        Cli slowUplinks = Cli.run("simulate", EXAMPLE, "--compare", "--format", "json", "--bandwidth-param", "bounceCpuLatencyUs=1000");
        assertThat(slowUplinks.status()).as(slowUplinks.err()).isZero();
        assertThat(slowUplinks.out()).isNotEqualTo(dflt.out());
        Cli unknown = Cli.run("simulate", EXAMPLE, "--compare", "--bandwidth-param", "warpFactor=9");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown bandwidth parameter 'warpFactor'");
        assertThat(Cli.run("simulate", EXAMPLE, "--compare", "--bandwidth-param", "bounceCpuLatencyUs").status()).isEqualTo(2);
        assertThat(Cli.run("simulate", EXAMPLE, "--compare", "--bandwidth-param", "bounceCpuLatencyUs=fast").status()).isEqualTo(2);
    }
}
