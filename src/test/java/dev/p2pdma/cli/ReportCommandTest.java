package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code p2pdma report} and {@code p2pdma topo --format svg}: files written, and one line with status 2 for every bad argument. */
class ReportCommandTest {

    /** The capture used. */
    private static final String CAPTURE = Cli.conformance("sw-iommu_on-cpu_intel");

    @Test
    void reportWritesOneSelfContainedPage(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("r.html");
        Cli r = Cli.run("report", "--sysfs", CAPTURE, "-o", out.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        String html = Files.readString(out);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("data-addr=\"0000:03:00.0\"", "id=\"p2pdma-data\"");
    }

    @Test
    void dashWritesThePageToStandardOutput() {
        Cli r = Cli.run("report", "--sysfs", CAPTURE, "-o", "-");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
    }

    @Test
    void topoDrawsTheTreeAsSvg(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("tree.svg");
        Cli r = Cli.run("topo", "--sysfs", CAPTURE, "--format", "svg", "-o", out.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(Files.readString(out)).startsWith("<?xml").contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", "data-addr=\"0000:04:00.0\"");
        Cli stdout = Cli.run("topo", "--sysfs", CAPTURE, "--format", "svg", "-o", "-");
        assertThat(stdout.out()).isEqualTo(Files.readString(out));
    }

    @Test
    void topoTextIsUnchangedWithoutOutputAndWrittenWithIt(@TempDir Path dir) throws IOException {
        Cli plain = Cli.run("topo", "--sysfs", CAPTURE);
        Path out = dir.resolve("tree.txt");
        Cli toFile = Cli.run("topo", "--sysfs", CAPTURE, "-o", out.toString());
        assertThat(toFile.status()).isZero();
        assertThat(Files.readString(out)).isEqualTo(plain.out());
    }

    @Test
    void aMissingOutputIsOneLineAndStatusTwo() {
        Cli report = Cli.run("report", "--sysfs", CAPTURE);
        assertThat(report.status()).isEqualTo(2);
        assertThat(report.err()).startsWith("p2pdma: Missing required option: '--output=FILE'");
        Cli svg = Cli.run("topo", "--sysfs", CAPTURE, "--format", "svg");
        assertThat(svg.status()).isEqualTo(2);
        assertThat(svg.err()).isEqualTo("p2pdma: --format svg needs -o FILE (or -o - for standard output)\n");
    }

    @Test
    void aBadOutputPathIsOneLineNamingItAndStatusTwo(@TempDir Path dir) {
        Path noDir = dir.resolve("missing").resolve("r.html");
        Cli r = Cli.run("report", "--sysfs", CAPTURE, "-o", noDir.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("p2pdma: -o " + noDir + ": directory " + noDir.getParent() + " does not exist\n");
        Cli isDir = Cli.run("topo", "--sysfs", CAPTURE, "--format", "svg", "-o", dir.toString());
        assertThat(isDir.status()).isEqualTo(2);
        assertThat(isDir.err()).isEqualTo("p2pdma: -o " + dir + ": is a directory, not a file\n");
        Cli empty = Cli.run("report", "--sysfs", CAPTURE, "-o", "");
        assertThat(empty.status()).isEqualTo(2);
        assertThat(empty.err()).isEqualTo("p2pdma: -o needs a file name (or - for standard output)\n");
    }

    @Test
    void aBadPciIdsFileIsOneLineNamingFileAndLineAndStatusTwo(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.ids");
        Files.writeString(bad, "8086  Intel Corporation\n\tnot-a-device\n");
        Cli r = Cli.run("report", "--sysfs", CAPTURE, "--pci-ids", bad.toString(), "-o", dir.resolve("r.html").toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("p2pdma: " + bad + ":2: malformed pci.ids line").hasLineCount(1);
        Cli missing = Cli.run("topo", "--sysfs", CAPTURE, "--format", "svg", "--pci-ids", dir.resolve("none").toString(), "-o", "-");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("p2pdma: " + dir.resolve("none") + ": no such pci.ids file\n");
        assertThat(Files.exists(dir.resolve("r.html"))).as("nothing written on error").isFalse();
    }

    @Test
    void aBadInputIsTheImportersOneLineAndStatusTwo(@TempDir Path dir) {
        Cli r = Cli.run("report", "--sysfs", dir.resolve("nothing.tar.gz").toString(), "-o", dir.resolve("r.html").toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("p2pdma: ").hasLineCount(1).doesNotContain("Exception");
    }
}
