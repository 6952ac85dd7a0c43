package dev.p2pdma.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.TopologyFileReader;

/**
 * Topology files and map scenarios are read by the one document reader: the same mistake gets the
 * same words, naming the file, the line and the key, in both.
 */
class ScenarioAndTopologyMessagesTest {

    /** A topology file with one host bridge and one device; its line 4 is replaced by the tests. */
    private static final String TOPOLOGY = """
            format: p2pdma-topology/1
            host_bridges:
              - name: pci0000:00
                devices:
                  - {address: "0000:00:00.0", id: "8086:29c0", class: "0x060000", driver: x}
            """;

    /** A scenario; its client's {@code KEY: VALUE} is line 3. */
    private static final String SCENARIO = """
            topology: {sysfs: capture.tar.gz}
            client:
              KEY: VALUE
              device: 0000:00:00.0
            sg: [{ram: {phys: 0, length: 4096}}]
            """;

    private static String topologyMessage(String device) {
        byte[] text = TOPOLOGY.replace("driver: x", device).getBytes(StandardCharsets.UTF_8);
        return catchThrowableOfType(ImportException.class, () -> TopologyFileReader.read(text, "m.yaml")).getMessage();
    }

    private static String scenarioMessage(String keyValue) {
        String text = SCENARIO.replace("KEY: VALUE", keyValue);
        return catchThrowableOfType(ImportException.class, () -> MapScenarioReader.read(text, "s.yaml", Path.of("/cases"))).getMessage();
    }

    @Test
    void aMisspeltKeyIsSuggestedInBoth() {
        assertThat(topologyMessage("drivr: x")).isEqualTo("unknown field 'drivr' in device 0000:00:00.0, did you mean 'driver'? (m.yaml line 5)");
        assertThat(scenarioMessage("backnd: iommu")).isEqualTo("unknown field 'backnd' in client, did you mean 'backend'? (s.yaml line 3)");
    }

    @Test
    void aBooleanWhereTextGoesIsRefusedInTheSameWords() {
        assertThat(topologyMessage("driver: true"))
                .isEqualTo("field 'driver' of device 0000:00:00.0 must be a string, got the boolean true (put it in quotes) (m.yaml line 5)");
        assertThat(scenarioMessage("backend: true"))
                .isEqualTo("field 'backend' of client must be a string, got the boolean true (put it in quotes) (s.yaml line 3)");
    }

    @Test
    void aNumberOutOfRangeIsRefusedInTheSameWords() {
        assertThat(topologyMessage("numa_node: -2")).isEqualTo("field 'numa_node' of device 0000:00:00.0 must be -1..2147483647, got -2 (m.yaml line 5)");
        assertThat(scenarioMessage("dma_mask_bits: 65")).isEqualTo("field 'dma_mask_bits' of client must be 0..64, got 65 (s.yaml line 3)");
    }
}
