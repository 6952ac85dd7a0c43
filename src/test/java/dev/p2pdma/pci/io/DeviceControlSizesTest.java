package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.pci.ConfigSpace;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Max Payload Size and Max Read Request Size (PCI Express capability, Device Control bits 7:5 and
 * 14:12; README "The bandwidth model", TLPs; docs/topology-format.md {@code max_payload}): read from
 * captured config space, kept through a topology file, refused when not a size the register can
 * hold, and unknown in files written before the fields existed.
 */
class DeviceControlSizesTest {

    /** 64 bytes of standard header with a PCI Express capability at 0x40 whose Device Control is {@code devctl}. */
    private static byte[] config(int devctl) {
        byte[] b = new byte[0x100];
        b[0] = 0x36;
        b[1] = 0x1b;
        b[6] = 0x10; // status: capability list
        b[0x34] = 0x40;
        b[0x40] = 0x10; // PCI Express capability, last in the list
        b[0x42] = 0x02; // version 2, endpoint
        b[0x48] = (byte) devctl;
        b[0x49] = (byte) (devctl >> 8);
        return b;
    }

    @Test
    void deviceControlGivesMaxPayloadAndMaxReadRequestSizes() {
        // MPS field 1 = 256 bytes, MRRS field 2 = 512 bytes
        ConfigSpace cs = ConfigSpace.parse(config(1 << 5 | 2 << 12));
        assertThat(cs.maxPayloadBytes()).isEqualTo(OptionalInt.of(256));
        assertThat(cs.maxReadRequestBytes()).isEqualTo(OptionalInt.of(512));
        PciFunction f = PciFunction.builder(PciAddress.parse("0000:01:00.0")).fromConfig(cs).build();
        assertThat(f.maxPayloadBytes()).isEqualTo(OptionalInt.of(256));
        assertThat(f.maxReadRequestBytes()).isEqualTo(OptionalInt.of(512));
        // 4096 (5) is the largest; 6 and 7 are reserved
        assertThat(ConfigSpace.parse(config(5 << 5 | 5 << 12)).maxPayloadBytes()).isEqualTo(OptionalInt.of(4096));
        assertThat(ConfigSpace.parse(config(6 << 5 | 7 << 12)).maxPayloadBytes()).isEmpty();
        assertThat(ConfigSpace.parse(config(6 << 5 | 7 << 12)).maxReadRequestBytes()).isEmpty();
        // no PCI Express capability captured: unknown
        assertThat(ConfigSpace.parse(new byte[64]).maxPayloadBytes()).isEmpty();
    }

    private static final String FILE = """
            format: p2pdma-topology/1
            host_bridges:
              - name: pci0000:00
                devices:
                  - address: "0000:00:04.0"
                    id: "1b36:000c"
                    class: "0x060400"
                    port: root_port
                    secondary_bus: "0x01"
                    max_payload: MPS
                    children:
                      - address: "0000:01:00.0"
                        id: "1b36:0010"
                        class: "0x010802"
                        port: endpoint
            """;

    @Test
    void aTopologyFileKeepsTheSizesAndOldFilesLeaveThemUnknown() throws Exception {
        PciTopology t = TopologyFileReader.read(FILE.replace("MPS", "512\n        max_read_request: 1024").getBytes(StandardCharsets.UTF_8), "m.yaml");
        PciFunction port = t.function(PciAddress.parse("0000:00:04.0")).orElseThrow();
        assertThat(port.maxPayloadBytes()).isEqualTo(OptionalInt.of(512));
        assertThat(port.maxReadRequestBytes()).isEqualTo(OptionalInt.of(1024));
        assertThat(t.function(PciAddress.parse("0000:01:00.0")).orElseThrow().maxPayloadBytes()).isEmpty();
        String written = TopologyFileWriter.render(t, TopologyFileFormat.YAML);
        assertThat(written).contains("max_payload: 512", "max_read_request: 1024");
        PciTopology again = TopologyFileReader.read(written.getBytes(StandardCharsets.UTF_8), "again.yaml");
        assertThat(TopologyEquality.differences(t, again)).isEmpty();
        PciTopology old = TopologyFileReader.read(FILE.replace("        max_payload: MPS\n", "").getBytes(StandardCharsets.UTF_8), "old.yaml");
        assertThat(old.function(PciAddress.parse("0000:00:04.0")).orElseThrow().maxPayloadBytes()).isEmpty();
    }

    @Test
    void aSizeTheRegisterCannotHoldIsRefusedNamingLineAndDevice() {
        assertThatThrownBy(() -> TopologyFileReader.read(FILE.replace("MPS", "300").getBytes(StandardCharsets.UTF_8), "m.yaml"))
                .isInstanceOf(ImportException.class)
                .hasMessageContaining("m.yaml")
                .hasMessageContaining("line 10")
                .hasMessageContaining("0000:00:04.0")
                .hasMessageContaining("must be 128, 256, 512, 1024, 2048 or 4096 bytes, got 300");
        assertThatThrownBy(() -> TopologyFileReader.read(FILE.replace("MPS", "8192").getBytes(StandardCharsets.UTF_8), "m.yaml"))
                .isInstanceOf(ImportException.class)
                .hasMessageContaining("max_payload");
    }

    @Test
    void lspciVerboseTextGivesTheSizesFromItsDevCtlLine() throws Exception {
        // cap-dpc prints "DevCap: MaxPayload 1024 bytes" (what the port can do) and, under DevCtl:,
        // "MaxPayload 128 bytes, MaxReadReq 128 bytes" (what it was set to): the second counts
        java.nio.file.Path file = LspciDumps.realFiles().stream().filter(p -> p.getFileName().toString().equals("cap-dpc")).findFirst()
                .orElseThrow();
        PciFunction port = LspciImporter.importFile(file).function(PciAddress.parse("0000:05:01.0")).orElseThrow();
        assertThat(port.maxPayloadBytes()).isEqualTo(OptionalInt.of(128));
        assertThat(port.maxReadRequestBytes()).isEqualTo(OptionalInt.of(128));
    }
}
