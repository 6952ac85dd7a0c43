package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code p2pdma capture}: a machine written in the conformance format analyses like the original. */
class CaptureCommandTest {

    /** Extracts a conformance capture into {@code dir}, links included. */
    static void extract(Path tarGz, Path dir) throws Exception {
        try (InputStream in = Files.newInputStream(tarGz); TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path p = dir.resolve(e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                } else if (e.isSymbolicLink()) {
                    Files.createDirectories(p.getParent());
                    Files.createSymbolicLink(p, Path.of(e.getLinkName()));
                } else {
                    Files.createDirectories(p.getParent());
                    Files.copy(tar, p);
                }
            }
        }
    }

    @Test
    void aCaptureOfACapturedMachineGivesTheSameMatrixAndNoBarFiles(@TempDir Path tmp) throws Exception {
        String original = Cli.conformance("sw2-iommu_on-cpu_intel");
        Path root = tmp.resolve("machine");
        extract(Path.of(original), root);
        Files.writeString(root.resolve("sys/devices/pci0000:00/0000:00:04.0/resource0"), "must never be copied");
        Path out = tmp.resolve("again.tar.gz");
        Cli cap = Cli.run("capture", "--root", root.toString(), "-o", out.toString());
        assertThat(cap.status()).as(cap.err()).isZero();
        assertThat(cap.out()).contains("wrote", "PCI functions");
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(out); TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                names.add(e.getName());
            }
        }
        assertThat(names).noneMatch(n -> n.startsWith("/") || n.startsWith("./") || n.matches(".*/resource\\d") || n.endsWith("p2pmem/allocate"));
        assertThat(names).contains("sys/bus/pci/devices/0000:00:04.0", "proc/cmdline");
        String a = Cli.run("matrix", "--sysfs", original, "--format", "json").out();
        String b = Cli.run("matrix", "--sysfs", out.toString(), "--format", "json").out();
        assertThat(b.substring(b.indexOf("\"pairs\""))).isEqualTo(a.substring(a.indexOf("\"pairs\"")));
    }

    @Test
    void captureNeedsAnOutputFile() {
        Cli r = Cli.run("capture");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--output");
    }
}
