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
        assertRefused("/sys/p2pdma-test.html", "cannot create a file in /sys", "permission denied");
    }

    @Test
    void aFifoAsOutputIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("pipe");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertRefused(fifo.toString(), "is a FIFO");
        assertThat(Files.isRegularFile(fifo)).isFalse();
    }

    @Test
    void aDeviceNodeAsOutputIsRefusedAndLeftAsItIs() throws Exception {
        assertRefused("/dev/null", "is a character device");
        assertThat(Files.isRegularFile(Path.of("/dev/null"))).isFalse();
    }

    @Test
    void aSymbolicLinkAsOutputIsNeitherFollowedNorReplaced() throws Exception {
        Path target = tmp.resolve("target.html");
        Files.writeString(target, "keep");
        Path link = Files.createSymbolicLink(tmp.resolve("link.html"), target);
        assertRefused(link.toString(), "symbolic link");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(target)).isEqualTo("keep");
    }

    @Test
    void anExistingRegularFileIsReplacedAndNoTemporaryFileIsLeft() throws Exception {
        Path out = tmp.resolve("out.html");
        Files.writeString(out, "old");
        Cli r = Cli.run("report", "--topology", topology().toString(), "-o", out.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(Files.readString(out)).startsWith("<!DOCTYPE html>");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("m.yaml", "out.html");
        }
    }
}
