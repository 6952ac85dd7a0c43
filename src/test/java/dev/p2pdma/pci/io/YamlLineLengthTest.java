package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.p2pdma.pci.PciTopology;

/**
 * Reading a YAML topology file takes time linear in its size, however long its lines: a
 * multi-megabyte comment or string value costs about what the same data costs as JSON. Timings
 * are only compared with each other (ratios measured in the same test), never with a clock value.
 */
class YamlLineLengthTest {

    /** Characters in each long line: big enough that a quadratic reader shows, small enough to finish either way. */
    private static final int LONG_LINE_CHARS = 4 << 20;

    /** Runs of each measurement; the fastest counts, which keeps a busy machine's noise out. */
    private static final int RUNS = 3;

    /** A valid topology file in YAML with a long comment line and a long string value of {@code chars} characters each. */
    private static byte[] yaml(int chars) {
        String big = "x".repeat(chars);
        return ("# " + big + "\n"
                + "format: p2pdma-topology/1\n"
                + "machine:\n"
                + "  source: \"" + big + "\"\n"
                + "host_bridges:\n"
                + "  - name: pci0000:00\n"
                + "    devices:\n"
                + "      - address: \"0000:00:04.0\"\n"
                + "        id: \"1b36:0010\"\n"
                + "        class: \"0x010802\"\n"
                + "        port: endpoint\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The same data as JSON (JSON has no comments: the comment's characters go into a second long string). */
    private static byte[] json(int chars) {
        String big = "x".repeat(chars);
        return ("{\"format\": \"p2pdma-topology/1\",\n"
                + " \"machine\": {\"source\": \"" + big + "\", \"notes\": [\"" + big + "\"]},\n"
                + " \"host_bridges\": [{\"name\": \"pci0000:00\", \"devices\": [\n"
                + "   {\"address\": \"0000:00:04.0\", \"id\": \"1b36:0010\", \"class\": \"0x010802\", \"port\": \"endpoint\"}]}]}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The fastest of {@link #RUNS} reads, in nanoseconds. */
    private static long fastestReadNanos(byte[] content, String fileName, int sourceChars) throws ImportException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            PciTopology t = TopologyFileReader.read(content, fileName);
            best = Math.min(best, System.nanoTime() - start);
            assertThat(t.machine().source()).hasSize(sourceChars);
        }
        return best;
    }

    @Test
    void yamlWithMegabyteLinesReadsInTimeComparableToTheSameDataAsJson() throws Exception {
        byte[] yaml = yaml(LONG_LINE_CHARS);
        byte[] json = json(LONG_LINE_CHARS);
        // warm both paths up so the comparison is of steady-state code
        TopologyFileReader.read(json(1 << 16), "warm.json");
        TopologyFileReader.read(yaml(1 << 16), "warm.yaml");

        long jsonNanos = fastestReadNanos(json, "machine.json", LONG_LINE_CHARS);
        long yamlNanos = fastestReadNanos(yaml, "machine.yaml", LONG_LINE_CHARS);

        // a YAML scanner does more per character than JSON's; quadratic growth is orders of magnitude more
        assertThat(yamlNanos).as("YAML %d ms vs JSON %d ms", yamlNanos / 1_000_000, jsonNanos / 1_000_000)
                .isLessThanOrEqualTo(10 * jsonNanos + 10 * readNanosOfSmallFile());
    }

    @Test
    void doublingTheLengthOfALineLessThanTriplesTheYamlReadTime() throws Exception {
        TopologyFileReader.read(yaml(1 << 16), "warm.yaml");
        long single = fastestReadNanos(yaml(LONG_LINE_CHARS / 2), "machine.yaml", LONG_LINE_CHARS / 2);
        long twice = fastestReadNanos(yaml(LONG_LINE_CHARS), "machine.yaml", LONG_LINE_CHARS);

        // linear: about 2x; quadratic: 4x
        assertThat(twice).as("%d ms for lines of %d characters, %d ms for twice that", single / 1_000_000,
                LONG_LINE_CHARS / 2, twice / 1_000_000).isLessThan(3 * single);
    }

    /** What reading a small YAML file costs on this machine now: the slack that keeps tiny JSON times from deciding. */
    private static long readNanosOfSmallFile() throws ImportException {
        byte[] small = yaml(1 << 16);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            TopologyFileReader.read(small, "small.yaml");
            best = Math.min(best, System.nanoTime() - start);
        }
        return best;
    }
}
