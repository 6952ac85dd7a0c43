package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.io.TopologyFileWriter;
import dev.p2pdma.testing.WideHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A machine of 50,000 endpoints (2.5 billion pairs): matrix and report refuse the whole matrix
 * before writing, a selection streams in a small heap, and running out of memory is one line.
 */
class LargeMachineCliTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Endpoints of the wide machine. */
    private static final int ENDPOINTS = 50_000;

    /** Holds the machine's topology file. */
    @TempDir
    static Path tmp;
    /** The 50,000-endpoint machine as a topology file. */
    static Path wide;

    @BeforeAll
    static void writeMachine() throws IOException {
        wide = tmp.resolve("wide.json");
        TopologyFileWriter.write(WideHost.build(ENDPOINTS), wide);
    }

    @Test
    void matrixRefusesTheWholeMatrixBeforeWritingAndSuggestsASelection() {
        for (String format : List.of("text", "json")) {
            Cli r = Cli.run("matrix", "--topology", wide.toString(), "--format", format);
            assertThat(r.status()).as(r.err()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().strip()).startsWith("p2pdma: ").contains("2,500,000,000 pairs", "--provider", "--class", "--force")
                    .doesNotContain("\n", "Exception");
        }
    }

    @Test
    void reportRefusesTheWholeMatrixBeforeWriting() {
        Path out = tmp.resolve("r.html");
        Cli r = Cli.run("report", "--topology", wide.toString(), "-o", out.toString());
        assertThat(r.status()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("p2pdma: ").contains("2,500,000,000 pairs", "--class", "--force").doesNotContain("\n");
        assertThat(out).doesNotExist();
    }

    @Test
    void oneProvidersRowStreamsAsJsonInASmallHeap() throws Exception {
        Path out = tmp.resolve("row.json");
        Path err = tmp.resolve("row.err");
        int rc = java("-Xmx256m", out, err, "matrix", "--topology", wide.toString(), "--format", "json", "--provider", "00:00.0");
        assertThat(rc).as(Files.readString(err)).isZero();
        JsonNode doc = JSON.readTree(out.toFile());
        assertThat(doc.get("format").asString()).isEqualTo("p2pdma-matrix/1");
        JsonNode pairs = doc.get("pairs");
        assertThat(pairs.size()).isEqualTo(ENDPOINTS);
        for (int k = 0; k < ENDPOINTS; k++) {
            JsonNode p = pairs.get(k);
            assertThat(p.get("provider").asString()).isEqualTo("0000:00:00.0");
            assertThat(p.get("map_type").asString()).isEqualTo(k == 0 ? "BUS_ADDR" : "NOT_SUPPORTED");
        }
        assertThat(pairs.get(ENDPOINTS - 1).get("client").asString()).isEqualTo("0000:c3:09.7");
    }

    @Test
    void runningOutOfMemoryIsOneLineWithExitStatusTwo() throws Exception {
        Path out = tmp.resolve("oom.out");
        Path err = tmp.resolve("oom.err");
        int rc = java("-Xmx24m", out, err, "matrix", "--topology", wide.toString(), "--force");
        String text = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(rc).as(text).isEqualTo(2);
        assertThat(text.strip()).startsWith("p2pdma: out of memory").contains("--provider", "-Xmx").doesNotContain("\n", "\tat ");
    }

    /** Runs the CLI in a fresh JVM with the given heap option; returns its exit status. */
    private static int java(String heap, Path out, Path err, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "-XX:-UsePerfData", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        return pb.start().waitFor();
    }
}
