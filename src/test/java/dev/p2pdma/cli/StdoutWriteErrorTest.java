package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A failed write to standard output (disk full, closed pipe) is exit status 1 with one line naming it, never a silent 0. */
class StdoutWriteErrorTest {

    private static final String SW = Cli.conformance("sw-iommu_on-cpu_intel");

    /** A writer standing for a full disk or a closed pipe: every write fails with {@code reason}. */
    private static Writer failing(String reason) {
        return new Writer() {
            @Override
            public void write(char[] buf, int off, int len) throws IOException {
                throw new IOException(reason);
            }

            @Override
            public void flush() throws IOException {
                throw new IOException(reason);
            }

            @Override
            public void close() {
            }
        };
    }

    static Stream<List<String>> everyCommandWritingToStandardOutput() {
        return Stream.of(
                List.of("matrix", "--sysfs", SW),
                List.of("matrix", "--sysfs", SW, "--format", "json"),
                List.of("topo", "--sysfs", SW),
                List.of("topo", "--sysfs", SW, "--format", "yaml"),
                List.of("groups", "--sysfs", SW),
                List.of("groups", "--sysfs", SW, "--format", "json"),
                List.of("explain", "--sysfs", SW, "03:00.0", "04:00.0"),
                List.of("explain", "--sysfs", SW, "03:00.0", "04:00.0", "--format", "json"),
                List.of("map", "--scenario", "examples/p2p-bus-address.yaml"),
                List.of("map", "--scenario", "examples/p2p-bus-address.yaml", "--format", "json"),
                List.of("report", "--sysfs", SW, "-o", "-"));
    }

    @ParameterizedTest
    @MethodSource("everyCommandWritingToStandardOutput")
    void aFailedWriteToStandardOutputIsExitStatusOneWithTheReason(List<String> args) {
        StringWriter err = new StringWriter();
        int status = Main.run(args.toArray(String[]::new), failing("No space left on device"), new PrintWriter(err));
        assertThat(status).as(err.toString()).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("p2pdma: cannot write to standard output: No space left on device\n");
    }

    @Test
    void aPipeWhoseReaderStoppedEarlyEndsTheCommandQuietlyWithStatusOne() {
        StringWriter err = new StringWriter();
        int status = Main.run(new String[] {"groups", "--sysfs", SW}, failing("Broken pipe"), new PrintWriter(err));
        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aPrintWriterThatSwallowedTheErrorStillFailsTheCommand() {
        StringWriter err = new StringWriter();
        int status = Main.run(new String[] {"topo", "--sysfs", SW}, new PrintWriter(failing("gone")), new PrintWriter(err));
        assertThat(status).isEqualTo(1);
        assertThat(err.toString()).startsWith("p2pdma: cannot write to standard output").hasLineCount(1);
    }

    @Test
    void aSuccessfulRunStillExitsZero() {
        Cli r = Cli.run("groups", "--sysfs", SW, "--format", "json");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theRealProgramWithStandardOutputOnDevFullExitsOneSayingSo() throws Exception {
        File devFull = new File("/dev/full");
        assertThat(devFull).as("this test needs /dev/full (Linux)").exists();
        Path err = Files.createTempFile("p2pdma-devfull", ".err");
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "matrix", "--sysfs", SW)
                    .redirectOutput(devFull).redirectError(err.toFile()).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the program finished").isTrue();
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(stderr).isEqualTo(1);
            assertThat(stderr).isEqualTo("p2pdma: cannot write to standard output: No space left on device\n");
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
