package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hwloc sysfs dumps (one top folder, 64-byte config files) and this machine's /sys import. */
class SysfsRealMachineImportTest {

    private static Path hwloc(String name) {
        return CaptureFixture.shared().resolve("real-machines/hwloc").resolve(name);
    }

    private static PciAddress a(String text) {
        return PciAddress.parse(text);
    }

    private static PciAddress parentOf(PciTopology t, String bdf) {
        int i = t.indexOf(a(bdf));
        assertThat(i).as("%s present", bdf).isNotNegative();
        return t.function(t.parent(i)).address();
    }

    @Test
    void thirtyTwoBitDomainDumpImportsWithItsOwnHostBridge() throws Exception {
        PciTopology t = SysfsImporter.read(hwloc("2pa-pcidomain32bits.tar.bz2"));
        assertThat(t.size()).isEqualTo(9);
        assertThat(t.hostBridges()).containsExactly(new HostBridge(0, 0), new HostBridge(0x10000, 0));
        int vmdDisk = t.indexOf(a("10000:00:04.0"));
        assertThat(t.parent(vmdDisk)).isEqualTo(-1);
        assertThat(t.hostBridgeOf(vmdDisk)).isEqualTo(new HostBridge(0x10000, 0));
        assertThat(t.function(vmdDisk).driver()).hasValue("virtio-pci");
        assertThat(t.machine().cpu().map(CpuInfo::vendor)).hasValue(CpuInfo.INTEL);
    }

    @Test
    void plxSwitchDumpImportsWithItsSwitchTreeAndLinks() throws Exception {
        PciTopology t = SysfsImporter.read(hwloc("32intel64-2p8co2t+8ve.tar.bz2"));
        // 28 listed functions plus the bridge 0000:5f:03.0, which the dump holds as a directory but does not list
        assertThat(t.size()).isEqualTo(29);
        assertThat(parentOf(t, "0000:1b:00.0")).isEqualTo(a("0000:19:08.0"));
        assertThat(parentOf(t, "0000:19:08.0")).isEqualTo(a("0000:18:00.0"));
        assertThat(parentOf(t, "0000:18:00.0")).isEqualTo(a("0000:17:00.0"));
        assertThat(parentOf(t, "0000:60:00.1")).isEqualTo(a("0000:5f:03.0"));
        assertThat(t.machine().notes()).anyMatch(n -> n.contains("not listed") && n.contains("0000:5f:03.0"));
        PciFunction ve = t.function(a("0000:1b:00.0")).orElseThrow();
        assertThat(ve.link().currentWidth()).isEqualTo(16);
        assertThat(ve.link().currentSpeedGtps()).isEqualTo(8.0);
        assertThat(ve.numaNode()).hasValue(0);
        assertThat(t.hostBridges()).extracting(HostBridge::name).containsExactly("pci0000:17", "pci0000:3a", "pci0000:5d");
    }

    @Test
    void pciLocalityDumpImportsAllThirtySevenFunctions() throws Exception {
        PciTopology t = SysfsImporter.read(hwloc("40intel64-2g2n4c+pcilocality.tar.bz2"));
        assertThat(t.size()).isEqualTo(37);
        assertThat(parentOf(t, "0000:02:00.0")).isEqualTo(a("0000:00:05.0"));
        assertThat(parentOf(t, "0000:09:03.0")).isEqualTo(a("0000:00:1e.0"));
        assertThat(parentOf(t, "0000:43:00.0")).isEqualTo(a("0000:40:03.0"));
        assertThat(t.hostBridges()).extracting(HostBridge::name).containsExactly("pci0000:00", "pci0000:40");
    }

    @Test
    void sixtyFourByteConfigGivesUnknownAcsAndSaysSo() throws Exception {
        PciTopology t = SysfsImporter.read(hwloc("40intel64-2g2n4c+pcilocality.tar.bz2"));
        for (PciFunction f : t.functions()) {
            assertThat(f.configLength()).isEqualTo(64);
            assertThat(f.acs()).isInstanceOf(AcsState.Unknown.class);
        }
        assertThat(t.machine().notes()).anyMatch(n -> n.startsWith("ACS is unknown for 37 of 37 functions"));
        assertThat(t.machine().iommuActive()).isEmpty();
    }

    @Test
    void hwlocDumpExtractedToADirectoryImportsLikeTheTarball(@TempDir Path tmp) throws Exception {
        Path tarball = hwloc("32intel64-2p8co2t+8ve.tar.bz2");
        CaptureFixture.extract(tarball, tmp);
        PciTopology fromDir = SysfsImporter.read(tmp);
        PciTopology fromTar = SysfsImporter.read(tarball);
        assertThat(TopologyDigest.of(fromDir)).isEqualTo(TopologyDigest.of(fromTar));
    }

    @Test
    void liveSysImportsEveryListedFunction() throws Exception {
        Path devices = Path.of("/sys/bus/pci/devices");
        assumeTrue(Files.isDirectory(devices), "this machine has no /sys/bus/pci/devices");
        PciTopology t = SysfsImporter.readLive();
        Set<PciAddress> listed = new TreeSet<>();
        try (var s = Files.list(devices)) {
            s.forEach(p -> listed.add(a(p.getFileName().toString())));
        }
        Set<PciAddress> imported = new TreeSet<>();
        t.functions().forEach(f -> imported.add(f.address()));
        assertThat(imported).containsAll(listed);
        assertThat(t.machine().source()).isEqualTo("live sysfs /");
        assertThat(t.machine().kernelRelease()).isPresent();
        assertThat(TopologyDigest.of(SysfsImporter.read(Path.of("/sys")))).isEqualTo(TopologyDigest.of(t));
    }

}
