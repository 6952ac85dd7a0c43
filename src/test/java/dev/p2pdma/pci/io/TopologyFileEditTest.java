package dev.p2pdma.pci.io;

import static dev.p2pdma.pci.io.TopologyFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.ConfigSpace;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;

/** A user edits a written YAML file by hand; reading it back gives the edited topology. */
class TopologyFileEditTest {

    @TempDir
    Path dir;

    private Path writeYaml(PciTopology t) throws Exception {
        Path file = dir.resolve("machine.yaml");
        TopologyFileWriter.write(t, file);
        return file;
    }

    /** Replaces the first {@code from} after the line {@code address: "<device>"}. */
    private static String editInDevice(String yaml, String device, String from, String to) {
        int at = yaml.indexOf("address: \"" + device + "\"");
        assertThat(at).as("device " + device + " in the file").isPositive();
        int hit = yaml.indexOf(from, at);
        assertThat(hit).as(from + " after " + device).isPositive();
        return yaml.substring(0, hit) + to + yaml.substring(hit + from.length());
    }

    @Test
    void clearingAcsRedirectOnOnePortChangesOnlyThatPortsAcsAndTheExplicitAcsWinsOverConfig() throws Exception {
        PciTopology t = CaptureTopology.of("sw-iommu_on-cpu_intel");
        PciFunction rootPort = t.function(a("0000:00:04.0")).orElseThrow();
        assertThat(rootPort.acs()).isEqualTo(new AcsState.Present(0x005f, 0x001d));
        Path file = writeYaml(t);
        Files.writeString(file, editInDevice(Files.readString(file), "0000:00:04.0", "ctrl: \"0x001d\"", "ctrl: \"0x0011\""));

        PciTopology edited = TopologyFileReader.read(file);
        PciFunction port = edited.function(a("0000:00:04.0")).orElseThrow();
        assertThat(port.acs()).isEqualTo(new AcsState.Present(0x005f, 0x0011));
        // the config bytes were left alone: they still say 0x001d, and the explicit field wins
        assertThat(ConfigSpace.parse(port.config()).acs()).isEqualTo(new AcsState.Present(0x005f, 0x001d));
        assertThat(TopologyEquality.differences(t, edited)).containsExactly(
                "0000:00:04.0: acs: Present[capabilityBits=95, controlBits=29] vs Present[capabilityBits=95, controlBits=17]");
    }

    @Test
    void acsRegistersMayBeWrittenAsListsOfBitNames() throws Exception {
        PciTopology t = TopologyFixtures.rich();
        Path file = writeYaml(t);
        String yaml = editInDevice(Files.readString(file), "0000:00:04.0", "ctrl: \"0x001d\"", "ctrl: [SV, uf]");
        Files.writeString(file, editInDevice(yaml, "0000:00:04.0", "cap: \"0x015f\"", "cap: 0x7f"));
        assertThat(TopologyFileReader.read(file).function(a("0000:00:04.0")).orElseThrow().acs())
                .isEqualTo(new AcsState.Present(0x7f, 0x11));
    }

    @Test
    void anAcsControlTheKernelCannotReadIsWrittenAsUnreadableAndReadBack() throws Exception {
        PciTopology t = TopologyFixtures.rich();
        Path file = writeYaml(t);
        Files.writeString(file, editInDevice(Files.readString(file), "0000:00:04.0", "ctrl: \"0x001d\"", "unreadable: \"device gone\""));
        PciTopology edited = TopologyFileReader.read(file);
        assertThat(edited.function(a("0000:00:04.0")).orElseThrow().acs()).isEqualTo(new AcsState.Unreadable(0x015f, "device gone"));
        Path again = dir.resolve("again.yaml");
        TopologyFileWriter.write(edited, again);
        assertThat(TopologyEquality.differences(edited, TopologyFileReader.read(again))).isEmpty();
    }

    @Test
    void changingTheCpuChangesTheMachine() throws Exception {
        PciTopology t = CaptureTopology.of("sw-iommu_on-cpu_intel");
        Path file = writeYaml(t);
        String yaml = Files.readString(file).replace("vendor: GenuineIntel", "vendor: AuthenticAMD").replace("family: \"0x6\"", "family: 25");
        Files.writeString(file, yaml);
        assertThat(TopologyFileReader.read(file).machine().cpu().orElseThrow())
                .isEqualTo(new CpuInfo(CpuInfo.AMD, 0x19, "Intel Xeon Processor (Skylake)"));
    }

    @Test
    void movingADeviceBlockUnderAnotherBridgeMovesItAndRecordsTheBusMismatchAsAProblem() throws Exception {
        PciTopology t = CaptureTopology.of("sw-iommu_on-cpu_intel");
        Path file = writeYaml(t);
        // cut the NVMe below downstream port 02:01.0 and paste it below 02:00.0, next to the other NVMe
        Files.writeString(file, moveBlock(Files.readString(file), "0000:04:00.0", "0000:02:00.0"));

        PciTopology moved = TopologyFileReader.read(file);
        int nvme = moved.indexOf(a("0000:04:00.0"));
        assertThat(moved.function(moved.parent(nvme)).address()).isEqualTo(a("0000:02:00.0"));
        assertThat(moved.children(moved.indexOf(a("0000:02:01.0")))).isEmpty();
        assertThat(moved.function(nvme).problems()).containsExactly(
                "topology file nests it below bridge 0000:02:00.0 (buses 03..03), but its bus is 04");
        // everything else is as it was, and writing and reading again keeps the one problem
        List<String> diffs = TopologyEquality.differences(t, moved);
        assertThat(diffs).allMatch(d -> d.startsWith("0000:04:00.0: ") || d.startsWith("0000:02:0"));
        PciTopology again = TopologyFileReader.read(TopologyFileWriter.render(moved, TopologyFileFormat.YAML).getBytes(), "again.yaml");
        assertThat(TopologyEquality.differences(moved, again)).isEmpty();
    }

