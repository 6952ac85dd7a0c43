package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.io.TopologyFileWriter;
import dev.p2pdma.testing.WideHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What the matrix prints besides the grid: the summary line, device names in row labels, the JSON format field. */
class MatrixOutputTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** AMD Zen: host-bridge pairs are allowed, so all three counts are non-trivial across captures. */
    private static final String CASE = "sw-iommu_on-cpu_amd";

    private static Path testIds(Path dir) throws Exception {
        Path ids = dir.resolve("test-pci.ids");
        try (var in = MatrixOutputTest.class.getResourceAsStream("/dev/p2pdma/report/test-pci.ids")) {
            Files.write(ids, in.readAllBytes());
        }
        return ids;
    }

    @Test
    void theSummaryLineCountsEveryMapTypeAsTheKernelDoes() throws Exception {
        JsonNode expected = JSON.readTree(Cli.shared().resolve("conformance").resolve(CASE).resolve("expected.json").toFile());
        int bus = 0;
        int hb = 0;
        int no = 0;
        for (JsonNode p : expected.get("calc")) {
            switch (p.get("map_type").asString()) {
                case "BUS_ADDR" -> bus++;
                case "THRU_HOST_BRIDGE" -> hb++;
                default -> no++;
            }
        }
        assertThat(bus + hb + no).isPositive();
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance(CASE));
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("\npairs: " + (bus + hb + no) + " (BUS " + bus + ", HB " + hb + ", NO " + no + ")\n");
    }

    @Test
    void theSummaryLineCountsOnlyTheSelection() {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "--provider", "01:00.0");
        assertThat(r.out()).contains("\npairs: 4 (BUS 1, HB 0, NO 3)\n");
    }

    @Test
    void rowLabelsCarryDeviceNamesWhenTheTerminalIsWideEnough(@TempDir Path tmp) throws Exception {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance(CASE), "--pci-ids", testIds(tmp).toString(), "--width", "200");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("\n03:00.0  Red Hat, Inc. QEMU NVM Express Controller <&\"x'>  ");
        String header = r.out().lines().filter(l -> l.startsWith("provider\\client")).findFirst().orElseThrow();
        assertThat(header).doesNotContain("Red Hat");
    }

    @Test
    void deviceNamesFromAHostilePciIdsFileAreEscapedInRowLabels(@TempDir Path tmp) throws Exception {
        Path ids = testIds(tmp);
        Files.writeString(ids, Files.readString(ids).replace("QEMU NVM Express Controller", "QEMU\u001b]0;pwned\u0007 NVMe\u202e"));
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance(CASE), "--pci-ids", ids.toString(), "--width", "300");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("QEMU\\x1b]0;pwned\\x07 NVMe\\u202e").doesNotContain("\u001b").doesNotContain("\u202e");
    }

    @Test
    void rowLabelsAreAddressesOnlyWhenNamesDoNotFit(@TempDir Path tmp) throws Exception {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance(CASE), "--pci-ids", testIds(tmp).toString(), "--width", "80");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("Red Hat").contains("\n03:00.0  ");
    }

    @Test
    void aGridWiderThanTwoHundredClientsIsNotDrawnButSummarisedUnlessForced(@TempDir Path tmp) throws Exception {
        Path wide = tmp.resolve("wide.json");
        TopologyFileWriter.write(WideHost.build(300), wide);
        Cli r = Cli.run("matrix", "--topology", wide.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("provider\\client").contains("grid not drawn: 300 clients are more than 200 columns",
                "\npairs: 90,000 (BUS 300, HB 0, NO 89,700)\n", "Why not:");
        Cli narrow = Cli.run("matrix", "--topology", wide.toString(), "--client", "00:00.0,00:00.1");
        assertThat(narrow.out()).contains("provider\\client", "\npairs: 600 (BUS 2, HB 0, NO 598)\n");
        Cli forced = Cli.run("matrix", "--topology", wide.toString(), "--force");
        assertThat(forced.out()).contains("provider\\client").doesNotContain("grid not drawn");
        assertThat(forced.out().lines().filter(l -> l.startsWith("00:") || l.startsWith("01:")).count()).isEqualTo(300);
    }

    @Test
    void aBadWidthIsAUsageError() {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance(CASE), "--width", "0");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("p2pdma: ").contains("--width").doesNotContain("\n");
    }

    @Test
    void matrixJsonStartsWithItsFormatVersion() {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance(CASE), "--format", "json");
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.propertyNames().iterator().next()).isEqualTo("format");
        assertThat(doc.get("format").asString()).isEqualTo("p2pdma-matrix/1");
    }

    @Test
    void explainJsonStartsWithItsFormatVersion() {
        Cli r = Cli.run("explain", "--sysfs", Cli.conformance(CASE), "03:00.0", "04:00.0", "--format", "json");
        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.propertyNames().iterator().next()).isEqualTo("format");
        assertThat(doc.get("format").asString()).isEqualTo("p2pdma-explain/1");
    }
}
