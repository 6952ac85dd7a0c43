package dev.p2pdma.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.io.ImportException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the pci.ids database: vendors, devices, subsystems, classes, and one-line errors for bad files. */
class PciIdsTest {

    /** A database in the real file's layout. */
    private static final String IDS = """
            # comment
            #\tVersion: 2099.01.02

            8086  Intel Corporation
            \t29c0  82G33/G31/P35/P31 Express DRAM Controller
            \t2922  82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]
            \t\t1af4 1100  QEMU Virtual Machine
            # a comment between entries
            1b36  Red Hat, Inc.
            \t0010  QEMU NVM Express Controller
            C 01  Mass storage controller
            \t08  Non-Volatile memory controller
            \t\t02  NVM Express
            C 06  Bridge
            \t04  PCI bridge
            """;

    private static PciIds parse(String text) throws Exception {
        return PciIds.parse("test.ids", new StringReader(text));
    }

    @Test
    void vendorsDevicesAndSubsystemsAreLookedUpByTheirIds() throws Exception {
        PciIds ids = parse(IDS);
        assertThat(ids.vendor(0x8086)).contains("Intel Corporation");
        assertThat(ids.device(0x8086, 0x29c0)).contains("82G33/G31/P35/P31 Express DRAM Controller");
        assertThat(ids.device(0x1b36, 0x0010)).contains("QEMU NVM Express Controller");
        assertThat(ids.subsystem(0x8086, 0x2922, 0x1af4, 0x1100)).contains("QEMU Virtual Machine");
        assertThat(ids.device(0x8086, 0x0010)).as("devices belong to their vendor").isEmpty();
        assertThat(ids.vendor(0x10de)).isEmpty();
        assertThat(ids.vendorCount()).isEqualTo(2);
        assertThat(ids.deviceCount()).isEqualTo(3);
        assertThat(ids.source()).contains("test.ids, version 2099.01.02");
    }

    @Test
    void classNamesAreTheMostSpecificLevelKnown() throws Exception {
        PciIds ids = parse(IDS);
        assertThat(ids.className(0x010802)).contains("NVM Express");
        assertThat(ids.className(0x010800)).contains("Non-Volatile memory controller");
        assertThat(ids.className(0x010400)).contains("Mass storage controller");
        assertThat(ids.className(0x060400)).contains("PCI bridge");
        assertThat(ids.className(0x0c0330)).isEmpty();
    }

    @Test
    void aFunctionIsNamedFromTheDatabaseThenItsInputThenItsClass() throws Exception {
        PciIds ids = parse(IDS);
        PciFunction known = PciFunction.builder(new PciAddress(0, 1, 0, 0)).ids(0x1b36, 0x0010).classCode(0x010802).build();
        PciFunction described = PciFunction.builder(new PciAddress(0, 2, 0, 0)).ids(0x10de, 0x2330).classCode(0x030200)
                .description("NVIDIA H100").build();
        PciFunction classOnly = PciFunction.builder(new PciAddress(0, 3, 0, 0)).ids(0x8086, 0x1234).classCode(0x060400).build();
        PciFunction nothing = PciFunction.builder(new PciAddress(0, 4, 0, 0)).ids(0x10de, 0x2330).classCode(0x0c0330).build();
        assertThat(ids.nameOf(known)).contains("Red Hat, Inc. QEMU NVM Express Controller");
        assertThat(ids.nameOf(described)).contains("NVIDIA H100");
        assertThat(ids.nameOf(classOnly)).contains("Intel Corporation PCI bridge");
        assertThat(ids.nameOf(nothing)).isEmpty();
        assertThat(PciIds.empty().nameOf(known)).isEmpty();
        assertThat(PciIds.empty().source()).isEmpty();
    }

    @Test
    void aMalformedLineIsOneErrorNamingTheFileAndLine() {
        assertThatThrownBy(() -> parse("8086  Intel\n\t29c0  ok\n\tzz99  bad id\n"))
                .isInstanceOf(ImportException.class).hasMessageStartingWith("test.ids:3: malformed pci.ids line").hasMessageNotContaining("\n");
        // a first entry that is already wrong: not a pci.ids file, and none of it is quoted
        assertThatThrownBy(() -> parse("\t29c0  device before any vendor\n"))
                .isInstanceOf(ImportException.class).hasMessageStartingWith("test.ids: is not a pci.ids file: line 1")
                .hasMessageNotContaining("device before");
        assertThatThrownBy(() -> parse("8086\n"))
                .isInstanceOf(ImportException.class).hasMessageStartingWith("test.ids: is not a pci.ids file: line 1");
        assertThatThrownBy(() -> parse("8086  Intel\n\t29c0   \n"))
                .isInstanceOf(ImportException.class).hasMessageContaining("test.ids:2: malformed pci.ids line (no name");
    }

    @Test
    void aMissingOrMalformedFileIsNamedInTheError(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("none.ids");
        assertThatThrownBy(() -> PciIds.load(missing)).isInstanceOf(ImportException.class).hasMessage(missing + ": no such pci.ids file");
        Path bad = dir.resolve("bad.ids");
        Files.writeString(bad, "8086  Intel\nnot an id line\n");
        assertThatThrownBy(() -> PciIds.load(bad)).isInstanceOf(ImportException.class).hasMessageStartingWith(bad + ":2: malformed");
    }

    @Test
    void theSystemDatabaseParsesWhenInstalled() throws Exception {
        PciIds ids = PciIds.systemOrEmpty();
        if (Files.isRegularFile(PciIds.SYSTEM_PATH)) {
            assertThat(ids.vendor(0x8086)).contains("Intel Corporation");
            assertThat(ids.deviceCount()).isGreaterThan(10_000);
        } else {
            assertThat(ids.vendorCount()).isZero();
        }
    }
}
