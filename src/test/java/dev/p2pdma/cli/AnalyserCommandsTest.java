package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The analyser's commands on real captures: matrix, explain, topo and their formats. */
class AnalyserCommandsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void matrixJsonHasOneEntryPerOrderedPairWithTheKernelsVerdict() throws Exception {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance("sw-iommu_on-cpu_intel"), "--format", "json");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode doc = JSON.readTree(r.out());
        JsonNode expected = JSON.readTree(Cli.shared().resolve("conformance/sw-iommu_on-cpu_intel/expected.json").toFile());
        List<String> ours = new ArrayList<>();
        for (JsonNode p : doc.get("pairs")) {
            assertThat(p.get("path").isArray()).isTrue();
            assertThat(p.get("reasons").isArray()).isTrue();
            ours.add(p.get("provider").asString() + " " + p.get("client").asString() + " " + p.get("map_type").asString() + " " + p.get("distance").asInt());
        }
        List<String> kernel = new ArrayList<>();
        for (JsonNode p : expected.get("calc")) {
            kernel.add(p.get("provider").asString() + " " + p.get("client").asString() + " " + p.get("map_type").asString() + " " + p.get("distance").asInt());
        }
        assertThat(ours).containsExactlyElementsOf(kernel);
    }

    @Test
    void everyPairOfEveryCaseCarriesTheKernelsCannotBeUsedLineExactlyWhenItIsNotSupported_spec1_9() throws Exception {
        List<Path> cases;
        try (Stream<Path> s = Files.list(Cli.shared().resolve("conformance"))) {
            cases = s.filter(d -> Files.isRegularFile(d.resolve("expected.json"))).sorted().toList();
        }
        int casesRun = 0;
        int notSupportedSeen = 0;
        int notSupportedExpected = 0;
        for (Path dir : cases) {
            String name = dir.getFileName().toString();
            Cli r = Cli.run("matrix", "--sysfs", dir.resolve("capture.tar.gz").toString(), "--format", "json");
            assertThat(r.status()).as(name + ": " + r.err()).isZero();
            JsonNode pairs = JSON.readTree(r.out()).get("pairs");
            JsonNode calc = JSON.readTree(dir.resolve("expected.json").toFile()).get("calc");
            assertThat(pairs.size()).as(name + ": one JSON pair per calc pair").isEqualTo(calc.size()).isPositive();
            for (int k = 0; k < pairs.size(); k++) {
                JsonNode p = pairs.get(k);
                String kernelType = calc.get(k).get("map_type").asString();
                String where = name + ": " + p.get("provider").asString() + " -> " + p.get("client").asString();
                assertThat(p.get("map_type").asString()).as(where).isEqualTo(kernelType);
                String line = "cannot be used for peer-to-peer DMA as the client and provider (" + p.get("provider").asString() + ")";
                boolean notSupported = kernelType.equals("NOT_SUPPORTED");
                assertThat(p.get("reasons").toString().contains(line)).as(where + " reasons " + p.get("reasons")).isEqualTo(notSupported);
                notSupportedSeen += notSupported ? 1 : 0;
            }
            for (JsonNode x : calc) {
                notSupportedExpected += x.get("map_type").asString().equals("NOT_SUPPORTED") ? 1 : 0;
            }
            casesRun++;
        }
        assertThat(casesRun).as("cases run").isEqualTo(cases.size()).isGreaterThanOrEqualTo(45);
        assertThat(notSupportedSeen).as("NOT_SUPPORTED pairs checked").isEqualTo(notSupportedExpected).isPositive();
    }

    @Test
    void textMatrixShowsTheGridTheLegendAndWhyNot() {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"));
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("provider\\client", "01:00.0", "BUS0", "NO2", "Legend", "NOT_SUPPORTED", "Why not:",
                "pci=disable_acs_redir=0000:00:04.0", "GenuineIntel");
    }

    @Test
    void explainWalksThePathAndQuotesTheKernel() {
        Cli r = Cli.run("explain", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "01:00.0", "0000:01:00.1");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("NOT_SUPPORTED, distance 2", "nearest common upstream device: 0000:00:04.0",
                "ACS redirect is set between the client and provider (0000:01:00.0)", "Host bridge not in P2PDMA whitelist: 8086:29c0",
                "path: 0000:01:00.0 -> 0000:00:04.0 -> 0000:01:00.1");
    }

    @Test
    void explainWithSeveralClientsGivesDistanceMany() {
        Cli r = Cli.run("explain", "--sysfs", Cli.conformance("sw-iommu_off-cpu_amd"), "03:00.0", "04:00.0", "03:00.0");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("pci_p2pdma_distance_many(0000:03:00.0, 2 clients) = 4");
        Cli no = Cli.run("explain", "--sysfs", Cli.conformance("sw-iommu_off-cpu_intel"), "03:00.0", "04:00.0", "00:1f.2");
        assertThat(no.status()).as("a NOT_SUPPORTED verdict is still status 0: " + no.err()).isZero();
        assertThat(no.out()).contains("= -1 (at least one client cannot use this provider)");
    }

    @Test
    void kernelParamWhatIfTurnsTheRedirectedPairIntoBusAddress() {
        Cli r = Cli.run("explain", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "--kernel-param", "pci=disable_acs_redir=0000:00:04.0",
                "01:00.0", "01:00.1");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("BUS_ADDR, distance 2", "boot:   pci 0000:00:04.0: Configured ACS to 0x0000", "[what-if]");
    }

    @Test
    void cpuFlagAppliesTheAmdZenRule() {
        Cli r = Cli.run("explain", "--sysfs", Cli.conformance("rp-iommu_off-cpu_intel"), "--cpu", "amd:0x19", "01:00.0", "02:00.0");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("THRU_HOST_BRIDGE, distance 4");
    }

    @Test
    void topoShowsTheTreeWithAcsAndP2pmem() {
        Cli r = Cli.run("topo", "--sysfs", Cli.conformance("sw-iommu_on-cpu_intel"));
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("pci0000:00", "0000:00:04.0", "root port", "ACS ctrl 0x001d (SV RR CR UF) REDIRECT",
                "switch downstream port", "p2pmem 64 MiB", "published", "iommu group");
    }

    @Test
    void aTopologyWrittenAsYamlAndEditedGivesTheEditedVerdict(@TempDir Path tmp) throws Exception {
        Cli yaml = Cli.run("topo", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "--format", "yaml");
        assertThat(yaml.status()).as(yaml.err()).isZero();
        Path file = tmp.resolve("machine.yaml");
        Files.writeString(file, yaml.out());
        Cli before = Cli.run("explain", "--topology", file.toString(), "01:00.0", "01:00.1");
        assertThat(before.status()).as(before.err()).isZero();
        assertThat(before.out()).contains("NOT_SUPPORTED, distance 2");
        // clear RR and CR on the root port by hand, as a user would
        String edited = yaml.out().replaceFirst("ctrl: \"0x001d\"", "ctrl: \"0x0011\"");
        assertThat(edited).isNotEqualTo(yaml.out());
        Files.writeString(file, edited);
        Cli after = Cli.run("explain", "--topology", file.toString(), "01:00.0", "01:00.1");
        assertThat(after.status()).as(after.err()).isZero();
        assertThat(after.out()).contains("BUS_ADDR, distance 2");
    }

    @Test
    void jsonTopologyReadsBackToTheSameMatrix(@TempDir Path tmp) throws Exception {
        String cap = Cli.conformance("sw2-iommu_on-cpu_amd");
        Cli json = Cli.run("topo", "--sysfs", cap, "--format", "json");
        assertThat(json.status()).as(json.err()).isZero();
        Path file = tmp.resolve("machine.json");
        Files.writeString(file, json.out());
        Cli direct = Cli.run("matrix", "--sysfs", cap, "--format", "json");
        Cli viaFile = Cli.run("matrix", "--topology", file.toString(), "--format", "json");
        assertThat(direct.status()).as(direct.err()).isZero();
        assertThat(viaFile.status()).as(viaFile.err()).isZero();
        JsonNode pairs = JSON.readTree(direct.out()).get("pairs");
        assertThat(pairs.size()).as("sw2 has 4 endpoints").isEqualTo(16);
        assertThat(JSON.readTree(viaFile.out()).get("pairs").toString()).isEqualTo(pairs.toString());
    }

    @Test
    void hwlocAndLspciInputsWork() {
        Cli h = Cli.run("matrix", "--hwloc", Cli.shared().resolve("real-machines/hwloc/nvidiaDGX2.xml").toString());
        assertThat(h.status()).as(h.err()).isZero();
        assertThat(h.out()).contains("ACS unknown on", "assumed no redirect");
        Cli l = Cli.run("topo", "--lspci", Cli.shared().resolve("real-machines/lspci/tree-asus-p6t6").toString());
        assertThat(l.status()).as(l.err()).isZero();
        assertThat(l.out()).contains("root port");
    }
}
