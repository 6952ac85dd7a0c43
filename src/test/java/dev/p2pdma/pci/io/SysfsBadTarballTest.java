package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile or broken tarballs give one-line ImportExceptions naming the tarball and the member;
 * nothing is read outside the archive.
 */
@Timeout(30)
class SysfsBadTarballTest {

    @TempDir
    Path tmp;

    /** Imports and returns the message, checking it is one line naming every fragment. */
    static String rejection(Path input, String... fragments) {
        return rejection(input, TarCaptureTree.DEFAULT_MAX_BYTES, fragments);
    }

    static String rejection(Path input, long maxBytes, String... fragments) {
        ImportException e = catchThrowableOfType(ImportException.class, () -> SysfsImporter.read(input, maxBytes));
        assertThat(e).as("import of %s fails", input).isNotNull();
        assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r");
        for (String f : fragments) {
            assertThat(e.getMessage()).contains(f);
        }
        return e.getMessage();
    }

    private Path tar(CaptureFixture f) throws IOException {
        return f.writeTarGz(tmp.resolve("capture.tar.gz"));
    }

    @Test
    void smallValidCaptureImports() throws Exception {
        assertThat(SysfsImporter.read(tar(CaptureFixture.small())).size()).isEqualTo(3);
    }

    @Test
    void tarballWithEscapingSymlinkIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/bus/pci/devices/0000:00:05.0", "../../../../../etc"));
        rejection(t, t.toString(), "sys/bus/pci/devices/0000:00:05.0", "outside the archive");
    }

    @Test
    void tarballWithSymlinkEscapingTheTopFolderIsRejectedNamingIt() throws Exception {
        CaptureFixture f = new CaptureFixture();
        for (CaptureFixture.Member m : CaptureFixture.small().members()) {
            f.members().add(new CaptureFixture.Member(m.kind(), "top/" + m.name(), m.content(), m.target()));
        }
        f.link("top/sys/bus/pci/devices/0000:00:05.0", "../../../../../other");
        Path t = tar(f);
        rejection(t, "top/sys/bus/pci/devices/0000:00:05.0", "outside the capture");
    }

    @Test
    void tarballWithAbsoluteSymlinkIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/devices/pci0000:00/0000:00:04.0/driver", "/sys/bus/pci/drivers/nvme"));
        rejection(t, t.toString(), "sys/devices/pci0000:00/0000:00:04.0/driver", "absolute target");
    }

    @Test
    void tarballMemberWithDotDotIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().file("sys/../../etc/passwd", "root:x:0:0\n"));
        rejection(t, t.toString(), "sys/../../etc/passwd", "'..'");
    }

    @Test
    void tarballMemberWithAbsoluteNameIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().file("/etc/passwd", "root:x:0:0\n"));
        rejection(t, "/etc/passwd", "absolute name");
    }

    @Test
    void truncatedGzipIsRejectedNamingTheFile() throws Exception {
        byte[] whole = Files.readAllBytes(CaptureFixture.shared().resolve("conformance/sw-iommu_on-cpu_amd/capture.tar.gz"));
        Path t = Files.write(tmp.resolve("cut.tar.gz"), Arrays.copyOf(whole, whole.length / 2));
        rejection(t, t.toString(), "truncated");
    }

    @Test
    void corruptGzipIsRejectedNamingTheFile() throws Exception {
        byte[] bytes = Files.readAllBytes(CaptureFixture.shared().resolve("conformance/sw-iommu_on-cpu_amd/capture.tar.gz"));
        for (int i = 100; i < 400; i++) {
            bytes[i] ^= 0x5a;
        }
        Path t = Files.write(tmp.resolve("corrupt.tar.gz"), bytes);
        rejection(t, t.toString());
    }

    @Test
    void textFileIsNotATarball() throws Exception {
        Path t = Files.writeString(tmp.resolve("notes.tar.gz"), "this is not a tarball\n");
        rejection(t, t.toString(), "not a sysfs capture");
    }

    @Test
    void emptyFileIsNotATarball() throws Exception {
        Path t = Files.write(tmp.resolve("empty.tgz"), new byte[0]);
        rejection(t, t.toString(), "not a sysfs capture");
    }

    @Test
    void gzipOfTextIsNotATarball() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bos)) {
            gz.write("plain text, compressed, but no tar inside\n".repeat(50).getBytes(StandardCharsets.UTF_8));
        }
        Path t = Files.write(tmp.resolve("text.tar.gz"), bos.toByteArray());
        rejection(t, t.toString());
    }

    @Test
    void xzTarballIsRejectedSayingSo() throws Exception {
        Path t = Files.write(tmp.resolve("capture.tar.xz"), new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 0});
        rejection(t, t.toString(), "xz");
    }

    @Test
    void missingPathIsRejectedNamingIt() {
        Path missing = tmp.resolve("no-such-capture.tar.gz");
        rejection(missing, missing.toString(), "no such file");
    }

    @Test
    void decompressionBombIsCutOffNamingTheFile() throws Exception {
        Path t = tar(CaptureFixture.small().file("sys/filler", new byte[3 << 20]));
        assertThat(Files.size(t)).isLessThan(64 << 10);
        rejection(t, 1 << 20, t.toString(), "uncompressed");
    }

    @Test
    void tarballWithoutSysIsRejected() throws Exception {
        Path t = tar(new CaptureFixture().file("proc/cpuinfo", "vendor_id : x\n"));
        rejection(t, t.toString(), "no sys/ directory");
    }

    @Test
    void tarballWithTwoTopFoldersIsRejected() throws Exception {
        Path t = tar(new CaptureFixture().dir("a/sys").dir("b/sys"));
        rejection(t, t.toString(), "no sys/ directory");
    }

    @Test
    void duplicateMemberIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/bus/pci/devices/0000:00:04.0", "../../../devices/pci0000:00/0000:00:04.0"));
        rejection(t, t.toString(), "sys/bus/pci/devices/0000:00:04.0", "appears twice");
    }

    @Test
    void oneFunctionListedUnderTwoNamesIsADuplicate() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/bus/pci/devices/00:04.0", "../../../devices/pci0000:00/0000:00:04.0"));
        rejection(t, "duplicate function 0000:00:04.0");
    }

    @Test
    void memberBelowAFileIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().file("sys/kernel", "x").file("sys/kernel/iommu_groups/0/x", "y"));
        rejection(t, t.toString(), "sys/kernel", "not a directory");
    }

    @Test
    void symlinkLoopInTarballIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small()
                .link("sys/bus/pci/devices/0000:00:05.0", "loop-a")
                .link("sys/bus/pci/devices/loop-a", "loop-b")
                .link("sys/bus/pci/devices/loop-b", "loop-a"));
        rejection(t, t.toString(), "loop");
    }
}
