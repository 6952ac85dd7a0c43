package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output file that cannot be written is refused with the reason the system gave (not a
 * directory, permission denied, no such directory), naming the option and the path. The cases
 * chosen refuse writes even to root, as the tests run in CI.
 */
class OutputLocationTest {

    @TempDir
    Path tmp;

    private Path topology() throws Exception {
        Path file = tmp.resolve("m.yaml");
        Files.writeString(file, """
                format: p2pdma-topology/1
                host_bridges:
                  - name: pci0000:00
                    devices:
                      - {address: "0000:00:00.0", id: "8086:29c0", class: "0x060000"}
                """);
        return file;
    }

    private void assertRefused(String output, String... reason) throws Exception {
        String t = topology().toString();
        for (Cli r : new Cli[] {Cli.run("report", "--topology", t, "-o", output),
                Cli.run("topo", "--topology", t, "--format", "svg", "-o", output)}) {
            assertThat(r.status()).as(r.err()).isEqualTo(2);
            assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).startsWith("p2pdma: -o " + output + ": ").contains(reason).doesNotContain("Exception");
        }
    }

    @Test
    void anOutputBelowARegularFileSaysItsFolderIsNotADirectory() throws Exception {
        Path file = tmp.resolve("plain.txt");
        Files.writeString(file, "x");
        assertRefused(file.resolve("x.html").toString(), file.toString(), "not a directory");
    }

    @Test
    void anOutputInAMissingFolderSaysTheFolderDoesNotExist() throws Exception {
        Path missing = tmp.resolve("nowhere");
        assertRefused(missing.resolve("x.html").toString(), "directory " + missing + " does not exist");
    }

    @Test
    void anOutputWhereTheSystemRefusesToCreateFilesSaysWhy() throws Exception {
        // sysfs refuses to create files even for root
        assertRefused("/sys/p2pdma-test.html", "cannot write", "permission denied");
    }
}
