package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code capture -o} writes: only a new name or a regular file, replaced in one step; a
 * link, device, FIFO or folder is refused before the machine is read and left as it was; {@code -o -}
 * is the tarball on standard output.
 */
class CaptureOutputTest {

    /** A folder for outputs and the captured machine. */
    @TempDir
    Path tmp;

    /** An extracted conformance capture to capture again. */
    private Path machine;

    /** Folder the outputs go to (nothing else in it). */
    private Path outputs;

    @BeforeEach
    void extractAMachine() throws Exception {
        machine = tmp.resolve("machine");
        CaptureCommandTest.extract(Path.of(Cli.conformance("sw-iommu_on-cpu_intel")), machine);
        outputs = Files.createDirectories(tmp.resolve("out"));
    }

    /**
     * A run with standard output as bytes.
     *
     * @param status      exit status
     * @param stdoutBytes what went to standard output as bytes
     * @param out         text on standard output
     * @param err         standard error
     */
    private record BinaryRun(int status, byte[] stdoutBytes, String out, String err) {
    }

    private static BinaryRun runWith(OutputStream stdoutBytes, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(args, new PrintWriter(out), new PrintWriter(err), stdoutBytes);
        byte[] bytes = stdoutBytes instanceof ByteArrayOutputStream b ? b.toByteArray() : new byte[0];
        return new BinaryRun(rc, bytes, out.toString(), err.toString());
    }

    private Cli capture(Path output) {
        return Cli.run("capture", "--root", machine.toString(), "-o", output.toString());
    }

    private static void assertRefused(Cli r, Path output, String kind) {
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("p2pdma: -o " + output).contains(kind).doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    private List<String> outputFolder() throws IOException {
        try (Stream<Path> s = Files.list(outputs)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static BasicFileAttributes kind(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static String matrixJsonPairs(String sysfs) {
        String json = Cli.run("matrix", "--sysfs", sysfs, "--format", "json").out();
        return json.substring(json.indexOf("\"pairs\""));
    }

    @Test
    void captureRefusesAFifoAsOutputAndLeavesItAFifo() throws Exception {
        Path fifo = outputs.resolve("pipe");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
        assertRefused(capture(fifo), fifo, "FIFO");
        assertThat(kind(fifo).isOther()).isTrue();
        assertThat(outputFolder()).containsExactly("pipe");
    }

    @Test
    void captureRefusesADeviceNodeAsOutputAndLeavesTheDevice() throws Exception {
        Path devNull = Path.of("/dev/null");
        assertRefused(capture(devNull), devNull, "character device");
        assertThat(kind(devNull).isOther()).isTrue();
        assertThat((Integer) Files.getAttribute(devNull, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000).isEqualTo(0020000);
    }

    @Test
    void captureRefusesASymbolicLinkEvenToARegularFileAndChangesNeither() throws Exception {
        Path target = outputs.resolve("real.tar.gz");
        Files.writeString(target, "keep me");
        Path link = Files.createSymbolicLink(outputs.resolve("link.tar.gz"), Path.of("real.tar.gz"));
        assertRefused(capture(link), link, "symbolic link");
        assertThat(kind(link).isSymbolicLink()).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("real.tar.gz"));
        assertThat(Files.readString(target)).isEqualTo("keep me");
        assertThat(outputFolder()).containsExactly("link.tar.gz", "real.tar.gz");
    }

    @Test
    void captureRefusesAFolderAsOutput() throws Exception {
        Path dir = Files.createDirectories(outputs.resolve("dir.tar.gz"));
        assertRefused(capture(dir), dir, "directory");
        assertThat(kind(dir).isDirectory()).isTrue();
        assertThat(outputFolder()).containsExactly("dir.tar.gz");
    }

    @Test
    void captureChecksTheOutputBeforeReadingTheMachine() throws Exception {
        Path fifo = outputs.resolve("pipe");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
        Cli r = Cli.run("capture", "--root", tmp.resolve("no-such-machine").toString(), "-o", fifo.toString());
        assertRefused(r, fifo, "FIFO");
    }

    @Test
    void captureReplacesARegularFileAndWritesANewName() throws Exception {
        Path old = outputs.resolve("old.tar.gz");
        Files.writeString(old, "an older capture");
        Cli replaced = capture(old);
        assertThat(replaced.status()).as(replaced.err()).isZero();
        assertThat(replaced.out()).startsWith("wrote " + old + ": ");
        Path fresh = outputs.resolve("new.tar.gz");
        Cli created = capture(fresh);
        assertThat(created.status()).as(created.err()).isZero();
        assertThat(kind(old).isRegularFile()).isTrue();
        assertThat(matrixJsonPairs(old.toString())).isEqualTo(matrixJsonPairs(Cli.conformance("sw-iommu_on-cpu_intel")));
        assertThat(Files.readAllBytes(fresh)).isNotEmpty();
        assertThat(outputFolder()).containsExactly("new.tar.gz", "old.tar.gz");
    }

    @Test
    void captureToAMissingFolderIsABadPathAndWritesNothing() throws Exception {
        Path out = outputs.resolve("no/such/folder/c.tar.gz");
        Cli r = capture(out);
        assertRefused(r, out, "does not exist");
        assertThat(outputFolder()).isEmpty();
    }

    @Test
    void aFailedCaptureLeavesNoTemporaryFileAndKeepsTheOldOutput() throws Exception {
        Path old = outputs.resolve("old.tar.gz");
        Files.writeString(old, "an older capture");
        Files.delete(machine.resolve("sys/bus/pci/devices/0000:00:04.0"));
        Files.createSymbolicLink(machine.resolve("sys/bus/pci/devices/0000:00:04.0"), Path.of("../../../../../../etc"));
        Cli r = capture(old);
        assertThat(r.status()).as(r.err()).isEqualTo(2);
        assertThat(Files.readString(old)).isEqualTo("an older capture");
        assertThat(outputFolder()).containsExactly("old.tar.gz");
    }

    @Test
    void captureToDashWritesTheTarballToStandardOutputAndTheSummaryToStandardError() throws Exception {
        BinaryRun r = runWith(new ByteArrayOutputStream(), "capture", "--root", machine.toString(), "-o", "-");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("wrote standard output: ").contains("PCI functions");
        Path written = outputs.resolve("from-stdout.tar.gz");
        Files.write(written, r.stdoutBytes());
        assertThat(matrixJsonPairs(written.toString())).isEqualTo(matrixJsonPairs(Cli.conformance("sw-iommu_on-cpu_intel")));
        assertThat(Path.of("-")).doesNotExist();
    }

    @Test
    void aWriteErrorOnStandardOutputIsOneLineWithStatus1() {
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        BinaryRun r = runWith(full, "capture", "--root", machine.toString(), "-o", "-");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("p2pdma: -o -: cannot write to standard output: No space left on device" + System.lineSeparator());
    }
}
