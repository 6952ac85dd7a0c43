package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    void everyNotSupportedPairInTheJsonCarriesTheKernelsReason() throws Exception {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "--format", "json");
        JsonNode doc = JSON.readTree(r.out());
        for (JsonNode p : doc.get("pairs")) {
            if (p.get("map_type").asString().equals("NOT_SUPPORTED")) {
                assertThat(p.get("reasons").toString()).contains("cannot be used for peer-to-peer DMA");
            }
        }
    }

    @Test
    void textMatrixShowsTheGridTheLegendAndWhyNot() {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"));
        assertThat(r.status()).isZero();
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
        assertThat(r.out()).contains("pci_p2pdma_distance_many(0000:03:00.0, 2 clients) = 4");
        Cli no = Cli.run("explain", "--sysfs", Cli.conformance("sw-iommu_off-cpu_intel"), "03:00.0", "04:00.0", "00:1f.2");
        assertThat(no.out()).contains("= -1 (at least one client cannot use this provider)");
    }

    @Test
    void kernelParamWhatIfTurnsTheRedirectedPairIntoBusAddress() {
        Cli r = Cli.run("explain", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "--kernel-param", "pci=disable_acs_redir=0000:00:04.0",
                "01:00.0", "01:00.1");
        assertThat(r.out()).contains("BUS_ADDR, distance 2", "boot:   pci 0000:00:04.0: Configured ACS to 0x0000", "[what-if]");
    }

    @Test
    void cpuFlagAppliesTheAmdZenRule() {
        Cli r = Cli.run("explain", "--sysfs", Cli.conformance("rp-iommu_off-cpu_intel"), "--cpu", "amd:0x19", "01:00.0", "02:00.0");
        assertThat(r.out()).contains("THRU_HOST_BRIDGE, distance 4");
    }

    @Test
    void topoShowsTheTreeWithAcsAndP2pmem() {
        Cli r = Cli.run("topo", "--sysfs", Cli.conformance("sw-iommu_on-cpu_intel"));
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("pci0000:00", "0000:00:04.0", "root port", "ACS ctrl 0x001d (SV RR CR UF) REDIRECT",
                "switch downstream port", "p2pmem 64 MiB", "published", "iommu group");
    }

    @Test
    void aTopologyWrittenAsYamlAndEditedGivesTheEditedVerdict(@TempDir Path tmp) throws Exception {
        Cli yaml = Cli.run("topo", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "--format", "yaml");
        assertThat(yaml.status()).as(yaml.err()).isZero();
        Path file = tmp.resolve("machine.yaml");
        Files.writeString(file, yaml.out());
        assertThat(Cli.run("explain", "--topology", file.toString(), "01:00.0", "01:00.1").out()).contains("NOT_SUPPORTED, distance 2");
        // clear RR and CR on the root port by hand, as a user would
        String edited = yaml.out().replaceFirst("ctrl: \"0x001d\"", "ctrl: \"0x0011\"");
        assertThat(edited).isNotEqualTo(yaml.out());
        Files.writeString(file, edited);
        assertThat(Cli.run("explain", "--topology", file.toString(), "01:00.0", "01:00.1").out()).contains("BUS_ADDR, distance 2");
    }

    @Test
    void jsonTopologyReadsBackToTheSameMatrix(@TempDir Path tmp) throws Exception {
        String cap = Cli.conformance("sw2-iommu_on-cpu_amd");
        Cli json = Cli.run("topo", "--sysfs", cap, "--format", "json");
        Path file = tmp.resolve("machine.json");
        Files.writeString(file, json.out());
        String direct = JSON.readTree(Cli.run("matrix", "--sysfs", cap, "--format", "json").out()).get("pairs").toString();
        String viaFile = JSON.readTree(Cli.run("matrix", "--topology", file.toString(), "--format", "json").out()).get("pairs").toString();
        assertThat(viaFile).isEqualTo(direct);
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
