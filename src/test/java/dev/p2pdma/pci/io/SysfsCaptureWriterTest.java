package dev.p2pdma.pci.io;

import static dev.p2pdma.pci.io.SysfsBadTarballTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The capture writer produces exactly the conformance format: a re-import gives the same
 * topology, and a capture of an extracted conformance capture has exactly its members.
 */
class SysfsCaptureWriterTest {

    @TempDir
    Path tmp;

    private static Path conformance(String name) {
        return CaptureFixture.shared().resolve("conformance").resolve(name).resolve("capture.tar.gz");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sw-iommu_on-cpu_amd", "rpmf-iommu_on-cpu_intel-acsredir_bdf", "rc-iommu_off-cpu_intel"})
    void captureOfAnExtractedCaptureHasExactlyItsMembers(String name) throws Exception {
        Path original = conformance(name);
        Path dir = CaptureFixture.extract(original, Files.createDirectories(tmp.resolve("root")));
        Path out = tmp.resolve("again.tar.gz");
        SysfsCaptureWriter.Summary s = SysfsCaptureWriter.write(dir, out);
        Map<String, CaptureFixture.Member> expected = CaptureFixture.readMembers(original);
        Map<String, CaptureFixture.Member> actual = CaptureFixture.readMembers(out);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (Map.Entry<String, CaptureFixture.Member> e : expected.entrySet()) {
            CaptureFixture.Member a = actual.get(e.getKey());
            assertThat(a.kind()).as(e.getKey()).isEqualTo(e.getValue().kind());
            assertThat(a.target()).as(e.getKey()).isEqualTo(e.getValue().target());
            assertThat(a.content()).as(e.getKey()).isEqualTo(e.getValue().content());
        }
        assertThat(s.members()).isEqualTo(expected.size());
        assertThat(s.functions()).isEqualTo(SysfsImporter.read(original).size());
        assertThat(s.skipped()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sw2-iommu_on-cpu_amd-acsredir_off", "rcmf-iommu_off-cpu_amd"})
    void reimportOfAWrittenCaptureGivesTheSameTopology(String name) throws Exception {
        Path original = conformance(name);
        Path dir = CaptureFixture.extract(original, Files.createDirectories(tmp.resolve("root")));
        Path out = tmp.resolve("again.tar.gz");
        SysfsCaptureWriter.write(dir, out);
        PciTopology before = SysfsImporter.read(original);
        PciTopology after = SysfsImporter.read(out);
        assertThat(TopologyDigest.of(after)).isEqualTo(TopologyDigest.of(before));
        assertThat(after.machine().iommuGroups()).isEqualTo(before.machine().iommuGroups());
    }

    @Test
    void memberNamesHaveNoLeadingSlashOrDotAndEveryDirectoryHasAnEntry() throws Exception {
        Path dir = CaptureFixture.small().writeDirectory(tmp.resolve("root"));
        Path out = tmp.resolve("small.tar.gz");
        SysfsCaptureWriter.write(dir, out);
        Map<String, CaptureFixture.Member> members = CaptureFixture.readMembers(out);
        for (String name : members.keySet()) {
            assertThat(name).doesNotStartWith("/").doesNotStartWith("./");
            int slash = name.lastIndexOf('/');
            if (slash > 0) {
                assertThat(members.get(name.substring(0, slash))).as("entry for the directory above %s", name)
                        .isNotNull().extracting(CaptureFixture.Member::kind).isEqualTo('d');
            }
        }
        assertThat(members.get("sys/bus/pci/devices/0000:01:00.0").target())
                .isEqualTo("../../../devices/pci0000:00/0000:00:04.0/0000:01:00.0");
    }

    @Test
    void filesOutsideTheFormatAreNeverCopied() throws Exception {
        String fn = "sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/";
        Path dir = CaptureFixture.small()
                .file(fn + "resource2", "BAR contents")
                .file(fn + "rom", "ROM")
                .file(fn + "remove", "")
                .file(fn + "p2pmem/size", "4096\n")
                .file(fn + "p2pmem/available", "4096\n")
                .file(fn + "p2pmem/published", "1\n")
                .file(fn + "p2pmem/allocate", "never read")
                .file(fn + "local_cpulist", "0\n")
                .link(fn + "virtfn0", "../0000:01:00.1")
                .link(fn + "subsystem", "../../../../bus/pci")
                .file("sys/kernel/uevent_seqnum", "1\n")
                .file("proc/meminfo", "MemTotal: 1 kB\n")
                .writeDirectory(tmp.resolve("root"));
        Path out = tmp.resolve("c.tar.gz");
        SysfsCaptureWriter.write(dir, out);
        Set<String> names = CaptureFixture.readMembers(out).keySet();
        assertThat(names).contains(fn + "p2pmem/size", fn + "p2pmem/available", fn + "p2pmem/published", fn + "local_cpulist",
                fn + "virtfn0");
        assertThat(names).doesNotContain(fn + "resource2", fn + "rom", fn + "remove", fn + "p2pmem/allocate", fn + "subsystem",
                "sys/kernel/uevent_seqnum", "proc/meminfo");
    }

    @Test
    void writerRefusesAnEscapingLinkInACapturedDirectory() throws Exception {
        Path dir = CaptureFixture.small().link("sys/bus/pci/devices/0000:00:05.0", "../../../../../../etc")
                .writeDirectory(tmp.resolve("root"));
        ImportException e = catchThrowableOfType(ImportException.class,
                () -> SysfsCaptureWriter.write(dir, tmp.resolve("c.tar.gz")));
        assertThat(e.getMessage()).contains("sys/bus/pci/devices/0000:00:05.0").contains("outside the capture").doesNotContain("\n");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("root");
        }
    }

    @Test
    void writerRefusesAnUnwritableOutput() throws Exception {
        Path dir = CaptureFixture.small().writeDirectory(tmp.resolve("root"));
        Path out = tmp.resolve("no/such/dir/c.tar.gz");
        ImportException e = catchThrowableOfType(ImportException.class, () -> SysfsCaptureWriter.write(dir, out));
        assertThat(e.getMessage()).contains(out.toString()).contains("cannot write");
    }

    @Test
    void writerRefusesAMissingRoot() {
        rejection(tmp.resolve("missing"), "no such file");
        ImportException e = catchThrowableOfType(ImportException.class,
                () -> SysfsCaptureWriter.write(tmp.resolve("missing"), tmp.resolve("c.tar.gz")));
        assertThat(e.getMessage()).contains("missing").contains("no such file");
    }

    @Test
    void captureOfTheLiveMachineReimportsWithTheSameFunctions() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/sys/bus/pci/devices")), "this machine has no /sys/bus/pci/devices");
        Path out = tmp.resolve("live.tar.gz");
        SysfsCaptureWriter.Summary s = SysfsCaptureWriter.writeLive(out);
        PciTopology live = SysfsImporter.readLive();
        PciTopology captured = SysfsImporter.read(out);
        Set<PciAddress> a = new TreeSet<>();
        Set<PciAddress> b = new TreeSet<>();
        live.functions().forEach(f -> a.add(f.address()));
        captured.functions().forEach(f -> b.add(f.address()));
        assertThat(b).isEqualTo(a);
        assertThat(s.functions()).isEqualTo(live.size());
        for (PciFunction f : live.functions()) {
            PciFunction g = captured.function(f.address()).orElseThrow();
            assertThat(g.classCode()).isEqualTo(f.classCode());
            assertThat(g.acs()).isEqualTo(f.acs());
            assertThat(captured.parent(captured.indexOf(f.address())) < 0).isEqualTo(live.parent(live.indexOf(f.address())) < 0);
        }
        assertThat(captured.machine().iommuGroups()).isEqualTo(live.machine().iommuGroups());
        assertThat(CaptureFixture.readMembers(out).keySet()).noneMatch(n -> n.matches(".*/resource[0-9].*") || n.endsWith("/allocate"));
    }
}
