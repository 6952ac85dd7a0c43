package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One machine read two ways (issue: Foundation, part 7): hwloc's 40intel64-2g2n4c+pcilocality as
 * a sysfs tarball and as hwloc XML must give the same PCI tree and the same P2P matrix.
 */
class SameMachineTwoWaysTest {

    private static PciTopology sysfs;
    private static PciTopology xml;

    @BeforeAll
    static void read() throws Exception {
        Path dir = Path.of(System.getProperty("p2pdma.shared", "../shared"), "real-machines", "hwloc");
        sysfs = SysfsImporter.read(dir.resolve("40intel64-2g2n4c+pcilocality.tar.bz2"));
        xml = HwlocXmlImporter.read(dir.resolve("40intel64-2g2n4c+pcilocality.xml"));
    }

    /** What both inputs record about a function and where it hangs. */
    private static List<String> tree(PciTopology t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            out.add(f.address() + " " + f.idText() + String.format(" class %06x layout %s", f.classCode(), f.headerLayout())
                    + " sub " + f.subsystemVendorId() + ":" + f.subsystemDeviceId() + " rev " + f.revision() + " bus " + f.busRange()
                    + " parent " + (t.parent(i) < 0 ? t.hostBridgeOf(i).name() : t.function(t.parent(i)).address().toString()));
        }
        return out;
    }

    @Test
    void bothGiveTheSameFunctionsIdsAndParents() {
        assertThat(sysfs.size()).isEqualTo(37);
        assertThat(tree(xml)).containsExactlyElementsOf(tree(sysfs));
        assertThat(xml.hostBridges()).isEqualTo(sysfs.hostBridges());
    }

    @Test
    void bothGiveTheSameMatrix() {
        P2pMatrix a = P2pMatrix.compute(P2pDmaDecision.of(sysfs));
        P2pMatrix b = P2pMatrix.compute(P2pDmaDecision.of(xml));
        assertThat(b.size()).isEqualTo(a.size()).isPositive();
        List<String> cellsA = new ArrayList<>();
        List<String> cellsB = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.size(); j++) {
                cellsA.add(a.verdict(i, j).provider() + ">" + a.verdict(i, j).client() + " " + a.mapType(i, j) + " " + a.distance(i, j));
                cellsB.add(b.verdict(i, j).provider() + ">" + b.verdict(i, j).client() + " " + b.mapType(i, j) + " " + b.distance(i, j));
            }
        }
        assertThat(cellsB).containsExactlyElementsOf(cellsA);
    }

    @Test
    void neitherGuessesAcsSilently() {
        assertThat(P2pDmaDecision.of(sysfs).assumptions()).anyMatch(s -> s.contains("ACS unknown on 37 of 37"));
        assertThat(P2pDmaDecision.of(xml).assumptions()).anyMatch(s -> s.contains("ACS unknown on 37 of 37"));
        // the XML carries no CPU vendor: the decision says what it assumed
        assertThat(P2pDmaDecision.of(xml).assumptions()).anyMatch(s -> s.startsWith("CPU unknown"));
    }
}
