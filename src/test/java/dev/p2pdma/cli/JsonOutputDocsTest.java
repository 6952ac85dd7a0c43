package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON outputs name their shape and version in a first {@code format} field, and every field a
 * JSON command emits is documented in docs/json-output.md (the topology document's device fields
 * in docs/topology-format.md).
 */
class JsonOutputDocsTest {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final String SW = Cli.conformance("sw-iommu_on-cpu_intel");

    private static JsonNode json(String... args) {
        Cli r = Cli.run(args);
        assertThat(r.status()).as(r.err()).isZero();
        return MAPPER.readTree(r.out());
    }

    @Test
    void groupsJsonStartsWithItsFormat() {
        JsonNode doc = json("groups", "--sysfs", SW, "--format", "json");
        assertThat(doc.propertyNames()).first().isEqualTo("format");
        assertThat(doc.get("format").asString()).isEqualTo("p2pdma-groups/1");
    }

    @Test
    void mapJsonStartsWithItsFormat() {
        JsonNode doc = json("map", "--scenario", "examples/p2p-bus-address.yaml", "--format", "json");
        assertThat(doc.propertyNames()).first().isEqualTo("format");
        assertThat(doc.get("format").asString()).isEqualTo("p2pdma-map/1");
    }

    @Test
    void topoJsonIsATopologyDocumentWithItsFormatFirst() {
        JsonNode doc = json("topo", "--sysfs", SW, "--format", "json");
        assertThat(doc.propertyNames()).first().isEqualTo("format");
        assertThat(doc.get("format").asString()).isEqualTo("p2pdma-topology/1");
    }

    static List<List<String>> jsonCommands() {
        return List.of(
                List.of("matrix", "matrix", "--sysfs", SW, "--format", "json"),
                List.of("matrix", "matrix", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "--format", "json",
                        "--kernel-param", "pci=disable_acs_redir=0000:00:04.0", "--cpu", "amd:0x17"),
                List.of("explain", "explain", "--sysfs", SW, "03:00.0", "04:00.0", "00:1f.2", "--format", "json"),
                List.of("groups", "groups", "--sysfs", SW, "--format", "json"),
                List.of("map", "map", "--scenario", "examples/p2p-bus-address-iommu.yaml", "--format", "json"),
                List.of("map", "map", "--scenario", "examples/p2p-not-supported.yaml", "--format", "json"),
                List.of("map", "map", "--scenario", "examples/swiotlb-bounce.yaml", "--format", "json"),
                List.of("topo", "topo", "--sysfs", SW, "--format", "json"),
                List.of("check", "check", "--sysfs", SW, "03:00.0", "04:00.0", "--format", "json"),
                List.of("fix", "fix", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "01:00.0", "01:00.1", "01:00.0", "--format", "json"),
                List.of("odirect", "odirect", "--sysfs", SW, "03:00.0", "04:00.0", "--format", "json"),
                List.of("odirect", "odirect", "--sysfs", Cli.shared().resolve("dma-traces/rp-swiotlb_force-cpu_amd/capture.tar.gz").toString(),
                        "--ops", Cli.shared().resolve("dma-traces/rp-swiotlb_force-cpu_amd/dma.json").toString(), "--format", "json"),
                List.of("simulate", "simulate", "examples/simulate/switch.yaml", "--format", "json"),
                List.of("simulate", "simulate", "examples/simulate/switch.yaml", "--compare", "--format", "json"));
    }

    @ParameterizedTest
    @MethodSource("jsonCommands")
    void everyEmittedFieldIsDocumented(List<String> commandLine) throws Exception {
        String section = commandLine.get(0);
        JsonNode doc = json(commandLine.subList(1, commandLine.size()).toArray(String[]::new));
        TreeSet<String> keys = new TreeSet<>();
        collect(doc, keys);
        String docs = section(Files.readString(Path.of("docs/json-output.md")), section);
        if (section.equals("topo")) {
            docs += Files.readString(Path.of("docs/topology-format.md"));
        }
        TreeSet<String> missing = new TreeSet<>();
        for (String k : keys) {
            if (!docs.contains("`" + k + "`")) {
                missing.add(k);
            }
        }
        assertThat(missing).as("fields of %s not documented in docs/json-output.md", section).isEmpty();
    }

    /** Every field name in the document, at any depth; numeric keys (group numbers) are data, not fields. */
    private static void collect(JsonNode n, TreeSet<String> keys) {
        if (n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                if (!e.getKey().matches("\\d+")) {
                    keys.add(e.getKey());
                }
                collect(e.getValue(), keys);
            }
        } else if (n.isArray()) {
            n.forEach(c -> collect(c, keys));
        }
    }

    /** The text of the "## name" section. */
    private static String section(String markdown, String name) {
        Matcher m = Pattern.compile("(?m)^## `?(?:p2pdma )?" + name + "\\b.*$").matcher(markdown);
        assertThat(m.find()).as("docs/json-output.md has a section for %s", name).isTrue();
        int end = markdown.indexOf("\n## ", m.end());
        return markdown.substring(m.start(), end < 0 ? markdown.length() : end);
    }
}
