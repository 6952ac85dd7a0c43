package dev.p2pdma.pci.io;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Functions given as hex rows ({@code lspci -x}, {@code -xxx}, {@code -xxxx}): bytes, tree and ACS. */
class LspciHexDumpTest {

    @TempDir
    Path dir;

    @Test
    void treeIsRebuiltFromTheBridgesBusNumbers() throws Exception {
        String text = LspciDumps.hexFunction("00:01.0", "PCI bridge: Intel Root Port", LspciDumps.rootPort(0, 1, 2, 0x1d))
                + LspciDumps.hexFunction("01:00.0", "PCI bridge: Switch", LspciDumps.pcie(4096, 0x10b5, 0x8747, 0x060400, 1, 5))
                .replace("\n10: 00 00 00 00 00 00 00 00 00 00 00", "\n10: 00 00 00 00 00 00 00 00 01 02 02")
                + LspciDumps.hexFunction("02:00.0", "Non-Volatile memory controller: Samsung", LspciDumps.endpoint(4096));
        PciTopology t = LspciImporter.importFile(LspciDumps.write(dir, "tree", text));
        int ep = t.indexOf(PciAddress.parse("02:00.0"));
        assertThat(Arrays.stream(t.chain(ep)).mapToObj(i -> t.function(i).address().toString()))
                .containsExactly("0000:02:00.0", "0000:01:00.0", "0000:00:01.0");
        assertThat(t.function(PciAddress.parse("00:01.0")).orElseThrow().acs()).isEqualTo(new AcsState.Present(0x1f, 0x1d));
        assertThat(t.function(ep).description()).contains("Non-Volatile memory controller: Samsung");
        assertThat(t.function(ep).acs()).as("4096 bytes, no extended capability").isEqualTo(AcsState.ABSENT);
    }

    @Test
    void sixtyFourByteDumpImportsWithAcsUnknownAndAMachineNote() throws Exception {
        PciTopology t = LspciImporter.importFile(LspciDumps.write(dir, "x",
                LspciDumps.hexFunction("00:1f.2", "SATA controller: Intel", LspciDumps.endpoint(64))));
        PciFunction f = t.function(0);
        assertThat(f.configLength()).isEqualTo(64);
        assertThat(f.idText()).isEqualTo("[144d:a808]");
        assertThat(f.acs()).isInstanceOfSatisfying(AcsState.Unknown.class, u -> assertThat(u.reason()).contains("64 bytes"));
        assertThat(t.machine().notes()).anySatisfy(n -> assertThat(n).contains("ACS is unknown for 1 of 1"));
    }

    @Test
    void twoHundredFiftySixByteDumpOfAPcieDeviceLeavesAcsUnknown() throws Exception {
        PciFunction f = LspciImporter.importFile(LspciDumps.write(dir, "xxx",
                LspciDumps.hexFunction("00:01.0", "PCI bridge: Intel", Arrays.copyOf(LspciDumps.rootPort(0, 1, 1, 0), 256)))).function(0);
        assertThat(f.portType()).isEqualTo(PortType.ROOT_PORT);
        assertThat(f.acs()).isInstanceOfSatisfying(AcsState.Unknown.class, u -> assertThat(u.reason()).contains("256 bytes"));
    }

    @Test
    void aliasedExtendedSpaceOfAPcieDeviceMeansNoAcsAsTheKernelSizesItAway() throws Exception {
        byte[] header = Arrays.copyOf(LspciDumps.endpoint(256), 256);
        byte[] all = new byte[4096];
        for (int pos = 0; pos < 4096; pos += 256) {
            System.arraycopy(header, 0, all, pos, 256);
        }
        PciFunction f = LspciImporter.importFile(LspciDumps.write(dir, "alias",
                LspciDumps.hexFunction("00:02.0", "Non-Volatile memory controller: X", all))).function(0);
        assertThat(f.portType()).isEqualTo(PortType.ENDPOINT);
        assertThat(f.acs()).isEqualTo(AcsState.ABSENT);
        assertThat(f.configLength()).isEqualTo(4096);
        assertThat(f.problems()).anySatisfy(p -> assertThat(p).contains("alias"));
    }

    @Test
    void domainsCrlfLineEndingsAndUpperCaseHexAreAccepted() throws Exception {
        String text = LspciDumps.hexFunction("0001:00:00.0", "Host bridge: X", LspciDumps.endpoint(64)).toUpperCase()
                .replace("HOST BRIDGE: X", "Host bridge: X").replace("\n", "\r\n");
        PciTopology t = LspciImporter.importFile(LspciDumps.write(dir, "crlf", text));
        assertThat(t.function(0).address()).isEqualTo(new PciAddress(1, 0, 0, 0));
        assertThat(t.function(0).description()).contains("Host bridge: X");
    }

