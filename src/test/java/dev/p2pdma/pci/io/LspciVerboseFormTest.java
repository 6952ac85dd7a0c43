package dev.p2pdma.pci.io;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Functions given in {@code lspci -vvv} form: facts come from the decoded lines alone. */
class LspciVerboseFormTest {

    @TempDir
    Path dir;

    @Test
    void capDpcWithoutItsHexRowsGivesTheSameFactsFromTheDecodedLines() throws Exception {
        List<String> lines = Files.readAllLines(LspciDumps.realDir().resolve("cap-dpc")).stream()
                .filter(l -> !l.matches("^[0-9a-f]{2,3}: .*")).toList();
        Path file = LspciDumps.write(dir, "cap-dpc-vvv", String.join("\n", lines) + "\n");
        PciFunction f = only(file);
        assertThat(f.configLength()).isZero();
        assertThat(f.address()).isEqualTo(PciAddress.parse("05:01.0"));
        assertThat(f.idText()).isEqualTo("[10b5:9716]");
        assertThat(f.classCode()).isEqualTo(0x060400);
        assertThat(f.revision()).hasValue(0xaa);
        assertThat(f.headerLayout()).hasValue(1);
        assertThat(f.isBridge()).isTrue();
        assertThat(f.portType()).isEqualTo(PortType.DOWNSTREAM_PORT);
        assertThat(f.busRange()).contains(new PciFunction.BusRange(6, 6));
        assertThat(f.acs()).isEqualTo(new AcsState.Present(0x7f, 0x00));
        assertThat(f.link()).isEqualTo(new LinkInfo(8.0, 4, 8.0, 4));
        assertThat(f.numaNode()).hasValue(0);
        assertThat(f.driver()).contains("pcieport");
        assertThat(f.problems()).anySatisfy(p -> assertThat(p).contains("no config space bytes"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Express (v2) Endpoint, MSI 00|ENDPOINT",
        "Express (v1) Legacy Endpoint, MSI 00|LEGACY_ENDPOINT",
        "Express (v2) Root Port (Slot+), MSI 00|ROOT_PORT",
        "Express (v2) Upstream Port, MSI 00|UPSTREAM_PORT",
        "Express (v2) Downstream Port (Slot-), MSI 00|DOWNSTREAM_PORT",
        "Express (v1) PCI-Express to PCI/PCI-X Bridge, MSI 00|PCIE_TO_PCI_BRIDGE",
        "Express (v1) PCI/PCI-X to PCI-Express Bridge, MSI 00|PCI_TO_PCIE_BRIDGE",
        "Express (v2) Root Complex Integrated Endpoint, MSI 00|RC_INTEGRATED_ENDPOINT",
        "Express (v2) Root Complex Event Collector, MSI 00|RC_EVENT_COLLECTOR",
        "Express Endpoint, MSI 00|ENDPOINT",
    })
    void expressCapabilityLineGivesThePortType(String capability, PortType expected) throws Exception {
        PciFunction f = only(LspciDumps.write(dir, "vvv", "00:02.0 Class 0880: Device 8086:1234\n"
                + "\tCapabilities: [40] " + capability + "\n"
                + "\tCapabilities: [100 v1] Advanced Error Reporting\n"));
        assertThat(f.portType()).isEqualTo(expected);
    }

    @Test
    void nnHeaderGivesClassWithProgIfIdsAndRevision() throws Exception {
        PciFunction f = only(LspciDumps.write(dir, "nn", "0000:01:00.0 Non-Volatile memory controller [0108]: "
                + "Samsung Electronics Co Ltd NVMe SSD Controller PM9A1/PM9A3/980PRO [144d:a80a] (rev 01) (prog-if 02 [NVM Express])\n"
                + "\tCapabilities: [70] Express (v2) Endpoint, MSI 00\n"
                + "\t\tLnkCap:\tPort #0, Speed 16GT/s, Width x4, ASPM L1, Exit Latency L1 <64us\n"
                + "\t\tLnkSta:\tSpeed 16GT/s (ok), Width x4 (ok)\n"
                + "\tCapabilities: [100 v2] Advanced Error Reporting\n"
                + "\tKernel driver in use: nvme\n"
                + "\tIOMMU group: 14\n"));
        assertThat(f.idText()).isEqualTo("[144d:a80a]");
        assertThat(f.classCode()).isEqualTo(0x010802);
        assertThat(f.revision()).hasValue(0x01);
        assertThat(f.link()).isEqualTo(new LinkInfo(16.0, 4, 16.0, 4));
        assertThat(f.driver()).contains("nvme");
        assertThat(f.iommuGroup()).hasValue(14);
        assertThat(f.acs()).as("extended capabilities listed, none is ACS").isEqualTo(AcsState.ABSENT);
    }

    @Test
    void numericHeaderGivesClassAndIds() throws Exception {
        PciFunction f = only(LspciDumps.write(dir, "n", "00:1f.2 0106: 8086:3a22 (rev 02)\n"
                + "\tStatus: Cap+ 66MHz+ UDF- FastB2B+ ParErr- DEVSEL=medium\n"
                + "\tCapabilities: [80] MSI: Enable+ Count=1/16 Maskable- 64bit-\n"));
        assertThat(f.idText()).isEqualTo("[8086:3a22]");
        assertThat(f.classCode()).isEqualTo(0x010600);
        assertThat(f.portType()).isEqualTo(PortType.CONVENTIONAL_PCI);
        assertThat(f.acs()).isEqualTo(AcsState.ABSENT);
    }

    @Test
    void namesOnlyHeaderLeavesIdsUnknownButTakesTheClassFromItsName() throws Exception {
        PciFunction f = only(LspciDumps.write(dir, "names", "02:00.0 PCI bridge: PLX Technology, Inc. PEX 8747 48-Lane, 5-Port PCI Express Gen 3 (8.0 GT/s) Switch (rev ca)\n"
                + "\tBus: primary=02, secondary=03, subordinate=05, sec-latency=0\n"
                + "\tCapabilities: [68] Express (v2) Upstream Port, MSI 00\n"));
        assertThat(f.classCode()).isEqualTo(0x060400);
        assertThat(f.isBridge()).isTrue();
        assertThat(f.revision()).hasValue(0xca);
        assertThat(f.busRange()).contains(new PciFunction.BusRange(3, 5));
        assertThat(f.problems()).anySatisfy(p -> assertThat(p).contains("ids unknown").contains("-nn"));
    }

    @Test
    void accessDeniedCapabilitiesLeaveAcsUnknownAndThePortTypeIsInferredFromTheTree() throws Exception {
        PciFunction f = only(LspciDumps.write(dir, "user", "00:01.0 PCI bridge [0604]: Intel Corporation Device [8086:1901] (rev 07)\n"
                + "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
                + "\tCapabilities: <access denied>\n"));
        assertThat(f.portType()).isEqualTo(PortType.ROOT_PORT);
        assertThat(f.problems()).anySatisfy(p -> assertThat(p).startsWith("port type inferred from the tree, not read"));
        assertThat(f.acs()).isInstanceOfSatisfying(AcsState.Unknown.class,
                u -> assertThat(u.reason()).contains("access denied"));
    }

    @Test
    void acsListedWithoutItsRegistersIsUnknown() throws Exception {
        PciFunction f = only(LspciDumps.write(dir, "v", "00:01.0 PCI bridge [0604]: Intel Corporation Device [8086:1901]\n"
                + "\tCapabilities: [a0] Express Root Port (Slot+), MSI 00\n"
                + "\tCapabilities: [220] Access Control Services\n"));
        assertThat(f.acs()).isInstanceOfSatisfying(AcsState.Unknown.class,
                u -> assertThat(u.reason()).contains("0x220").contains("-vv"));
    }

    @Test
    void loopedExtendedCapabilityChainLeavesAcsUnknownNamingIt() throws Exception {
        PciFunction f = only(LspciDumps.write(dir, "loop", "00:00.0 Host bridge [0600]: ATI Technologies Inc RS690 Host Bridge [1002:7910]\n"
                + "\tCapabilities: [c4] Express (v1) Root Port (Slot-), MSI 00\n"
                + "\tCapabilities: [100 v1] Vendor Specific Information: ID=1002 Rev=1 Len=791 <?>\n"
                + "\tCapabilities: [790 v0] Null\n"
                + "\tCapabilities: [d00 v1] <chain looped>\n"));
        assertThat(f.acs()).isInstanceOfSatisfying(AcsState.Unknown.class,
                u -> assertThat(u.reason()).contains("chain looped").contains("line 5"));
    }

    @Test
    void acsRegistersMapFlagNamesToBits() throws Exception {
        PciFunction f = only(LspciDumps.write(dir, "acs", "00:01.0 PCI bridge [0604]: Intel Corporation Device [8086:1901]\n"
                + "\tCapabilities: [a0] Express (v2) Root Port (Slot+), MSI 00\n"
                + "\tCapabilities: [220 v1] Access Control Services\n"
                + "\t\tACSCap:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl+ DirectTrans+\n"
                + "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir- UpstreamFwd+ EgressCtrl- DirectTrans+\n"));
        assertThat(f.acs()).isEqualTo(new AcsState.Present(0x7d, 0x55));
    }

    @Test
    void verboseBridgeParentsAHexDumpedEndpointInTheSameFile() throws Exception {
        String text = "00:01.0 PCI bridge [0604]: Intel Corporation Device [8086:1901]\n"
                + "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
                + "\tCapabilities: [a0] Express (v2) Root Port (Slot+), MSI 00\n"
                + "\tCapabilities: [220 v1] Access Control Services\n"
                + "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
                + "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
                + "\n"
                + LspciDumps.hexFunction("01:00.0", "Non-Volatile memory controller: Samsung", LspciDumps.endpoint(256));
        PciTopology t = LspciImporter.importFile(LspciDumps.write(dir, "mixed", text));
        assertThat(t.size()).isEqualTo(2);
        int ep = t.indexOf(PciAddress.parse("01:00.0"));
        assertThat(t.function(t.upstream(ep)).address()).isEqualTo(PciAddress.parse("00:01.0"));
        assertThat(t.function(t.upstream(ep)).acs()).isEqualTo(new AcsState.Present(0x1f, 0x1d));
        assertThat(t.function(ep).portType()).isEqualTo(PortType.ENDPOINT);
    }

    private static PciFunction only(Path file) throws ImportException {
        PciTopology t = LspciImporter.importFile(file);
        assertThat(t.size()).isEqualTo(1);
        return t.function(0);
    }
}
