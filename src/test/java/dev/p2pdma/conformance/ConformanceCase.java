package dev.p2pdma.conformance;

import dev.p2pdma.pci.KernelCommandLine;
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

    /** Every case, by directory name. */
    static Map<String, ConformanceCase> byName() throws IOException {
        Map<String, ConformanceCase> out = new TreeMap<>();
        for (ConformanceCase c : all()) {
            out.put(c.name(), c);
        }
        return out;
    }

    /**
     * A {@code <base>-acsredir_*} case and its base case.
     *
     * @param base     the case booted without the parameter
     * @param variant  the case booted with it
     * @param pciParam the variant's {@code pci=} value (without {@code pci=})
     */
    record AcsRedirPair(ConformanceCase base, ConformanceCase variant, String pciParam) {
    }

    /** Every acsredir variant that has its base case, with the {@code pci=} value it was booted with. */
    static List<AcsRedirPair> acsRedirPairs() throws IOException {
        Map<String, ConformanceCase> byName = byName();
        List<AcsRedirPair> out = new ArrayList<>();
        for (ConformanceCase variant : byName.values()) {
            int cut = variant.name().indexOf("-acsredir_");
            ConformanceCase base = cut < 0 ? null : byName.get(variant.name().substring(0, cut));
            if (base != null) {
                out.add(new AcsRedirPair(base, variant, KernelCommandLine.parse(variant.cmdline()).values("pci").get(0)));
            }
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
