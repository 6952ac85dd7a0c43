package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code p2pdma map --scenario}: every example runs, JSON output, bad scenarios. */
class MapCommandTest {

    @Test
    void everyExampleScenarioRuns() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                Cli r = Cli.run("map", "--scenario", f.toString());
                assertThat(r.status()).as(f + ": " + r.err()).isZero();
                assertThat(r.out()).as(f.toString()).containsPattern("dma_map_sg(table)?\\(\\) = ");
            }
        }
    }

    @Test
    void jsonListsEverySegmentAndTheReturnValue() throws Exception {
        Cli r = Cli.run("map", "--scenario", "examples/p2p-bus-address.yaml", "--format", "json");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode doc = JsonMapper.builder().build().readTree(r.out());
        assertThat(doc.get("return").asInt()).isZero();
        assertThat(doc.get("segments").size()).isEqualTo(3);
        assertThat(doc.get("segments").get(1).get("flags").get(0).asString()).isEqualTo("BUS_ADDRESS");
    }

    @Test
    void aBadScenarioIsOneLineAndExitStatusTwo(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("s.yaml");
        Files.writeString(f, "topology: {sysfs: x}\nclient: {device: 0000:01:00.0}\nsg:\n  - ram: {phys: 0, length: 0}\n");
        Cli r = Cli.run("map", "--scenario", f.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().lines().count()).isEqualTo(1);
        assertThat(r.err()).contains("s.yaml line 4", "must not be zero");
        Cli missing = Cli.run("map", "--scenario", tmp.resolve("none.yaml").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).contains("none.yaml");
    }

    @Test
    void kernelVersionDecidesTheMapTypeWhileTheScenarioKeepsItsEra_spec12_2(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("siblings.yaml");
        Files.writeString(f, "topology:\n  sysfs: " + Path.of(Cli.conformance("rpmf-iommu_on-cpu_intel")).toAbsolutePath()
                + "\nproviders:\n  - {device: 0000:01:00.0, bar: 2}\nclient:\n  device: 0000:01:00.1\nsg:\n"
                + "  - p2pmem: {provider: 0000:01:00.0, length: 4KiB}\n");
        Cli at612 = Cli.run("map", "--scenario", f.toString());
        assertThat(at612.out()).as(at612.err()).contains("dma_map_sgtable() = -121 (-EREMOTEIO)");
        Cli next = Cli.run("map", "--scenario", f.toString(), "--kernel-version", "next");
        assertThat(next.out()).as("the directional rule reads only the divergence ports").contains("dma_map_sgtable() = 0, nents 1", "BUS_ADDRESS")
                .contains("era: sg");
        assertThat(Cli.run("map", "--scenario", f.toString(), "--kernel-version", "1.2").status()).isEqualTo(2);
    }
}
