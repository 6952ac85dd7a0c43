package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CPU family is a number the x86 CPUID can give (0 to 0x10e: base family plus extended family):
 * negative or larger families are refused with one line naming where they came from, and the
 * value is quoted as written (never "0x-6").
 */
class CpuFamilyTest {

    @TempDir
    Path tmp;

    private Cli withFamily(String family) throws Exception {
        Path file = tmp.resolve("m.yaml");
        Files.writeString(file, """
                format: p2pdma-topology/1
                machine:
                  cpu:
                    vendor: GenuineIntel
                    family: %s
                host_bridges:
                  - name: pci0000:00
                    devices:
                      - {address: "0000:00:00.0", id: "8086:29c0", class: "0x060000"}
                """.formatted(family));
        return Cli.run("matrix", "--topology", file.toString());
    }

    private void assertRefused(Cli r, String... mentions) {
        assertThat(r.status()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("p2pdma: ").contains(mentions).doesNotContain("Exception");
    }

    @Test
    void aNegativeFamilyInATopologyFileIsRefusedAsWritten() throws Exception {
        Cli r = withFamily("-6");
        assertRefused(r, "field 'family' of machine cpu", "got -6", "m.yaml line 5");
        assertThat(r.err()).doesNotContain("0x-");
    }

    @Test
    void aFamilyNoCpuCanHaveIsRefused() throws Exception {
        assertRefused(withFamily("\"0x10f\""), "field 'family' of machine cpu", "0x0..0x10e", "got 0x10f", "m.yaml line 5");
        assertThat(withFamily("\"0x19\"").status()).isZero();
        assertThat(withFamily("\"0x10e\"").status()).isZero();
    }

    @Test
    void aNegativeOrImpossibleFamilyOnTheCommandLineIsRefused() {
        String cap = Cli.conformance("rc-iommu_off-cpu_amd");
        assertRefused(Cli.run("matrix", "--sysfs", cap, "--cpu", "intel:-6"), "--cpu", "intel:-6");
        assertRefused(Cli.run("matrix", "--sysfs", cap, "--cpu", "intel:0x-6"), "--cpu", "intel:0x-6");
        assertRefused(Cli.run("matrix", "--sysfs", cap, "--cpu", "amd:0x7fffffff"), "--cpu", "amd:0x7fffffff");
        assertThat(Cli.run("matrix", "--sysfs", cap, "--cpu", "amd:0x19").status()).isZero();
    }
}
