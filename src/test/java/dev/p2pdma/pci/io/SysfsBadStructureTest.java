package dev.p2pdma.pci.io;

import static dev.p2pdma.pci.io.SysfsBadTarballTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Well-formed archives describing an impossible PCI tree or holding malformed attribute text give
 * one-line ImportExceptions naming the device or file.
 */
class SysfsBadStructureTest {

    @TempDir
    Path tmp;

    private Path tar(CaptureFixture f) throws IOException {
        return f.writeTarGz(tmp.resolve("capture.tar.gz"));
    }

    @Test
    void orphanFunctionIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().function("pci0000:00/0000:00:09.0/0000:05:00.0", 0x1b36, 0x10, 0x010802)
                .dir("sys/devices/pci0000:00/0000:00:09.0"));
        rejection(t, "0000:05:00.0", "orphan", "0000:00:09.0");
    }

    @Test
    void functionBelowANonPciDirectoryIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().function("platform/0000:00:06.0", 0x1b36, 0x10, 0x010802));
        rejection(t, "0000:00:06.0", "'platform'", "neither a PCI function nor a host bridge");
    }

    @Test
    void functionOutsideSysDevicesIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().file("sys/class/x/0000:00:06.0/vendor", "0x1b36\n")
                .link("sys/bus/pci/devices/0000:00:06.0", "../../../class/x/0000:00:06.0"));
        rejection(t, "0000:00:06.0", "not under sys/devices/");
    }

    @Test
    void functionOfAnotherDomainBelowAHostBridgeIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().function("pci0000:00/0001:00:06.0", 0x1b36, 0x10, 0x010802));
        rejection(t, "0001:00:06.0", "pci0000:00", "another PCI domain");
    }

    @Test
    void functionWithoutIdsOrConfigIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().file("sys/devices/pci0000:00/0000:00:06.0/class", "0x010802\n")
                .link("sys/bus/pci/devices/0000:00:06.0", "../../../devices/pci0000:00/0000:00:06.0"));
        rejection(t, "0000:00:06.0", "neither vendor and device files nor a readable config");
    }

    @Test
    void danglingFunctionLinkIsRejectedNamingIt() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/bus/pci/devices/0000:00:06.0", "../../../devices/pci0000:00/0000:00:06.0"));
        rejection(t, "sys/bus/pci/devices/0000:00:06.0", "leads nowhere");
    }

    @Test
    void linkToAnotherFunctionsDirectoryIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/bus/pci/devices/0000:00:06.0", "../../../devices/pci0000:00/0000:00:04.0"));
        rejection(t, "0000:00:06.0", "not that function");
    }

    @Test
    void listEntryThatIsNotAnAddressIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/bus/pci/devices/bogus", "../../../devices/pci0000:00/0000:00:04.0"));
        rejection(t, "sys/bus/pci/devices/bogus", "not a PCI address");
    }

    @Test
    void controlCharactersInNamesStayEscapedInTheOneLineMessage() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/bus/pci/devices/bad\nname", "../../../devices/pci0000:00/0000:00:04.0"));
        rejection(t, "bad\\nname", "not a PCI address");
    }

    @Test
    void malformedVendorTextIsRejectedNamingTheFile() throws Exception {
        Path t = tar(CaptureFixture.small().function("pci0000:00/0000:00:06.0", 0x1b36, 0x10, 0x010802)
                .file("sys/devices/pci0000:00/0000:00:06.0/subsystem_vendor", "zz\ntop\n"));
        rejection(t, "sys/devices/pci0000:00/0000:00:06.0/subsystem_vendor", "zz\\ntop");
    }

    @Test
    void malformedResourceLineIsRejectedNamingFileAndLine() throws Exception {
        Path t = tar(CaptureFixture.small().file("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/resource",
                "0x00000000fe800000 0x00000000fe803fff 0x0000000000140204\n0x1 0x2\n"));
        rejection(t, "0000:01:00.0/resource", "line 2");
    }

    @Test
    void reversedResourceRangeIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().file("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/resource",
                "0x00000000fe803fff 0x00000000fe800000 0x0000000000040200\n"));
        rejection(t, "0000:01:00.0/resource", "line 1", "reversed");
    }

    @Test
    void numaNodeThatIsNotANumberIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().file("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/numa_node", "one\n"));
        rejection(t, "0000:01:00.0/numa_node", "decimal");
    }

    @Test
    void iommuGroupThatIsNotANumberIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().link("sys/kernel/iommu_groups/x/devices/0000:00:04.0",
                "../../../../devices/pci0000:00/0000:00:04.0"));
        rejection(t, "sys/kernel/iommu_groups/x", "not an IOMMU group number");
    }

    @Test
    void functionInTwoIommuGroupsIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small()
                .link("sys/kernel/iommu_groups/1/devices/0000:00:04.0", "../../../../devices/pci0000:00/0000:00:04.0")
                .link("sys/kernel/iommu_groups/2/devices/0000:00:04.0", "../../../../devices/pci0000:00/0000:00:04.0"));
        rejection(t, "0000:00:04.0", "IOMMU groups 1 and 2");
    }

    @Test
    void virtualFunctionWhosePhysicalFunctionIsMissingIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().function("pci0000:00/0000:00:04.0/0000:01:00.1", 0x1b36, 0x10, 0x010802)
                .link("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.1/physfn", "../0000:01:00.7"));
        rejection(t, t.toString(), "0000:01:00.1", "0000:01:00.7");
    }

    @Test
    void parentThatIsNotABridgeIsRejected() throws Exception {
        Path t = tar(CaptureFixture.small().function("pci0000:00/0000:00:04.0/0000:01:00.0/0000:02:00.0", 0x1b36, 0x10, 0x010802));
        rejection(t, "0000:02:00.0", "not a bridge");
    }

    @Test
    void unlistedBridgeDirectoryInTheChainIsImportedAndNoted() throws Exception {
        Path t = tar(CaptureFixture.small().function("pci0000:00/0000:00:05.0/0000:02:00.0", 0x1b36, 0x10, 0x010802)
                .file("sys/devices/pci0000:00/0000:00:05.0/vendor", "0x1b36\n")
                .file("sys/devices/pci0000:00/0000:00:05.0/device", "0x000c\n")
                .file("sys/devices/pci0000:00/0000:00:05.0/class", "0x060400\n"));
        PciTopology topo = SysfsImporter.read(t);
        int ep = topo.indexOf(PciAddress.parse("0000:02:00.0"));
        assertThat(topo.function(topo.parent(ep)).address()).isEqualTo(PciAddress.parse("0000:00:05.0"));
        assertThat(topo.machine().notes()).anyMatch(n -> n.contains("not listed") && n.contains("0000:00:05.0"));
    }

    @Test
    void unknownLinkSpeedTextIsAProblemNotAnError() throws Exception {
        Path t = tar(CaptureFixture.small()
                .file("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/current_link_speed", "fast\n")
                .file("sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/max_link_speed", "Unknown\n"));
        PciFunction f = SysfsImporter.read(t).function(PciAddress.parse("0000:01:00.0")).orElseThrow();
        assertThat(f.link().isUnknown()).isTrue();
        assertThat(f.problems()).anyMatch(p -> p.contains("current_link_speed") && p.contains("fast"));
        assertThat(f.problems()).noneMatch(p -> p.contains("max_link_speed"));
    }
}
