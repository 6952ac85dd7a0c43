package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;

/** {@code read(write(t))} equals {@code t}, for YAML and JSON, on synthetic and captured topologies. */
class TopologyFileRoundTripTest {

    @TempDir
    Path dir;

    private static PciTopology roundTrip(PciTopology t, TopologyFileFormat format) throws ImportException {
        String text = TopologyFileWriter.render(t, format);
        return TopologyFileReader.read(text.getBytes(StandardCharsets.UTF_8), "t." + format.name().toLowerCase(), format);
    }

    @ParameterizedTest
    @EnumSource(TopologyFileFormat.class)
    void everyFieldOfTheRichTopologySurvivesARoundTrip(TopologyFileFormat format) throws Exception {
        PciTopology t = TopologyFixtures.rich();
        assertThat(TopologyEquality.differences(t, roundTrip(t, format))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TopologyFileFormat.class)
    void aMinimalTopologySurvivesARoundTrip(TopologyFileFormat format) throws Exception {
        PciTopology t = TopologyFixtures.minimal();
        assertThat(TopologyEquality.differences(t, roundTrip(t, format))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TopologyFileFormat.class)
    void aTopologyFromRealConfigSpaceSurvivesARoundTrip(TopologyFileFormat format) throws Exception {
        PciTopology t = CaptureTopology.of("sw-iommu_on-cpu_intel");
        assertThat(t.size()).isEqualTo(10);
        assertThat(t.function(TopologyFixtures.a("0000:00:04.0")).orElseThrow().acs()).isInstanceOf(AcsState.Present.class);
        assertThat(TopologyEquality.differences(t, roundTrip(t, format))).isEmpty();
    }

    @Test
    void everyConformanceCaptureSurvivesARoundTripInBothSyntaxes() throws Exception {
        List<Path> cases;
        try (Stream<Path> s = Files.list(CaptureTopology.shared().resolve("conformance"))) {
            cases = s.filter(c -> Files.isRegularFile(c.resolve("capture.tar.gz"))).sorted().toList();
        }
        assertThat(cases).isNotEmpty();
        for (Path c : cases) {
            PciTopology t = CaptureTopology.of(c.getFileName().toString());
            for (TopologyFileFormat format : TopologyFileFormat.values()) {
                assertThat(TopologyEquality.differences(t, roundTrip(t, format))).as(c.getFileName() + " " + format).isEmpty();
            }
        }
    }

    @Test
    void anIoBarMarked64BitCannotBeWritten() {
        PciTopology t = PciTopology.builder(MachineInfo.unknown(""))
                .add(PciFunction.builder(TopologyFixtures.a("0000:00:01.0")).ids(1, 2)
                        .bars(List.of(new Bar(0, 0x1000, 0x10, false, true, false))).build(), Parent.FROM_BUS_NUMBERS)
                .build();
        assertThatThrownBy(() -> TopologyFileWriter.render(t, TopologyFileFormat.YAML))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0000:00:01.0: BAR 0 is an I/O BAR marked 64-bit");
    }

    @Test
    void writingToAPathWithAnUnknownExtensionIsRefused() {
        assertThatThrownBy(() -> TopologyFileWriter.write(TopologyFixtures.minimal(), dir.resolve("machine.txt")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must end in .yaml, .yml or .json");
    }

    @ParameterizedTest
    @EnumSource(TopologyFileFormat.class)
    void writingWhatWasReadGivesTheSameText(TopologyFileFormat format) throws Exception {
        PciTopology t = TopologyFixtures.rich();
        String first = TopologyFileWriter.render(t, format);
        assertThat(TopologyFileWriter.render(roundTrip(t, format), format)).isEqualTo(first);
    }

    @Test
    void yamlAndJsonCarryTheSameDocument() throws Exception {
        PciTopology t = TopologyFixtures.rich();
        PciTopology fromYaml = roundTrip(t, TopologyFileFormat.YAML);
        PciTopology fromJson = roundTrip(t, TopologyFileFormat.JSON);
        assertThat(TopologyEquality.differences(fromYaml, fromJson)).isEmpty();
    }

    @Test
    void aYamlFileIsReadAsJsonToo() throws Exception {
        // JSON is YAML: a .yaml file holding JSON reads the same
        PciTopology t = TopologyFixtures.rich();
        Path file = dir.resolve("machine.yaml");
        Files.writeString(file, TopologyFileWriter.render(t, TopologyFileFormat.JSON));
        assertThat(TopologyEquality.differences(t, TopologyFileReader.read(file))).isEmpty();
    }

    @Test
    void writingToAPathPicksTheSyntaxByExtensionAndReadingFindsItAgain() throws Exception {
        PciTopology t = TopologyFixtures.rich();
        for (String name : new String[] {"m.yaml", "m.yml", "m.json", "M.JSON"}) {
            Path file = dir.resolve(name);
            TopologyFileWriter.write(t, file);
            String text = Files.readString(file);
            assertThat(text.startsWith("{")).as(name).isEqualTo(name.toLowerCase().endsWith(".json"));
            assertThat(TopologyEquality.differences(t, TopologyFileReader.read(file))).as(name).isEmpty();
        }
    }

    @Test
    void contentSniffingReadsAFileWithoutAKnownExtension() throws Exception {
        PciTopology t = TopologyFixtures.rich();
        for (TopologyFileFormat format : TopologyFileFormat.values()) {
            Path file = dir.resolve("topology-" + format + ".txt");
            Files.writeString(file, TopologyFileWriter.render(t, format));
            assertThat(TopologyEquality.differences(t, TopologyFileReader.read(file))).as(format.name()).isEmpty();
        }
    }

    @Test
    void aUtf8ByteOrderMarkIsIgnored() throws Exception {
        PciTopology t = TopologyFixtures.minimal();
        byte[] text = TopologyFileWriter.render(t, TopologyFileFormat.JSON).getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xef;
        withBom[1] = (byte) 0xbb;
        withBom[2] = (byte) 0xbf;
        System.arraycopy(text, 0, withBom, 3, text.length);
        assertThat(TopologyEquality.differences(t, TopologyFileReader.read(withBom, "bom.txt"))).isEmpty();
    }
}
