package dev.p2pdma.pci.io;

import static dev.p2pdma.pci.io.SysfsBadTarballTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.p2pdma.pci.PciTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sources the importer accepts (capture directories in three layouts, tarballs recognised by
 * content) and, in captured directories, links resolved inside the capture only (never by the
 * operating system into the real /sys), with loops and escapes rejected naming the link.
 */
@Timeout(30)
class SysfsDirectoryCaptureTest {

    @TempDir
    Path tmp;

    @Test
    void directoryWithSysAndProcImports() throws Exception {
        Path dir = CaptureFixture.small().writeDirectory(tmp.resolve("cap"));
        PciTopology t = SysfsImporter.read(dir);
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.machine().source()).isEqualTo("sysfs capture " + dir);
        assertThat(t.machine().cmdline()).hasValue("console=ttyS0");
    }

    @Test
    void sysDirectoryItselfIsAccepted() throws Exception {
        Path dir = CaptureFixture.small().writeDirectory(tmp.resolve("cap"));
        assertThat(TopologyDigest.of(SysfsImporter.read(dir.resolve("sys")))).isEqualTo(TopologyDigest.of(SysfsImporter.read(dir)));
    }

    @Test
    void singleTopFolderIsAccepted() throws Exception {
        CaptureFixture.small().writeDirectory(tmp.resolve("dump/machine"));
        assertThat(SysfsImporter.read(tmp.resolve("dump")).size()).isEqualTo(3);
    }

    @Test
    void conformanceCaptureExtractedToADirectoryImportsLikeTheTarball() throws Exception {
        Path tarball = CaptureFixture.shared().resolve("conformance/rpmf-iommu_on-cpu_intel-acsredir_bdf/capture.tar.gz");
        CaptureFixture.extract(tarball, tmp);
        assertThat(TopologyDigest.of(SysfsImporter.read(tmp))).isEqualTo(TopologyDigest.of(SysfsImporter.read(tarball)));
    }

    @Test
    void tarballIsRecognisedByContentNotName() throws Exception {
        Path t = CaptureFixture.small().writeTarGz(tmp.resolve("capture.bin"));
        assertThat(SysfsImporter.read(t).size()).isEqualTo(3);
    }

    @Test
    void uncompressedTarIsAccepted() throws Exception {
        Path t = CaptureFixture.small().writeTar(tmp.resolve("capture.tar"));
        assertThat(SysfsImporter.read(t).size()).isEqualTo(3);
    }

    @Test
    void sourcesAreRecognisedWithoutImporting() throws Exception {
        Path dir = CaptureFixture.small().writeDirectory(tmp.resolve("cap"));
        assertThat(SysfsImporter.looksLikeSysfsSource(dir)).isTrue();
        assertThat(SysfsImporter.looksLikeSysfsSource(dir.resolve("sys"))).isTrue();
        assertThat(SysfsImporter.looksLikeSysfsSource(CaptureFixture.small().writeTarGz(tmp.resolve("c.bin")))).isTrue();
        assertThat(SysfsImporter.looksLikeSysfsSource(Files.writeString(tmp.resolve("x.xml"), "<topology/>"))).isFalse();
        assertThat(SysfsImporter.looksLikeSysfsSource(Files.createDirectories(tmp.resolve("empty")))).isFalse();
        assertThat(SysfsImporter.looksLikeSysfsSource(tmp.resolve("missing"))).isFalse();
    }

    @Test
    void directoryWithoutSysIsRejected() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty/a"));
        Files.createDirectories(tmp.resolve("empty/b"));
        rejection(dir.getParent(), dir.getParent().toString(), "no sys/ directory");
    }

    @Test
    void directoryCaptureWithSymlinkLoopIsRejectedNamingIt() throws Exception {
        Path dir = CaptureFixture.small()
                .link("sys/bus/pci/devices/0000:00:05.0", "loop-a")
                .link("sys/bus/pci/devices/loop-a", "loop-b")
                .link("sys/bus/pci/devices/loop-b", "loop-a")
                .writeDirectory(tmp.resolve("cap"));
        rejection(dir, "sys/bus/pci/devices/loop-", "loop");
    }

    @Test
    void directoryCaptureWithEscapingSymlinkIsRejectedNamingIt() throws Exception {
        Path dir = CaptureFixture.small()
                .link("sys/bus/pci/devices/0000:00:05.0", "../../../../../outside/0000:00:05.0")
                .writeDirectory(tmp.resolve("cap"));
        CaptureFixture.small().writeDirectory(tmp.resolve("outside"));
        rejection(dir, dir.resolve("sys/bus/pci/devices/0000:00:05.0").toString(), "outside the capture");
    }

    @Test
    void directoryCaptureNeverFollowsAnAbsoluteLinkIntoTheRealSys() throws Exception {
        Path dir = CaptureFixture.small()
                .link("sys/bus/pci/devices/0000:00:00.1", "/sys/devices/pci0000:00/0000:00:00.0")
                .writeDirectory(tmp.resolve("cap"));
        rejection(dir, "sys/bus/pci/devices/0000:00:00.1", "absolute target");
        Files.delete(dir.resolve("sys/bus/pci/devices/0000:00:00.1"));
    }

    @Test
    void directoryCaptureWhoseSysDevicesIsALinkToTheRealSysIsRejected() throws Exception {
        Path dir = tmp.resolve("cap");
        new CaptureFixture().link("sys/bus/pci/devices/0000:00:00.0", "../../../devices/pci0000:00/0000:00:00.0")
                .link("sys/devices", "/sys/devices").writeDirectory(dir);
        rejection(dir, dir.resolve("sys/devices").toString(), "absolute target");
        Files.delete(dir.resolve("sys/devices"));
        Files.delete(dir.resolve("sys/bus/pci/devices/0000:00:00.0"));
    }

    @Test
    void fifoInPlaceOfAnAttributeIsRejectedWithoutHanging() throws Exception {
        Path dir = CaptureFixture.small().writeDirectory(tmp.resolve("cap"));
        Path fifo = dir.resolve("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/numa_node");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo is not available");
        rejection(dir, fifo.toString(), "special file");
    }

    @Test
    void attributeThatIsADirectoryIsRejected() throws Exception {
        Path dir = CaptureFixture.small().dir("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/numa_node")
                .writeDirectory(tmp.resolve("cap"));
        rejection(dir, "0000:01:00.0/numa_node", "directory");
    }
}