    @Test
    void twoBridgesClaimingOneSecondaryBusAreRejectedNamingTheFile() throws Exception {
        String text = LspciDumps.hexFunction("00:01.0", "PCI bridge: A", LspciDumps.rootPort(0, 1, 1, -1))
                + LspciDumps.hexFunction("00:02.0", "PCI bridge: B", LspciDumps.rootPort(0, 1, 1, -1))
                + LspciDumps.hexFunction("01:00.0", "Ethernet controller: C", LspciDumps.endpoint(256));
        Path file = LspciDumps.write(dir, "clash", text);
        assertThatThrownBy(() -> LspciImporter.importFile(file)).isInstanceOf(ImportException.class)
                .hasMessageStartingWith(file + ": ").hasMessageContaining("claim bus 01");
    }

    @Test
    void hexRowsAndDecodedLinesOfOneFunctionAreMerged() throws Exception {
        String text = "00:01.0 PCI bridge: Intel\n"
                + "\tNUMA node: 1\n"
                + "\tCapabilities: [100 v1] Access Control Services\n"
                + "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
                + "\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-\n"
                + LspciDumps.hexRows(Arrays.copyOf(LspciDumps.rootPort(0, 1, 1, -1), 256));
        PciFunction f = LspciImporter.importFile(LspciDumps.write(dir, "merged", text)).function(0);
        assertThat(f.configLength()).isEqualTo(256);
        assertThat(f.portType()).isEqualTo(PortType.ROOT_PORT);
        assertThat(f.acs()).isEqualTo(new AcsState.Present(0x1f, 0x0c));
        assertThat(f.numaNode()).hasValue(1);
    }

    @Test
    void bridgesWithUnassignedBusNumbersClaimNothing() throws Exception {
        String text = LspciDumps.hexFunction("00:01.0", "PCI bridge: A", LspciDumps.rootPort(0, 0, 0, -1))
                + LspciDumps.hexFunction("00:02.0", "PCI bridge: B", LspciDumps.rootPort(0, 0, 0, -1))
                + LspciDumps.hexFunction("00:1f.0", "ISA bridge: C", LspciDumps.endpoint(256));
        PciTopology t = LspciImporter.importFile(LspciDumps.write(dir, "unassigned", text));
        assertThat(t.functions()).allSatisfy(f -> assertThat(t.parent(t.indexOf(f.address()))).isEqualTo(-1));
        assertThat(t.function(0).busRange()).isEmpty();
        assertThat(t.function(0).problems()).anySatisfy(p -> assertThat(p).contains("unassigned or invalid"));
    }

    @Test
    void verboseBridgeWithoutABusLineIsFlagged() throws Exception {
        PciFunction f = LspciImporter.importFile(LspciDumps.write(dir, "nobus",
                "00:01.0 PCI bridge [0604]: Intel [8086:1901]\n\tCapabilities: [a0] Express (v2) Root Port (Slot+), MSI 00\n")).function(0);
        assertThat(f.isBridge()).isTrue();
        assertThat(f.problems()).anySatisfy(p -> assertThat(p).contains("without bus numbers"));
    }

    @Test
    void bridgesClaimingBusesBelowTheirOwnCannotFormALoop() throws Exception {
        // 01:00.0 claims bus 02 and 02:00.0 claims bus 01: taken as given they would be each other's parent
        String text = LspciDumps.hexFunction("01:00.0", "PCI bridge: A", Arrays.copyOf(LspciDumps.rootPort(1, 2, 2, -1), 256))
                + LspciDumps.hexFunction("02:00.0", "PCI bridge: B", Arrays.copyOf(LspciDumps.rootPort(2, 1, 1, -1), 256));
        PciTopology t = LspciImporter.importFile(LspciDumps.write(dir, "loop", text));
        assertThat(t.chainLength(t.indexOf(PciAddress.parse("02:00.0")))).isEqualTo(2);
        assertThat(t.function(PciAddress.parse("02:00.0")).orElseThrow().busRange()).isEmpty();
    }

    @Test
    void hexRowsWinWhenTheDecodedAcsLinesDisagreeAndTheDisagreementIsRecorded() throws Exception {
        String text = "00:01.0 PCI bridge: Intel\n"
                + "\tCapabilities: [100 v1] Access Control Services\n"
                + "\t\tACSCap:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-\n"
                + "\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-\n"
                + LspciDumps.hexRows(LspciDumps.rootPort(0, 1, 1, 0x1d));
        PciFunction f = LspciImporter.importFile(LspciDumps.write(dir, "disagree", text)).function(0);
        assertThat(f.acs()).isEqualTo(new AcsState.Present(0x1f, 0x1d));
        assertThat(f.problems()).anySatisfy(p -> assertThat(p).contains("disagree"));
    }
}
