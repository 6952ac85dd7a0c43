package dev.p2pdma.pci.io;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.ConfigSpace;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The real lspci dumps in {@code ../shared/real-machines/lspci/} import with the shapes they hold. */
class LspciRealMachinesTest {

    static List<Path> realFiles() {
        return LspciDumps.realFiles();
    }

    @Test
    void theRealLspciFolderHoldsTheFourKnownDumps() {
        assertThat(realFiles()).extracting(p -> p.getFileName().toString())
                .contains("tree-asus-p6t6", "PCI-X-bridges-and-domains", "broken-ecaps", "cap-dpc");
    }

    @ParameterizedTest
    @MethodSource("realFiles")
    void everyRealDumpImportsWithDescribedFunctionsAndUnknownMachineFacts(Path file) throws Exception {
        PciTopology t = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> LspciImporter.importFile(file));
        assertThat(t.size()).isPositive();
        assertThat(t.functions()).allSatisfy(f -> {
            assertThat(f.description()).isPresent();
            assertThat(f.vendorId()).isNotEqualTo(0xffff);
            assertThat(f.portType()).isNotEqualTo(PortType.UNKNOWN);
        });
        assertThat(t.machine().source()).isEqualTo("lspci dump " + file);
        assertThat(t.machine().cpu()).isEmpty();
        assertThat(t.machine().cmdline()).isEmpty();
        assertThat(t.machine().notes()).anySatisfy(n -> assertThat(n).contains("CPU and kernel command line are unknown"));
        long headers = Files.readAllLines(file).stream().filter(l -> l.matches("^([0-9a-f]{4,}:)?[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7] .*")).count();
        assertThat(t.size()).as("one function per header line").isEqualTo(headers);
    }

    @Test
    void asusX58TreeHas53FunctionsOnRootBuses00AndFf() throws Exception {
        PciTopology t = asus();
        assertThat(t.size()).isEqualTo(53);
        assertThat(t.hostBridges()).containsExactly(new HostBridge(0, 0x00), new HostBridge(0, 0xff));
        assertThat(t.rootChildren(1)).hasSize(19);
    }

    @Test
    void asusX58RootPortsCarryAcsWithNoRedirectEnabled() throws Exception {
        PciTopology t = asus();
        for (String a : List.of("00:01.0", "00:03.0", "00:07.0")) {
            PciFunction f = fn(t, a);
            assertThat(f.portType()).as(a).isEqualTo(PortType.ROOT_PORT);
            assertThat(f.acs()).as(a).isEqualTo(new AcsState.Present(0x1f, 0x00));
        }
        for (String a : List.of("00:1c.0", "00:1c.1", "00:1c.2")) {
            assertThat(fn(t, a).portType()).as(a).isEqualTo(PortType.ROOT_PORT);
            assertThat(fn(t, a).acs()).as(a).isEqualTo(AcsState.ABSENT);
        }
    }

    @Test
    void asusNf200SwitchIsNestedUnderRootPort3() throws Exception {
        PciTopology t = asus();
        assertThat(fn(t, "02:00.0").portType()).isEqualTo(PortType.UPSTREAM_PORT);
        assertThat(fn(t, "03:00.0").portType()).isEqualTo(PortType.DOWNSTREAM_PORT);
        assertThat(fn(t, "03:02.0").portType()).isEqualTo(PortType.DOWNSTREAM_PORT);
        assertThat(fn(t, "04:00.0").portType()).isEqualTo(PortType.ENDPOINT);
        assertThat(chain(t, "04:00.0")).containsExactly("0000:04:00.0", "0000:03:00.0", "0000:02:00.0", "0000:00:03.0");
        assertThat(t.chainLength(t.indexOf(PciAddress.parse("03:02.0")))).isEqualTo(3);
        assertThat(chain(t, "06:00.1")).containsExactly("0000:06:00.1", "0000:00:07.0");
        assertThat(chain(t, "07:00.0")).containsExactly("0000:07:00.0", "0000:00:1c.2");
        assertThat(fn(t, "00:1e.0").portType()).isEqualTo(PortType.CONVENTIONAL_PCI);
    }

    @Test
    void pciXDumpSpansFiveDomainsWithNestedConventionalBridges() throws Exception {
        PciTopology t = LspciImporter.importFile(LspciDumps.realDir().resolve("PCI-X-bridges-and-domains"));
        assertThat(t.size()).isEqualTo(31);
        assertThat(t.hostBridges()).extracting(HostBridge::domain).containsExactly(0, 1, 2, 3, 4);
        assertThat(chain(t, "0001:62:00.0")).containsExactly("0001:62:00.0", "0001:61:01.0", "0001:00:02.6");
        assertThat(chain(t, "0002:42:03.0")).containsExactly("0002:42:03.0", "0002:41:01.0", "0002:00:02.4");
        assertThat(chain(t, "0004:01:01.0")).containsExactly("0004:01:01.0", "0004:00:02.0");
        assertThat(t.functions()).allSatisfy(f -> {
            assertThat(f.portType()).isEqualTo(PortType.CONVENTIONAL_PCI);
            assertThat(f.acs()).isEqualTo(AcsState.ABSENT);
        });
    }

    @Test
    void brokenEcapsImportsWithTheAliasedExtendedSpaceIgnoredAsTheKernelDoes() throws Exception {
        Path file = LspciDumps.realDir().resolve("broken-ecaps");
        PciTopology t = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> LspciImporter.importFile(file));
        assertThat(t.size()).isEqualTo(1);
        PciFunction f = t.function(0);
        assertThat(f.configLength()).isEqualTo(4096);
        // status bit 4 is clear: no capability list, so no PCIe capability and no extended space in use
        assertThat(f.portType()).isEqualTo(PortType.CONVENTIONAL_PCI);
        assertThat(f.acs()).isEqualTo(AcsState.ABSENT);
        assertThat(f.problems()).anySatisfy(p -> assertThat(p).contains("alias").contains("corrupt"));
    }

    @Test
    void brokenEcapsExtendedListLoopsAndConfigSpaceStopsWithUnknownAcsWhenItIsWalked() throws Exception {
        byte[] bytes = LspciImporter.importFile(LspciDumps.realDir().resolve("broken-ecaps")).function(0).config();
        // give the device a PCI Express capability so that the parser must follow 0x100 -> 0x790 -> 0xd00 -> 0x790
        bytes[0x06] |= 0x10;
        bytes[0x34] = 0x40;
        bytes[0x40] = 0x10;
        bytes[0x41] = 0x00;
        bytes[0x42] = 0x02;
        ConfigSpace cs = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> ConfigSpace.parse(bytes));
        assertThat(cs.acs()).isInstanceOfSatisfying(AcsState.Unknown.class,
                u -> assertThat(u.reason()).contains("loops at 0x790"));
        assertThat(cs.extendedCapabilities()).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void capDpcIsOneDownstreamPortWithAcsFromTheDecodedLines() throws Exception {
        PciTopology t = LspciImporter.importFile(LspciDumps.realDir().resolve("cap-dpc"));
        assertThat(t.size()).isEqualTo(1);
        PciFunction f = t.function(0);
        assertThat(f.address()).isEqualTo(PciAddress.parse("0000:05:01.0"));
        assertThat(f.portType()).isEqualTo(PortType.DOWNSTREAM_PORT);
        assertThat(f.acs()).isEqualTo(new AcsState.Present(0x7f, 0x00));
        assertThat(f.busRange()).contains(new PciFunction.BusRange(0x06, 0x06));
        assertThat(f.idText()).isEqualTo("[10b5:9716]");
        assertThat(f.driver()).contains("pcieport");
        assertThat(f.numaNode()).hasValue(0);
        assertThat(f.link().currentSpeedGtps()).isEqualTo(8.0);
        assertThat(f.link().currentWidth()).isEqualTo(4);
    }

    private static PciTopology asus() throws ImportException {
        return LspciImporter.importFile(LspciDumps.realDir().resolve("tree-asus-p6t6"));
    }

    private static PciFunction fn(PciTopology t, String address) {
        return t.function(PciAddress.parse(address)).orElseThrow();
    }

    private static List<String> chain(PciTopology t, String address) {
        return Arrays.stream(t.chain(t.indexOf(PciAddress.parse(address)))).mapToObj(i -> t.function(i).address().toString()).toList();
    }
}
