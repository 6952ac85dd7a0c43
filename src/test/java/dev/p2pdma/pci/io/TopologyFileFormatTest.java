package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Which files are topology files, and in which syntax. */
class TopologyFileFormatTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theExtensionNamesTheSyntaxInAnyCase() {
        assertThat(TopologyFileFormat.ofFileName("machine.yaml")).contains(TopologyFileFormat.YAML);
        assertThat(TopologyFileFormat.ofFileName("dir.d/machine.YML")).contains(TopologyFileFormat.YAML);
        assertThat(TopologyFileFormat.ofFileName("machine.Json")).contains(TopologyFileFormat.JSON);
        assertThat(TopologyFileFormat.ofFileName("machine.xml")).isEmpty();
        assertThat(TopologyFileFormat.ofFileName("yaml")).isEmpty();
    }

    @Test
    void withoutAKnownExtensionTheFormatMarkerInTheContentDecides() {
        assertThat(TopologyFileFormat.detect("-", bytes("# comment\nformat: p2pdma-topology/1\n"))).contains(TopologyFileFormat.YAML);
        assertThat(TopologyFileFormat.detect("t.txt", bytes("\n  {\"format\": \"p2pdma-topology/1\"}"))).contains(TopologyFileFormat.JSON);
        assertThat(TopologyFileFormat.detect("t.txt", bytes("\ufeff{\"format\": \"p2pdma-topology/7\"}"))).contains(TopologyFileFormat.JSON);
    }

    @Test
    void otherInputsAreNotTopologyFiles() {
        assertThat(TopologyFileFormat.detect("topo.xml", bytes("<?xml version=\"1.0\"?><topology/>"))).isEmpty();
        assertThat(TopologyFileFormat.detect("capture.tar.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0})).isEmpty();
        assertThat(TopologyFileFormat.detect("lspci.txt", bytes("-[0000:00]-+-00.0  Intel Corporation"))).isEmpty();
        String late = " ".repeat(TopologyFileFormat.SNIFF_BYTES) + "format: p2pdma-topology/1";
        assertThat(TopologyFileFormat.detect("late", bytes(late))).isEmpty();
    }

    @Test
    void aNamedTopologyFileIsOneWhateverItsContent() {
        assertThat(TopologyFileFormat.detect("empty.yaml", new byte[0])).contains(TopologyFileFormat.YAML);
    }
}
