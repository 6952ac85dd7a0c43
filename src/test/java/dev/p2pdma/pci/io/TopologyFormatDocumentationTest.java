package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** {@code docs/topology-format.md} stays true: its example is what the writer writes, and it names every field. */
class TopologyFormatDocumentationTest {

    private static String doc() throws Exception {
        return Files.readString(Path.of("docs", "topology-format.md"));
    }

    /** The first fenced yaml block after the example heading. */
    private static String example(String doc) {
        int heading = doc.indexOf("## A complete example");
        int start = doc.indexOf("```yaml\n", heading) + "```yaml\n".length();
        return doc.substring(start, doc.indexOf("```\n", start));
    }

    @Test
    void theDocumentedExampleIsExactlyWhatTheWriterWritesAndReadsBack() throws Exception {
        String example = example(doc());
        assertThat(example).isEqualTo(TopologyFileWriter.render(TopologyFixtures.documentationExample(), TopologyFileFormat.YAML));
        assertThat(TopologyEquality.differences(TopologyFixtures.documentationExample(),
                TopologyFileReader.read(example.getBytes(java.nio.charset.StandardCharsets.UTF_8), "example.yaml"))).isEmpty();
    }

    @Test
    void everyFieldTheReaderKnowsIsDocumented() throws Exception {
        String doc = doc();
        List<Set<String>> sets = List.of(TopologyDocumentDecoder.DOCUMENT_FIELDS, TopologyDocumentDecoder.MACHINE_FIELDS,
                TopologyDocumentDecoder.CPU_FIELDS, TopologyDocumentDecoder.HOST_BRIDGE_FIELDS, TopologyDocumentDecoder.DEVICE_FIELDS,
                TopologyDocumentDecoder.LINK_FIELDS, TopologyDocumentDecoder.ACS_FIELDS, TopologyDocumentDecoder.P2PMEM_FIELDS,
                TopologyDocumentDecoder.BAR_FIELDS, TopologyDocumentDecoder.CONFIG_FIELDS);
        List<String> undocumented = Stream.concat(sets.stream().flatMap(Set::stream), Stream.of("unknown", "acs: absent"))
                .filter(field -> !doc.contains("`" + field + "`")).sorted().toList();
        assertThat(undocumented).isEmpty();
    }
}
