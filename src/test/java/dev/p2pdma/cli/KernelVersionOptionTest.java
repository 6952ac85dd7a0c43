package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Spec 12 / issue 12 part 4: {@code --kernel-version} on every analysing command. */
class KernelVersionOptionTest {

    private static final String ZHAOXIN = "examples/machines/zhaoxin-host-bridge.yaml";

    @ParameterizedTest
    @ValueSource(strings = {"7.x", "4.19", "latest", ""})
    void aBadVersionIsOneUsageLineAndExitStatus2_spec12(String bad) {
        Cli r = Cli.run("explain", "--topology", ZHAOXIN, "--kernel-version", bad, "01:00.0", "02:00.0");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1).first().asString().contains("--kernel-version").contains("'" + bad + "'")
                .doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void everyAnalysingCommandTakesTheOption_spec12(@TempDir Path dir) {
        List<List<String>> commands = List.of(
                List.of("topo", "--topology", ZHAOXIN),
                List.of("matrix", "--topology", ZHAOXIN),
                List.of("explain", "--topology", ZHAOXIN, "01:00.0", "02:00.0"),
                List.of("check", "--topology", ZHAOXIN, "01:00.0", "02:00.0"),
                List.of("groups", "--topology", ZHAOXIN),
                List.of("report", "--topology", ZHAOXIN, "-o", dir.resolve("r.html").toString()),
                List.of("odirect", "--topology", ZHAOXIN, "01:00.0", "02:00.0"));
        for (List<String> c : commands) {
            List<String> args = new ArrayList<>(c);
            args.addAll(List.of("--kernel-version", "next"));
            Cli r = Cli.run(args.toArray(String[]::new));
            assertThat(r.status()).as(String.join(" ", args) + "\n" + r.err()).isZero();
        }
    }

    @Test
    void checkFollowsTheAllowlistOfTheChosenVersion_spec12_1() {
        Cli now = Cli.run("check", "--topology", ZHAOXIN, "01:00.0", "02:00.0");
        assertThat(now.status()).isEqualTo(3);
        assertThat(now.out()).startsWith("FAIL");
        Cli later = Cli.run("check", "--topology", ZHAOXIN, "--kernel-version", "7.4", "01:00.0", "02:00.0");
        assertThat(later.status()).isZero();
        assertThat(later.out()).startsWith("OK").contains("THRU_HOST_BRIDGE");
        assertThat(Cli.run("check", "--topology", ZHAOXIN, "--kernel-version", "7.3", "01:00.0", "02:00.0").status()).isEqualTo(3);
    }

    @Test
    void theHeaderNamesTheVersionOnlyWhenItIsNot6_12_spec12() {
        Cli dflt = Cli.run("explain", "--topology", ZHAOXIN, "01:00.0", "02:00.0");
        assertThat(dflt.out()).doesNotContain("rules:");
        Cli later = Cli.run("explain", "--topology", ZHAOXIN, "--kernel-version", "7.4.1-custom", "01:00.0", "02:00.0");
        assertThat(later.out()).contains("rules:  Linux 7.4 (--kernel-version; the input's kernel release is 6.12.118-amd64)\n");
        assertThat(Cli.run("matrix", "--topology", ZHAOXIN, "--kernel-version", "next").out()).contains("rules:  Linux next (--kernel-version;");
    }

    @Test
    void jsonReportsTheVersionAndWhereItCameFrom_spec12() {
        JsonMapper mapper = JsonMapper.builder().build();
        JsonNode dflt = mapper.readTree(Cli.run("matrix", "--topology", ZHAOXIN, "--format", "json").out());
        assertThat(dflt.get("kernel_version").asString()).isEqualTo("6.12");
        assertThat(dflt.get("kernel_version_from").asString()).isEqualTo("6.12 (the input's kernel release 6.12.118-amd64)");
        JsonNode later = mapper.readTree(Cli.run("explain", "--topology", ZHAOXIN, "--kernel-version", "7.4", "--format", "json",
                "01:00.0", "02:00.0").out());
        assertThat(later.get("kernel_version").asString()).isEqualTo("7.4");
        assertThat(later.get("pairs").get(0).get("map_type").asString()).isEqualTo("THRU_HOST_BRIDGE");
    }
}