    @Test
    void aHandWrittenFileMayUseDecimalsUnquotedHexShortAddressesAndNulls() throws Exception {
        Path file = dir.resolve("hand.yaml");
        Files.writeString(file, """
                format: p2pdma-topology/1
                machine:
                  source: written by hand
                  iommu: off
                  cpu: {vendor: AuthenticAMD, family: 23}
                host_bridges:
                  - name: pci0000:00
                    devices:
                      - address: 00:04.0         # domain 0 may be left out
                        id: 1b36:c
                        class: 394240            # decimal 0x060400
                        header_type: 0x01        # unquoted hex
                        revision: "0x00"
                        port: root_port
                        acs: {cap: 0x5f, ctrl: [SV, RR, CR, UF]}
                        secondary_bus: 1
                        driver: null
                        children:
                          - address: 0000:01:00.0
                            id: 1b36:0010
                            class: 0x010802
                            link: {max: x4, current: 2.5 GT/s}
                            bars: [{index: 0, type: mem64, address: 4261412864, size: 0x4000}]
                            config: {length: 8, rows: ["0: 36 1b 10 00"]}
                """);
        PciTopology t = TopologyFileReader.read(file);
        assertThat(t.machine().iommuActive()).contains(false);
        assertThat(t.machine().cpu().orElseThrow().family()).isEqualTo(0x17);
        PciFunction port = t.function(a("0000:00:04.0")).orElseThrow();
        assertThat(port.deviceId()).isEqualTo(0x000c);
        assertThat(port.classCode()).isEqualTo(0x060400);
        assertThat(port.headerType()).hasValue(1);
        assertThat(port.portType()).isEqualTo(PortType.ROOT_PORT);
        assertThat(port.acs()).isEqualTo(new AcsState.Present(0x5f, 0x1d));
        assertThat(port.busRange()).contains(new PciFunction.BusRange(1, 1));
        assertThat(port.driver()).isEmpty();
        PciFunction nvme = t.function(a("0000:01:00.0")).orElseThrow();
        assertThat(t.function(t.parent(t.indexOf(nvme.address()))).address()).isEqualTo(port.address());
        assertThat(nvme.link().maxWidth()).isEqualTo(4);
        assertThat(nvme.link().currentSpeedGtps()).isEqualTo(2.5);
        assertThat(nvme.bars().get(0).cpuAddress()).isEqualTo(0xfe000000L);
        assertThat(nvme.config()).containsExactly(0x36, 0x1b, 0x10, 0x00, 0, 0, 0, 0);
        assertThat(nvme.acs()).isEqualTo(TopologyFileReader.DEFAULT_ACS);
        assertThat(nvme.problems()).isEmpty();
    }

    @Test
    void aJsonFileMayUseDecimalNumbersEverywhere() throws Exception {
        Path file = dir.resolve("hand.json");
        Files.writeString(file, """
                {"format": "p2pdma-topology/1",
                 "host_bridges": [{"name": "pci0000:00", "devices": [
                   {"address": "0000:00:04.0", "id": "1b36:000c", "class": 394240, "revision": 0, "header_type": 1,
                    "acs": {"cap": 95, "ctrl": 29}, "secondary_bus": 1, "subordinate_bus": 2,
                    "p2pmem": {"size": 67108864, "available": 0, "published": false}}]}]}
                """);
        PciFunction port = TopologyFileReader.read(file).function(a("0000:00:04.0")).orElseThrow();
        assertThat(port.acs()).isEqualTo(new AcsState.Present(0x5f, 0x1d));
        assertThat(port.busRange()).contains(new PciFunction.BusRange(1, 2));
        assertThat(port.p2pmem().orElseThrow().sizeBytes()).isEqualTo(64L << 20);
    }

    /**
     * Cuts the block of list item {@code - address: "<device>"} and pastes it, re-indented, as the
     * first item of the {@code children:} list of {@code newParent}: what a user does in an editor.
     */
    static String moveBlock(String yaml, String device, String newParent) {
        List<String> lines = new ArrayList<>(Arrays.asList(yaml.split("\n", -1)));
        int start = itemLine(lines, device);
        int indent = indentOf(lines.get(start));
        int end = start + 1;
        while (end < lines.size() && (lines.get(end).isBlank() || indentOf(lines.get(end)) > indent)) {
            end++;
        }
        List<String> block = new ArrayList<>(lines.subList(start, end));
        lines.subList(start, end).clear();
        int parent = itemLine(lines, newParent);
        int parentIndent = indentOf(lines.get(parent));
        int children = parent + 1;
        while (!lines.get(children).equals(" ".repeat(parentIndent + 2) + "children:")) {
            children++;
        }
        int shift = parentIndent + 4 - indent;
        List<String> moved = block.stream().map(l -> shift >= 0 ? " ".repeat(shift) + l : l.substring(-shift)).toList();
        lines.addAll(children + 1, moved);
        return String.join("\n", lines);
    }

    private static int itemLine(List<String> lines, String device) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("- address: \"" + device + "\"")) {
                return i;
            }
        }
        throw new AssertionError("no device " + device);
    }

    private static int indentOf(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }
}
