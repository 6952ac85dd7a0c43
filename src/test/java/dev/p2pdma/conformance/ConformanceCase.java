package dev.p2pdma.conformance;

import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.SysfsImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One case of {@code ../shared/conformance/}: a real Linux 6.12 boot's sysfs capture and the
 * kernel's verdicts ({@code expected.json}, README section 2).
 *
 * @param name     directory name, e.g. {@code sw-iommu_on-cpu_intel}
 * @param dir      the case directory
 * @param expected the parsed expected.json
 */
record ConformanceCase(String name, Path dir, JsonNode expected) {

    /** The shared folder beside the repository. */
    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }

    /** Every case directory with an expected.json, by name. */
    static List<ConformanceCase> all() throws IOException {
        Path root = shared().resolve("conformance");
        List<ConformanceCase> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.sorted().toList()) {
                Path e = d.resolve("expected.json");
                if (Files.isRegularFile(e)) {
                    out.add(new ConformanceCase(d.getFileName().toString(), d, JsonMapper.builder().build().readTree(e.toFile())));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no conformance cases under " + root.toAbsolutePath());
        }
        return out;
    }

    Path capture() {
        return dir.resolve("capture.tar.gz");
    }

    PciTopology topology() throws ImportException {
        return SysfsImporter.read(capture());
    }

    /**
     * One expected calc entry.
     *
     * @param provider provider BDF
     * @param client   client BDF
     * @param mapType  map type name
     * @param distance distance
     */
    record Calc(String provider, String client, String mapType, int distance) {
    }

    List<Calc> calc() {
        List<Calc> out = new ArrayList<>();
        for (JsonNode n : expected.get("calc")) {
            out.add(new Calc(n.get("provider").asString(), n.get("client").asString(), n.get("map_type").asString(), n.get("distance").asInt()));
        }
        return out;
    }

    List<String> dmesg() {
        List<String> out = new ArrayList<>();
        expected.get("dmesg").forEach(n -> out.add(n.asString()));
        return out;
    }

    String cmdline() {
        return expected.get("cmdline").asString();
    }

    /** group number -> members, as expected.json lists them. */
    Map<Integer, List<String>> iommuGroups() {
        Map<Integer, List<String>> out = new TreeMap<>();
        expected.get("iommu_groups").properties().forEach(e -> {
            List<String> members = new ArrayList<>();
            e.getValue().forEach(m -> members.add(m.asString()));
            out.put(Integer.parseInt(e.getKey()), members);
        });
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
