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

/** The selection flags of matrix and report: --provider, --client, --class, and what they refuse. */
class MatrixSelectionTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Endpoints 00:1f.2 (SATA), 00:1f.3 (SMBus), 03:00.0 and 04:00.0 (NVMe) behind a switch. */
    private static final String SW = Cli.conformance("sw-iommu_on-cpu_intel");

    private static List<String> pairs(Cli r) {
        assertThat(r.status()).as(r.err()).isZero();
        List<String> out = new ArrayList<>();
        for (JsonNode p : JSON.readTree(r.out()).get("pairs")) {
            out.add(p.get("provider").asString() + ">" + p.get("client").asString());
        }
        return out;
    }

    @Test
    void providerFlagsSelectTheRowsInShortOrFullFormAndCommaSeparated() {
        assertThat(pairs(Cli.run("matrix", "--sysfs", SW, "--format", "json", "--provider", "03:00.0,0000:00:1f.2"))).containsExactly(
                "0000:00:1f.2>0000:00:1f.2", "0000:00:1f.2>0000:00:1f.3", "0000:00:1f.2>0000:03:00.0", "0000:00:1f.2>0000:04:00.0",
                "0000:03:00.0>0000:00:1f.2", "0000:03:00.0>0000:00:1f.3", "0000:03:00.0>0000:03:00.0", "0000:03:00.0>0000:04:00.0");
    }

    @Test
    void clientFlagsAreRepeatableAndSelectTheColumns() {
        assertThat(pairs(Cli.run("matrix", "--sysfs", SW, "--format", "json", "--client", "04:00.0", "--client", "00:1f.3"))).containsExactly(
                "0000:00:1f.2>0000:00:1f.3", "0000:00:1f.2>0000:04:00.0", "0000:00:1f.3>0000:00:1f.3", "0000:00:1f.3>0000:04:00.0",
                "0000:03:00.0>0000:00:1f.3", "0000:03:00.0>0000:04:00.0", "0000:04:00.0>0000:00:1f.3", "0000:04:00.0>0000:04:00.0");
    }

    @Test
    void classAloneRestrictsBothProvidersAndClients() {
        assertThat(pairs(Cli.run("matrix", "--sysfs", SW, "--format", "json", "--class", "nvme"))).containsExactly(
                "0000:03:00.0>0000:03:00.0", "0000:03:00.0>0000:04:00.0", "0000:04:00.0>0000:03:00.0", "0000:04:00.0>0000:04:00.0");
        assertThat(pairs(Cli.run("matrix", "--sysfs", SW, "--format", "json", "--class", "storage"))).hasSize(9);
    }

    @Test
    void classWithProviderRestrictsOnlyTheClients() {
        assertThat(pairs(Cli.run("matrix", "--sysfs", SW, "--format", "json", "--provider", "00:1f.3", "--class", "nvme")))
                .containsExactly("0000:00:1f.3>0000:03:00.0", "0000:00:1f.3>0000:04:00.0");
    }

    @Test
    void theJsonRecordsTheSelection() {
        Cli r = Cli.run("matrix", "--sysfs", SW, "--format", "json", "--provider", "03:00.0", "--class", "nvme");
        JsonNode sel = JSON.readTree(r.out()).get("selection");
        assertThat(sel.get("providers").toString()).isEqualTo("[\"0000:03:00.0\"]");
        assertThat(sel.get("clients").toString()).isEqualTo("[]");
        assertThat(sel.get("classes").toString()).isEqualTo("[\"nvme\"]");
        assertThat(sel.get("rows").asInt()).isEqualTo(1);
        assertThat(sel.get("columns").asInt()).isEqualTo(2);
    }

    @Test
    void theTextGridShowsOnlyTheSelection() {
        Cli r = Cli.run("matrix", "--sysfs", SW, "--class", "nvme");
        assertThat(r.status()).as(r.err()).isZero();
        String grid = r.out().substring(r.out().indexOf("provider\\client"), r.out().indexOf("Legend"));
        assertThat(grid).contains("03:00.0", "04:00.0").doesNotContain("1f.2", "1f.3");
    }

    @Test
    void anUnknownAddressIsAUsageErrorNamingIt() {
        Cli r = Cli.run("matrix", "--sysfs", SW, "--provider", "05:00.0");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).startsWith("p2pdma: ").contains("--provider", "0000:05:00.0").doesNotContain("\n", "Exception");
        Cli bad = Cli.run("matrix", "--sysfs", SW, "--client", "zz:00.0");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err().strip()).startsWith("p2pdma: ").contains("--client", "zz:00.0").doesNotContain("\n");
    }

    @Test
    void aBridgeIsNotInTheMatrixAndSaysSo() {
        Cli r = Cli.run("matrix", "--sysfs", SW, "--client", "02:00.0");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("p2pdma: ").contains("0000:02:00.0", "bridge").doesNotContain("\n");
    }

    @Test
    void anUnknownClassIsAUsageErrorListingTheKnownOnes() {
        Cli r = Cli.run("matrix", "--sysfs", SW, "--class", "toaster");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).startsWith("p2pdma: ").contains("--class", "toaster", "nvme", "gpu").doesNotContain("\n");
    }

    @Test
    void aClassWithNoFunctionOnTheMachineIsAUsageError() {
        Cli r = Cli.run("matrix", "--sysfs", SW, "--class", "gpu");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("p2pdma: ").contains("--class gpu").doesNotContain("\n");
    }

    @Test
    void theReportTakesTheSelectionAsTheFunctionsOfItsMatrix(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("r.html");
        Cli r = Cli.run("report", "--sysfs", SW, "--class", "nvme", "-o", out.toString());
        assertThat(r.status()).as(r.err()).isZero();
        String html = Files.readString(out);
        String table = html.substring(html.indexOf("<table class=\"matrix\""), html.indexOf("</table>"));
        assertThat(table).contains("data-p=\"0000:03:00.0\"", "data-c=\"0000:04:00.0\"").doesNotContain("0000:00:1f.2");
        Cli bad = Cli.run("report", "--sysfs", SW, "--provider", "09:00.0", "-o", out.toString());
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err().strip()).contains("--provider", "0000:09:00.0").doesNotContain("\n");
    }
}
