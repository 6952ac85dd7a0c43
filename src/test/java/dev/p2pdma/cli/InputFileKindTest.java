package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An input path that exists but is not a regular file (a FIFO, a character device) is named for
 * what it is, never as "no such file", and a FIFO is never opened (opening one without a writer
 * would block).
 */
class InputFileKindTest {

    /** A guard against a hang, not a timing assertion: opening a FIFO without a writer blocks forever. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    /** Every way to name an input file, as the arguments before the path. */
    private static final List<List<String>> INPUT_FLAGS = List.of(
            List.of("matrix", "--lspci"), List.of("matrix", "--hwloc"), List.of("matrix", "--topology"), List.of("matrix", "--sysfs"),
            List.of("map", "--scenario"),
            List.of("topo", "--sysfs", Cli.conformance("rc-iommu_off-cpu_amd"), "--format", "svg", "-o", "-", "--pci-ids"));

    private static void assertNamed(Path input, String kind) {
        for (List<String> flags : INPUT_FLAGS) {
            String[] args = new String[flags.size() + 1];
            flags.toArray(args);
            args[flags.size()] = input.toString();
            Cli r = assertTimeoutPreemptively(HANG_GUARD, () -> Cli.run(args));
            assertThat(r.status()).as(flags + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().lines().count()).as(flags + ": " + r.err()).isEqualTo(1);
            assertThat(r.err()).as(flags.toString()).startsWith("p2pdma: " + input).contains(kind)
                    .doesNotContain("no such file", "Exception");
        }
    }

    @Test
    void aFifoGivenAsAnInputFileIsNamedAsAFifoWithoutBeingOpened(@TempDir Path tmp) throws Exception {
        Path fifo = tmp.resolve("input.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mk.waitFor()).isZero();
        assertThat(Files.exists(fifo)).isTrue();
        assertNamed(fifo, "is a FIFO, not a ");
    }

    @Test
    void aCharacterDeviceGivenAsAnInputFileIsNamedAsOne() {
        assertNamed(Path.of("/dev/urandom"), "is a character device, not a ");
        assertNamed(Path.of("/dev/null"), "is a character device, not a ");
    }
}
