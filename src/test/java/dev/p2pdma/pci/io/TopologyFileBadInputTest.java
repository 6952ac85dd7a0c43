package dev.p2pdma.pci.io;

import static dev.p2pdma.pci.io.TopologyFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.p2pdma.doc.DocumentParser;
import dev.p2pdma.pci.PciTopology;

/**
 * Every kind of bad topology file gives an {@link ImportException} with one line that names the
 * file, the line (where there is one) and the device, and says what is wrong.
 */
class TopologyFileBadInputTest {

    @TempDir
    Path dir;

    /** A small valid file; tests break one thing in it. Line numbers matter: see the comments. */
    private static final String BASE = """
            format: p2pdma-topology/1
            machine:
              source: test
            host_bridges:
              - name: pci0000:00
                devices:
                  - address: "0000:00:04.0"
                    id: "1b36:000c"
                    class: "0x060400"
                    header_type: "0x01"
                    port: root_port
                    secondary_bus: "0x01"
                    subordinate_bus: "0x01"
                    acs:
                      cap: "0x005f"
                      ctrl: "0x001d"
                    children:
                      - address: "0000:01:00.0"
                        id: "1b36:0010"
                        class: "0x010802"
                        port: endpoint
            """;

    private String message(String content, String fileName) throws Exception {
        Path file = dir.resolve(fileName);
        Files.writeString(file, content);
        return message(file);
    }

