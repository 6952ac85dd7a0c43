package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code map --scenario}: every value the model would refuse is refused while reading the scenario,
 * as one line naming the file, the line and the key, exit status 2; never an internal error.
 */
class MapScenarioValuesTest {

    @TempDir
    Path dir;

    /** A scenario that maps; {@code %TOPOLOGY%}, {@code %RAM%}, {@code %CLIENT%} and {@code %SG%} are filled per case. */
    private static final String TEMPLATE = """
            topology:
              sysfs: %CAPTURE%
            %TOPOLOGY%
            ram: %RAM%
            providers:
              - {device: 0000:01:00.0, bar: 2}
            client:
              device: 0000:01:00.1
            %CLIENT%
            sg:
              - ram: {phys: 0x100000, length: 8KiB}
              - p2pmem: {provider: 0000:01:00.0, length: 16KiB}
            %SG%
            """;

    /** A scenario whose line 3 is {@code topology}, line 4 {@code ram}, line 9 {@code client} and line 13 {@code sg} extras. */
    private Path scenario(String topology, String ram, String client, String sg) throws Exception {
        String capture = Path.of(Cli.conformance("rpmf-iommu_off-cpu_intel")).toAbsolutePath().toString();
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, TEMPLATE.replace("%CAPTURE%", capture).replace("%TOPOLOGY%", topology).replace("%RAM%", ram)
                .replace("%CLIENT%", client).replace("%SG%", sg));
        return f;
    }

    private static void assertBadInput(Cli r, String... mentions) {
        assertThat(r.status()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("internal error", "Exception", "\tat ");
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("p2pdma: ").contains(mentions);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("", "1GiB", "  segment_boundary_mask: 0x1234", "", "line 9", "segment_boundary_mask"),
                Arguments.of("", "1GiB", "  segment_boundary_mask: 0xfffffffffffffffe", "", "line 9", "segment_boundary_mask"),
                Arguments.of("", "1GiB", "  min_align_mask: 0x1234", "", "line 9", "min_align_mask"),
                Arguments.of("", "1GiB", "  min_align_mask: 0xffffffff", "", "line 9", "min_align_mask"),
                Arguments.of("", "1GiB", "  max_segment_size: 0", "", "line 9", "max_segment_size"),
                Arguments.of("", "1GiB", "  dma_mask_bits: 65", "", "line 9", "dma_mask_bits"),
                Arguments.of("", "1GiB", "  dma_mask: 0", "", "line 9", "dma_mask"),
                Arguments.of("", "1GiB", "  coherent_dma_mask_bits: 0", "", "line 9", "coherent_dma_mask_bits"),
                Arguments.of("", "1GiB", "  dma_ranges: [{cpu: 0, dma: 0, size: 0}]", "", "line 9", "size"),
                Arguments.of("", "4KiB", "", "", "line 4", "ram"),
                Arguments.of("", "512KiB", "", "", "line 4", "ram"),
                Arguments.of("  cpu: amd:x", "1GiB", "", "", "line 3", "cpu"),
                Arguments.of("  cpu: amd:-6", "1GiB", "", "", "line 3", "cpu"),
                Arguments.of("  kernel_params: [\"=\"]", "1GiB", "", "", "line 3", "kernel_params"),
                Arguments.of("  kernel_params: [\"iommu=on off\"]", "1GiB", "", "", "line 3", "kernel_params"),
                Arguments.of("", "1GiB", "", "  - ram: {phys: 0x400000, length: 0x100000000}", "line 13", "length"),
                Arguments.of("", "1GiB", "", "  - p2pmem: {provider: 0000:01:00.0, offset: 4096, length: 4KiB}", "line 13", "offset"));
    }

    @ParameterizedTest(name = "[{index}] {5}: {0}{1} {2}{3}")
    @MethodSource("badValues")
    void aValueTheModelWouldRefuseIsOneLineNamingFileLineAndKey(String topology, String ram, String client, String sg,
                                                                 String line, String key) throws Exception {
        Path f = scenario(topology, ram, client, sg);
        assertBadInput(Cli.run("map", "--scenario", f.toString()), "s.yaml " + line, key);
    }

    @Test
    void aRamSizeWhoseQuarterIsNotAWholeSwiotlbSegmentStillMaps() throws Exception {
        Path f = scenario("", "1536KiB", "", "");
        Cli r = Cli.run("map", "--scenario", f.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("dma_map_sgtable");
    }

    /** Spec 4: an entry longer than swiotlb can bounce fails the mapping (-EIO, "buffer is full"); lengths are unsigned 32-bit. */
    @Test
    void aLargestPossibleEntryBouncedThroughSwiotlbFailsTheMappingNotTheProgram() throws Exception {
        Path f = scenario("", "8GiB", "  swiotlb: force", "  - ram: {phys: 0x100000000, length: 0xffffffff}");
        Cli r = Cli.run("map", "--scenario", f.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("= -5 (-EIO)", "swiotlb buffer is full (sz: 4294967295 bytes)", "0 after map, 0 after unmap");
    }

    @Test
    void aTopologyTheMemoryModelCannotLayOutIsOneLineNamingTheScenario() throws Exception {
        Cli topo = Cli.run("topo", "--sysfs", Cli.conformance("rpmf-iommu_off-cpu_intel"), "--format", "yaml");
        assertThat(topo.status()).as(topo.err()).isZero();
        // a memory BAR at CPU address 0 leaves no RAM below the PCI hole
        String yaml = topo.out().replace("address: \"0xfea00000\"", "address: \"0x0\"");
        assertThat(yaml).isNotEqualTo(topo.out());
        Path machine = dir.resolve("machine.yaml");
        Files.writeString(machine, yaml);
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, scenarioText(machine));
        assertBadInput(Cli.run("map", "--scenario", f.toString()), "s.yaml", "ram", "at 0x0 leaves no RAM below the PCI hole");
    }

    private static String scenarioText(Path topologyFile) {
        return """
                topology:
                  topology: %s
                client:
                  device: 0000:01:00.1
                sg:
                  - ram: {phys: 0x100000, length: 8KiB}
                """.formatted(topologyFile.toAbsolutePath());
    }
}
