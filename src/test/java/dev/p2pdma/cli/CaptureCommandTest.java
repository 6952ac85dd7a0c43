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

    private static List<String> members(Path tarGz) throws Exception {
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(tarGz); TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                names.add(e.getName());
            }
        }
        return names;
    }

    /** Capture format (docs/capture-format.md): the DMI strings and proc/config.gz are written when the machine has them. */
    @Test
    void aCaptureHoldsTheDmiStringsAndProcConfigGzButNoSerialNumbers(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("machine");
        extract(Path.of(Cli.conformance("rp-iommu_on-cpu_intel")), root);
        Path dmi = root.resolve("sys/devices/virtual/dmi/id");
        Files.createDirectories(dmi);
        Files.writeString(dmi.resolve("sys_vendor"), "QEMU\n");
        Files.writeString(dmi.resolve("product_name"), "Standard PC (Q35 + ICH9, 2009)\n");
        Files.writeString(dmi.resolve("product_serial"), "must never be copied\n");
        Files.createDirectories(root.resolve("sys/class/dmi"));
        Files.createSymbolicLink(root.resolve("sys/class/dmi/id"), Path.of("../../devices/virtual/dmi/id"));
        try (java.io.OutputStream gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(root.resolve("proc/config.gz")))) {
            gz.write("CONFIG_PCI=y\n# CONFIG_PCI_P2PDMA is not set\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path out = tmp.resolve("c.tar.gz");
        Cli cap = Cli.run("capture", "--root", root.toString(), "-o", out.toString());
        assertThat(cap.status()).as(cap.err()).isZero();
        assertThat(members(out)).contains("sys/class/dmi/id/sys_vendor", "sys/class/dmi/id/product_name", "proc/config.gz")
                .noneMatch(n -> n.contains("serial") || n.startsWith("boot/"));
        Cli topo = Cli.run("topo", "--sysfs", out.toString());
        assertThat(topo.out()).contains("DMI sys_vendor \"QEMU\" (QEMU)", "note:   kernel built without CONFIG_PCI_P2PDMA (proc/config.gz)");
    }

    /** Capture format: without proc/config.gz, /boot/config-<release> is written as boot/config. */
    @Test
    void aCaptureWritesTheBootConfigOfTheRunningReleaseAsBootConfig(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("machine");
        extract(Path.of(Cli.conformance("rp-iommu_on-cpu_intel")), root);
        Files.createDirectories(root.resolve("boot"));
        Files.writeString(root.resolve("boot/config-6.12.117"), "CONFIG_PCI=y\nCONFIG_PCI_P2PDMA=y\n");
        Files.writeString(root.resolve("boot/config-6.1.0"), "# CONFIG_PCI_P2PDMA is not set\n");
        Path out = tmp.resolve("c.tar.gz");
        assertThat(Cli.run("capture", "--root", root.toString(), "-o", out.toString()).status()).isZero();
        assertThat(members(out)).contains("boot/config").noneMatch(n -> n.startsWith("boot/config-") || n.equals("proc/config.gz"));
        String yaml = Cli.run("topo", "--sysfs", out.toString(), "--format", "yaml").out();
        assertThat(yaml).contains("kernel_config:\n    source: boot/config\n    pci_p2pdma: true");
    }

    /** Capture format: a capture made before the optional members existed still reads; nothing about them is claimed. */
    @Test
    void anOlderCaptureWithoutTheOptionalMembersStillReads() throws Exception {
        String old = Cli.conformance("rp-iommu_on-cpu_intel");
        assertThat(members(Path.of(old))).noneMatch(n -> n.startsWith("sys/class/dmi") || n.equals("proc/config.gz") || n.startsWith("boot/"));
        dev.p2pdma.pci.PlatformFacts p = dev.p2pdma.pci.io.Importers.sysfs(Path.of(old)).machine().platform();
        assertThat(p.kernelConfig()).isEmpty();
        assertThat(p.dmi()).isEmpty();
        assertThat(p.cpuHypervisorFlag()).contains(true);
        Cli r = Cli.run("matrix", "--sysfs", old);
        assertThat(r.status()).isZero();
        assertThat(r.out()).doesNotContain("CONFIG_PCI_P2PDMA").contains("BUS0");
    }

    @Test
    void captureNeedsAnOutputFile() {
        Cli r = Cli.run("capture");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--output");
    }
}