    private static String message(Path file) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> TopologyFileReader.read(file));
        assertThat(t).isInstanceOf(ImportException.class);
        String m = t.getMessage();
        assertThat(m).doesNotContain("\n").doesNotContain("\r").contains(file.toString());
        return m;
    }

    private String yaml(String content) throws Exception {
        return message(content, "machine.yaml");
    }

    /** BASE with {@code insert} placed as a new line after line {@code afterLine} (1-based). */
    private static String withLine(int afterLine, String insert) {
        List<String> lines = new ArrayList<>(Arrays.asList(BASE.split("\n")));
        lines.add(afterLine, insert);
        return String.join("\n", lines) + "\n";
    }

    @Test
    void theBaseFileIsValid() throws Exception {
        Path file = dir.resolve("machine.yaml");
        Files.writeString(file, BASE);
        assertThat(TopologyFileReader.read(file).size()).isEqualTo(2);
    }

    @Test
    void unknownDeviceFieldIsRejectedNamingFieldDeviceLineAndASuggestion() throws Exception {
        String m = yaml(withLine(8, "        acss: absent"));
        assertThat(m).isEqualTo("unknown field 'acss' in device 0000:00:04.0, did you mean 'acs'? (" + dir.resolve("machine.yaml") + " line 9)");
    }

    @Test
    void unknownFieldsElsewhereAreRejectedToo() throws Exception {
        assertThat(yaml(withLine(3, "  kernal: 6.1"))).contains("unknown field 'kernal' in machine, did you mean 'kernel'?", "line 4");
        assertThat(yaml(withLine(1, "hostbridges: []"))).contains("unknown field 'hostbridges' in the document", "line 2");
        assertThat(yaml(withLine(5, "    domain: 0"))).contains("unknown field 'domain' in host bridge pci0000:00", "line 6");
        assertThat(yaml(withLine(16, "          ctl: 0"))).contains("unknown field 'ctl' in acs of device 0000:00:04.0", "line 17");
        assertThat(yaml(BASE.replace("name: pci0000:00", "nme: pci0000:00"))).contains("unknown field 'nme' in host bridge at line 5, did you mean 'name'?");
        assertThat(yaml(BASE.replace("- address: \"0000:01:00.0\"", "- adress: \"0000:01:00.0\"")))
                .contains("unknown field 'adress' in device at line 18, did you mean 'address'?", "line 18");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            bars: [{indx: 0}]")))
                .contains("unknown field 'indx' in BAR at line 22 of device 0000:01:00.0, did you mean 'index'?");
    }

    @Test
    void unknownFieldInJsonIsRejectedWithItsLine() throws Exception {
        String json = """
                {
                  "format": "p2pdma-topology/1",
                  "host_bridges": [ { "name": "pci0000:00", "devices": [
                    { "address": "0000:00:00.0", "id": "8086:29c0", "class": "0x060000",
                      "clas": 5 } ] } ]
                }
                """;
        assertThat(message(json, "machine.json")).contains("unknown field 'clas' in device 0000:00:00.0, did you mean 'class'?",
                "machine.json line 5");
    }

    @Test
    void wrongTypesAreRejectedSayingWhatWasExpected() throws Exception {
        assertThat(yaml(BASE.replace("class: \"0x060400\"", "class: network")))
                .contains("field 'class' of device 0000:00:04.0 must be a number 0x0..0xffffff", "got the string 'network'", "line 9");
        assertThat(yaml(BASE.replace("class: \"0x060400\"", "class: 1.5"))).contains("got the number 1.5");
        assertThat(yaml(BASE.replace("class: \"0x060400\"", "class: \"060400\""))).contains("(decimal, or hex written 0x...)");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            children: 5")))
                .contains("field 'children' of device 0000:01:00.0 must be a list, got the number 5");
        assertThat(yaml("format: p2pdma-topology/1\nhost_bridges: [{name: pci0000:00, devices: {}}]\n")).contains("field 'devices' of host bridge pci0000:00 must be a list");
        assertThat(yaml(BASE.replace("        acs:\n", "        acs: [1]\n").replace("          cap: \"0x005f\"\n          ctrl: \"0x001d\"\n", "")))
                .contains("field 'acs' of device 0000:00:04.0 must be 'absent', {cap: ..., ctrl: ...}, {cap: ..., unreadable: reason} or {unknown: reason}, got a list");
        assertThat(yaml(BASE.replace("port: root_port", "port: root_port\n        driver: true")))
                .contains("field 'driver' of device 0000:00:04.0 must be a string, got the boolean true (put it in quotes)");
        assertThat(yaml(BASE.replace("source: test", "source: [a, b]"))).contains("field 'source' of machine must be a string, got a list");
        assertThat(yaml(BASE.replace("source: test", "iommu: maybe"))).contains("field 'iommu' of machine must be 'on' or 'off'");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            p2pmem: {size: 1, available: 1, published: yes}")))
                .contains("field 'published' of p2pmem of device 0000:01:00.0 must be true or false");
    }

    @Test
    void valuesOutOfRangeAreRejected() throws Exception {
        assertThat(yaml(BASE.replace("header_type: \"0x01\"", "header_type: 0x100")))
                .contains("field 'header_type' of device 0000:00:04.0 must be 0x0..0xff, got 0x100", "line 10");
        assertThat(yaml(BASE.replace("subordinate_bus: \"0x01\"", "subordinate_bus: 256"))).contains("field 'subordinate_bus'");
        assertThat(yaml(BASE.replace("ctrl: \"0x001d\"", "ctrl: 0x10000"))).contains("field 'ctrl' of acs of device 0000:00:04.0 must be 0x0..0xffff");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            bars: [{index: 6, type: io, address: 0, size: 1}]")))
                .contains("field 'index' of BAR at line 22 of device 0000:01:00.0 must be 0..5, got 6");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            bars: [{index: 1, type: io, address: 0, size: 0}]")))
                .contains("field 'size' of BAR 1 of device 0000:01:00.0 must be 0x1..");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            config: {length: 4097, rows: []}")))
                .contains("field 'length' of config of device 0000:01:00.0 must be 0..4096");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            numa_node: 99999999999999999999999")))
                .contains("field 'numa_node' of device 0000:01:00.0 must be -1..2147483647");
    }

    @Test
    void malformedAddressesAreRejected() throws Exception {
        assertThat(yaml(BASE.replace("\"0000:01:00.0\"", "\"0000:01:00.9\"")))
                .contains("malformed PCI address '0000:01:00.9' in device at line 18", "line 18");
        assertThat(yaml(BASE.replace("\"0000:01:00.0\"", "nvme0"))).contains("malformed PCI address 'nvme0'");
        assertThat(yaml(BASE.replace("\"0000:01:00.0\"", "7"))).contains("malformed PCI address the number 7");
        assertThat(yaml(BASE.replace("name: pci0000:00", "name: host0"))).contains("malformed host bridge name 'host0'", "line 5");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            physfn: 0000:01:00")))
                .contains("malformed PCI address '0000:01:00' in field 'physfn' of device 0000:01:00.0");
        assertThat(yaml(BASE.replace("source: test", "iommu_groups: {\"0\": [\"00:00\"]}"))).contains("member of iommu group 0");
        assertThat(yaml(BASE.replace("source: test", "iommu_groups: {zero: []}"))).contains("iommu group number must be a decimal number, got 'zero'");
    }

    @Test
    void aDeviceInAnotherDomainThanItsHostBridgeIsRejected() throws Exception {
        assertThat(yaml(BASE.replace("\"0000:01:00.0\"", "\"0001:01:00.0\"")))
                .contains("device 0001:01:00.0 is in domain 0001 but nested below bridge 0000:00:04.0 of domain 0000", "line 18");
    }

    @Test
    void duplicateAddressesAreRejectedNamingBothLines() throws Exception {
        String m = yaml(BASE.replace("\"0000:01:00.0\"", "\"0000:00:04.0\""));
        assertThat(m).contains("duplicate device 0000:00:04.0, first at line 7", "line 18");
    }

    @Test
    void duplicateKeysAndHostBridgesAreRejected() throws Exception {
        assertThat(yaml(withLine(8, "        class: \"0x060400\""))).contains("duplicate key 'class', first at line 9", "line 10");
        assertThat(yaml(BASE + "  - name: pci0000:00\n")).contains("duplicate host bridge pci0000:00, first at line 5", "line 22");
        assertThat(message("{\"format\": \"p2pdma-topology/1\", \"format\": \"x\"}", "dup.json")).contains("duplicate key 'format'");
    }

    @Test
    void aChildOutsideItsParentsBusRangeIsAcceptedWithAProblem() throws Exception {
        Path file = dir.resolve("machine.yaml");
        Files.writeString(file, BASE.replace("\"0000:01:00.0\"", "\"0000:07:00.0\""));
        PciTopology t = TopologyFileReader.read(file);
        int child = t.indexOf(a("0000:07:00.0"));
        assertThat(t.parent(child)).isEqualTo(t.indexOf(a("0000:00:04.0")));
        assertThat(t.function(child).problems())
                .containsExactly("topology file nests it below bridge 0000:00:04.0 (buses 01..01), but its bus is 07");
        Files.writeString(file, BASE.replace("\"0000:00:04.0\"", "\"0000:03:04.0\""));
        assertThat(TopologyFileReader.read(file).function(a("0000:03:04.0")).orElseThrow().problems())
                .containsExactly("topology file nests it directly below host bridge pci0000:00 (root bus 00), but its bus is 03");
    }

    @Test
    void aDeviceNestedBelowANonBridgeIsRejectedWithItsLine() throws Exception {
        String m = yaml(BASE.replace("port: endpoint", "port: endpoint\n            children: [{address: \"0000:02:00.0\", id: \"1:2\", class: 0}]"));
        assertThat(m).contains("0000:02:00.0: its parent 0000:01:00.0 is not a bridge", "line 22");
    }

    @Test
    void missingVirtualAndPhysicalFunctionsAreRejected() throws Exception {
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            physfn: \"0000:01:00.7\"")))
                .contains("physfn 0000:01:00.7 of device 0000:01:00.0 is not in the file", "line 18");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            virtfns: [\"0000:01:00.1\"]")))
                .contains("virtfn 0000:01:00.1 of device 0000:01:00.0 is not in the file");
    }

    @Test
    void missingRequiredFieldsAreRejected() throws Exception {
        assertThat(yaml(BASE.replace("            id: \"1b36:0010\"\n", ""))).contains("missing field 'id' in device 0000:01:00.0", "line 18");
        assertThat(yaml(BASE.replace("            class: \"0x010802\"\n", ""))).contains("missing field 'class' in device 0000:01:00.0");
        assertThat(yaml(BASE.replace("- address: \"0000:01:00.0\"\n            id", "- id"))).contains("missing field 'address' in device at line 18");
        assertThat(yaml(BASE.replace("          ctrl: \"0x001d\"\n", ""))).contains("missing field 'ctrl' in acs of device 0000:00:04.0");
        assertThat(yaml("format: p2pdma-topology/1\nhost_bridges:\n  - devices: []\n"))
                .contains("missing field 'name' in host bridge at line 3");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            p2pmem: {size: 1, available: 1}")))
                .contains("missing field 'published' in p2pmem of device 0000:01:00.0");
        assertThat(yaml(BASE.replace("subordinate_bus", "nothing").replace("secondary_bus", "subordinate_bus").replace("nothing", "numa_node")))
                .contains("field 'subordinate_bus' of device 0000:00:04.0 needs a 'secondary_bus' too");
    }

    @Test
    void badEnumerationsAndTextFieldsAreRejectedListingTheChoices() throws Exception {
        assertThat(yaml(BASE.replace("port: root_port", "port: root-port")))
                .contains("field 'port' of device 0000:00:04.0 must be one of endpoint, legacy_endpoint, root_port", "got 'root-port'", "line 11");
        assertThat(yaml(BASE.replace("ctrl: \"0x001d\"", "ctrl: [SV, XX]"))).contains("unknown ACS bit the string 'XX' (known: SV, TB, RR, CR, UF, EC, DT)");
        assertThat(yaml(BASE.replace("        acs:\n          cap: \"0x005f\"\n          ctrl: \"0x001d\"\n", "        acs: present\n")))
                .contains("must be 'absent', {cap: ..., ctrl: ...}, {cap: ..., unreadable: reason} or {unknown: reason}, got the string 'present'");
        assertThat(yaml(BASE.replace("id: \"1b36:0010\"", "id: 1b36-0010"))).contains("field 'id' of device 0000:01:00.0 must be vendor:device in hex");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            link: {max: 16GTs}"))).contains("a link must read like '16 GT/s x16'");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            bars: [{index: 0, type: mem, address: 0, size: 1}]")))
                .contains("field 'type' of BAR 0 of device 0000:01:00.0 must be one of io, mem32, mem64; got 'mem'");
        assertThat(yaml(BASE.replace("port: endpoint", "port: endpoint\n            bars: [{index: 0, type: io, address: 0, size: 1}, {index: 0, type: io, address: 0, size: 1}]")))
                .contains("BAR 0 of device 0000:01:00.0 is listed twice");
    }

    @Test
    void badConfigRowsAreRejected() throws Exception {
        String config = "port: endpoint\n            config:\n              length: 64\n              rows:\n";
        assertThat(yaml(BASE.replace("port: endpoint", config + "                - \"000: 36 1b zz\"")))
                .contains("a config row must read 'OFFSET: xx xx ...'", "config of device 0000:01:00.0", "line 25");
        assertThat(yaml(BASE.replace("port: endpoint", config + "                - \"004: 36\"")))
                .contains("config row offset 0x4 is not a multiple of 0x10");
        assertThat(yaml(BASE.replace("port: endpoint", config + "                - \"010: 36\"\n                - \"000: 36\"")))
                .contains("config row 0x000 of device 0000:01:00.0 is out of order or repeated", "line 26");
        assertThat(yaml(BASE.replace("port: endpoint", config + "                - \"040: 36\"")))
                .contains("config row 0x040 of device 0000:01:00.0 goes past its length 64");
        assertThat(yaml(BASE.replace("port: endpoint", config + "                - 12"))).contains("must be a string like '000: 86 80 c0 29'");
    }

    @Test
    void unknownOrMissingFormatVersionIsRejected() throws Exception {
        assertThat(yaml(BASE.replace("p2pdma-topology/1", "p2pdma-topology/2")))
                .contains("unsupported topology format version 'p2pdma-topology/2': this p2pdma reads p2pdma-topology/1", "line 1");
        assertThat(yaml(BASE.replace("format: p2pdma-topology/1\n", "")))
                .contains("not a p2pdma topology file: no 'format' field (expected 'format: p2pdma-topology/1')");
        assertThat(yaml(BASE.replace("p2pdma-topology/1", "1"))).contains("not a p2pdma topology file: 'format' is the number 1");
        assertThat(yaml("- a\n- b\n")).contains("not a p2pdma topology file: the document is a list");
        assertThat(yaml("just some words\n")).contains("not a p2pdma topology file: the document is a string").doesNotContain("some words");
        assertThat(message("[1, 2]", "t.json")).contains("the document is a list");
    }

    @Test
    void emptyFilesAreRejected() throws Exception {
        assertThat(yaml("")).contains("machine.yaml: is empty");
        assertThat(yaml("  \n\n\t\n")).contains("is empty");
        assertThat(yaml("# only a comment\n")).contains("holds no YAML document");
        assertThat(message("", "t.json")).contains("t.json: is empty");
    }

    @Test
    void binaryAndNonUtf8FilesAreRejected() throws Exception {
        Path bin = dir.resolve("machine.yaml");
        Files.write(bin, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3});
        assertThat(message(bin)).contains("is binary (NUL byte at offset 3)");
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, "format: p2pdma-topology/1\nmachine: {source: caf\u00e9}\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(message(latin1)).contains("is not UTF-8 text (invalid byte at offset 47)");
    }

    @Test
    void billionLaughsFailsFastAtTheFirstAnchor() {
        StringBuilder sb = new StringBuilder("format: p2pdma-topology/1\nmachine:\n  notes: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (int i = 1; i < 30; i++) {
            sb.append("  x").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 9; j++) {
                sb.append(j == 0 ? "" : ",").append("*a").append(i - 1);
            }
            sb.append("]\n");
        }
        String bomb = sb.toString();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(yaml(bomb))
                .contains("YAML anchors (&a0) are not allowed in a p2pdma input file", "line 3"));
    }

    @Test
    void aliasesAndTagsAreRejected() throws Exception {
        assertThat(yaml(BASE.replace("source: test", "source: *x"))).contains("YAML aliases (*x) are not allowed", "line 3");
        assertThat(yaml(BASE.replace("source: test", "source: !!binary aGVsbG8="))).contains("YAML tags", "are not allowed", "line 3");
        assertThat(yaml(BASE.replace("source: test", "source: !custom x"))).contains("YAML tags (custom) are not allowed");
    }

    @Test
    void deepNestingIsRejected() throws Exception {
        int depth = 100_000;
        String yamlBomb = "format: p2pdma-topology/1\nmachine: {notes: " + "[".repeat(depth) + "]".repeat(depth) + "}\n";
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThat(yaml(yamlBomb)).contains("nest"));
        String jsonBomb = "{\"format\": \"p2pdma-topology/1\", \"machine\": " + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}";
        assertThat(message(jsonBomb, "deep.json")).contains("nested more than " + DocumentParser.MAX_DEPTH + " levels deep");
        // and devices nested more deeply than PCI allows
        StringBuilder devices = new StringBuilder("{\"format\": \"p2pdma-topology/1\", \"host_bridges\": [{\"name\": \"pci0000:00\", \"devices\": [");
        for (int i = 0; i < 300; i++) {
            devices.append("{\"address\": \"0000:00:00.0\", \"id\": \"1:1\", \"class\": 0, \"children\": [");
        }
        devices.append("]}".repeat(300)).append("]}]}");
        assertThat(message(devices.toString(), "devices.json")).contains("nested more than");
    }

    @Test
    void aFileOfTooManyTinyValuesIsRejected() throws Exception {
        String many = "format: p2pdma-topology/1\nmachine: {notes: [" + "a,".repeat(DocumentParser.MAX_VALUES) + "a]}\n";
        assertThat(yaml(many)).contains("more than " + DocumentParser.MAX_VALUES + " values in one file", "line 2");
    }

    @Test
    void aTypoGetsNoSuggestionWhenNothingIsClose() throws Exception {
        assertThat(yaml(withLine(8, "        x: 1"))).isEqualTo("unknown field 'x' in device 0000:00:04.0 (known: "
                + String.join(", ", TopologyDocumentDecoder.DEVICE_FIELDS.stream().sorted().toList()) + ") (" + dir.resolve("machine.yaml") + " line 9)");
    }

    @Test
    void anOversizedFileIsRejectedWithoutReadingIt() throws Exception {
        Path big = dir.resolve("big.yaml");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(TopologyFileReader.MAX_FILE_BYTES + 1L);
        }
        assertThat(message(big)).contains("is " + (TopologyFileReader.MAX_FILE_BYTES + 1L) + " bytes; a topology file may have at most");
    }

    @Test
    void missingFilesAndDirectoriesAreRejected() {
        assertThat(message(dir.resolve("nope.yaml"))).endsWith("nope.yaml: no such file");
        assertThat(message(dir)).endsWith(": is a directory, not a topology file");
    }

    @Test
    void malformedSyntaxIsRejectedWithTheParsersLine() throws Exception {
        assertThat(yaml(BASE.replace("source: test", "source: [test"))).startsWith("malformed YAML: ").contains("machine.yaml line ");
        assertThat(yaml(BASE.replace("        port: root_port", "\tport: root_port"))).startsWith("malformed YAML: ").contains("line 11");
        assertThat(message("{\"format\": \"p2pdma-topology/1\",\n \"machine\": {]\n}", "t.json")).startsWith("malformed JSON: ").contains("t.json line 2");
        String truncated = TopologyFileWriter.render(TopologyFixtures.rich(), TopologyFileFormat.JSON);
        assertThat(message(truncated.substring(0, truncated.length() / 2), "cut.json")).startsWith("malformed JSON: ");
        assertThat(message("{\"format\": \"p2pdma-topology/1\"} {}", "two.json")).contains("more than one JSON document");
    }

    @Test
    void aSecondYamlDocumentIsRejected() throws Exception {
        assertThat(yaml(BASE + "---\nformat: p2pdma-topology/1\n")).contains("more than one YAML document in the file", "line 23");
    }

    @Test
    void aTopologyFileReadThroughTheByteApiNamesTheGivenName() {
        assertThatThrownBy(() -> TopologyFileReader.read("format: p2pdma-topology/9\n".getBytes(StandardCharsets.UTF_8), "stdin"))
                .isInstanceOf(ImportException.class).hasMessage("unsupported topology format version 'p2pdma-topology/9': "
                        + "this p2pdma reads p2pdma-topology/1 (stdin line 1)");
    }
}
