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
    private static final int RUNS = 5;

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

    /** One file to read, with the length its machine source must come back with. */
    private record Input(byte[] content, String fileName, int sourceChars) {
    }

    /**
     * The fastest of {@link #RUNS} reads of each input, in nanoseconds, the inputs taking turns so
     * that a busy moment of the machine slows all of them alike.
     */
    private static long[] fastestReadNanos(Input... inputs) throws ImportException {
        long[] best = new long[inputs.length];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        for (int run = 0; run < RUNS; run++) {
            for (int i = 0; i < inputs.length; i++) {
                long start = System.nanoTime();
                PciTopology t = TopologyFileReader.read(inputs[i].content(), inputs[i].fileName());
                best[i] = Math.min(best[i], System.nanoTime() - start);
                assertThat(t.machine().source()).hasSize(inputs[i].sourceChars());
            }
        }
        return best;
    }

    @Test
    void yamlWithMegabyteLinesReadsInTimeComparableToTheSameDataAsJson() throws Exception {
        // warm both paths up so the comparison is of steady-state code
        TopologyFileReader.read(json(1 << 16), "warm.json");
        TopologyFileReader.read(yaml(1 << 16), "warm.yaml");

        long[] nanos = fastestReadNanos(new Input(json(LONG_LINE_CHARS), "machine.json", LONG_LINE_CHARS),
                new Input(yaml(LONG_LINE_CHARS), "machine.yaml", LONG_LINE_CHARS),
                new Input(yaml(1 << 16), "small.yaml", 1 << 16));
        long jsonNanos = nanos[0];
        long yamlNanos = nanos[1];
        long smallYamlNanos = nanos[2];

        // a YAML scanner does more per character than JSON's; quadratic growth is orders of magnitude more.
        // The small file's time is slack that keeps a tiny JSON time from deciding alone.
        assertThat(yamlNanos).as("YAML %d ms vs JSON %d ms", yamlNanos / 1_000_000, jsonNanos / 1_000_000)
                .isLessThanOrEqualTo(10 * jsonNanos + 10 * smallYamlNanos);
    }

    @Test
    void fourTimesTheLengthOfALineTakesLessThanTenTimesTheYamlReadTime() throws Exception {
        TopologyFileReader.read(yaml(1 << 16), "warm.yaml");
        long[] nanos = fastestReadNanos(new Input(yaml(LONG_LINE_CHARS / 4), "machine.yaml", LONG_LINE_CHARS / 4),
                new Input(yaml(LONG_LINE_CHARS), "machine.yaml", LONG_LINE_CHARS));

        // linear: about 4x (up to ~8x with a larger heap to collect); quadratic: 16x and more
        assertThat(nanos[1]).as("%d ms for lines of %d characters, %d ms for four times that", nanos[0] / 1_000_000,
                LONG_LINE_CHARS / 4, nanos[1] / 1_000_000).isLessThan(10 * nanos[0]);
    }
}
