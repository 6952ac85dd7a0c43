package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A PCI address written with non-ASCII digits ({@code ١٢:00.0}) is not an address, on the command line or in a file. */
class AddressDigitsTest {

    /** "12:00.0" in Arabic-Indic digits. */
    private static final String ARABIC_12 = "\u0661\u0662:00.0";

    @Test
    void explainRefusesAnAddressInArabicIndicDigits() {
        String cap = Cli.conformance("sw-iommu_on-cpu_intel");
        Cli r = Cli.run("explain", "--sysfs", cap, ARABIC_12, "04:00.0");
        assertThat(r.status()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("p2pdma: not a PCI address: '" + ARABIC_12 + "'");
    }

    @Test
    void aTopologyFileRefusesAnAddressInArabicIndicDigits(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("m.yaml");
        Files.writeString(file, """
                format: p2pdma-topology/1
                host_bridges:
                  - name: pci0000:00
                    devices:
                      - {address: "0000:00:%s.0", id: "8086:29c0", class: "0x060000"}
                """.formatted("\u0660\u0660"));
        Cli r = Cli.run("matrix", "--topology", file.toString());
        assertThat(r.status()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("p2pdma: malformed PCI address").contains("m.yaml line 5");
    }
}
