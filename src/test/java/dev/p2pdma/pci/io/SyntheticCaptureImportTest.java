package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synthetic captures import completely, as a tarball and as a directory, to the same tree. (Import
 * speed is measured by SysfsImportBench under ./bench, never asserted here.)
 */
class SyntheticCaptureImportTest {

    @TempDir
    Path tmp;

    @Test
    void aThousandFunctionTarballAndDirectoryGiveTheSameThousandFunctions() throws Exception {
        CaptureFixture big = SyntheticCapture.build(20, 49);
        PciTopology fromTar = SysfsImporter.read(big.writeTarGz(tmp.resolve("big.tar.gz")));
        PciTopology fromDir = SysfsImporter.read(big.writeDirectory(tmp.resolve("big")));
        assertThat(fromTar.size()).isEqualTo(1000);
        assertThat(TopologyEquality.differences(fromTar.withMachine(fromDir.machine()), fromDir)).isEmpty();
    }

    @Test
    void syntheticCaptureImportsCorrectly() throws Exception {
        PciTopology t = SysfsImporter.read(SyntheticCapture.build(3, 10).writeTarGz(tmp.resolve("s.tar.gz")));
        assertThat(t.size()).isEqualTo(33);
        int ep = t.indexOf(PciAddress.parse("0000:02:01.1"));
        assertThat(t.function(t.parent(ep)).address()).isEqualTo(PciAddress.parse("0000:00:01.1"));
        assertThat(t.function(t.parent(ep)).acs()).isEqualTo(new AcsState.Present(0x5f, 0x1d));
        assertThat(t.function(ep).acs()).isEqualTo(AcsState.ABSENT);
        assertThat(t.machine().iommuGroups()).hasSize(33);
    }
}
