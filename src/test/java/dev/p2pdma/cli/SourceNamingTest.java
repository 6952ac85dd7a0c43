package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source a command reports is the input it was given: a topology file is named beside the
 * capture it was made from, and no message ends in "in " with nothing after it.
 */
class SourceNamingTest {

    @TempDir
    Path tmp;

    private Path topology(String sourceLine) throws Exception {
        Path file = tmp.resolve("m.yaml");
        Files.writeString(file, """
                format: p2pdma-topology/1
                machine:
                %s
                host_bridges:
                  - name: pci0000:00
                    devices:
                      - {address: "0000:00:00.0", id: "8086:29c0", class: "0x060000"}
                      - {address: "0000:00:03.0", id: "8086:10d3", class: "0x020000"}
                """.formatted(sourceLine));
        return file;
    }

    @Test
    void aTopologyFileIsNamedBesideTheCaptureItWasMadeFrom() throws Exception {
        Path file = topology("  source: sysfs capture foo.tar.gz");
        for (String command : new String[] {"matrix", "topo", "groups"}) {
            Cli r = Cli.run(command, "--topology", file.toString());
            assertThat(r.status()).as(r.err()).isZero();
            assertThat(r.out().lines().findFirst().orElse("")).as(command)
                    .isEqualTo("source: " + file + " (made from sysfs capture foo.tar.gz)");
        }
        Cli explain = Cli.run("explain", "--topology", file.toString(), "00:00.0", "00:03.0");
        assertThat(explain.out()).startsWith("source: " + file + " (made from sysfs capture foo.tar.gz)\n");
    }

    @Test
    void aTopologyFileWithAnEmptyOrMissingSourceIsNamedByItsPath() throws Exception {
        for (String line : new String[] {"  source: \"\"", "  source: \"   \"", "  kernel: \"6.1\""}) {
            Path file = topology(line);
            Cli r = Cli.run("explain", "--topology", file.toString(), "00:00.0", "00:03.0");
            assertThat(r.status()).as(r.err()).isZero();
            assertThat(r.out().lines().findFirst().orElse("")).as(line).startsWith("source: " + file).doesNotContain("made from");
        }
    }

    @Test
    void anUnknownFunctionIsReportedInTheNamedInputNeverInNothing() throws Exception {
        Path file = topology("  source: \"\"");
        Cli r = Cli.run("explain", "--topology", file.toString(), "00:00.0", "00:07.0");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("p2pdma: no PCI function 0000:00:07.0 in " + file);
    }
}
