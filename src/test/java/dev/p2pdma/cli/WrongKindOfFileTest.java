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
 * A file that is not a document of the kind an option expects (here: a shadow password file) is
 * refused as one line that names the file and the kind expected, and quotes none of its content.
 */
class WrongKindOfFileTest {

    /** What /etc/shadow looks like: secrets on the first line. */
    private static final String SHADOW = """
            root:$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ:19000:0:99999:7:::
            daemon:*:19000:0:99999:7:::
            """;

    @TempDir
    Path dir;

    static Stream<Arguments> options() {
        String capture = Cli.conformance("rpmf-iommu_off-cpu_intel");
        return Stream.of(
                Arguments.of("shadow", "scenario", new String[] {"map", "--scenario", "FILE"}),
                Arguments.of("shadow.yaml", "scenario", new String[] {"map", "--scenario", "FILE"}),
                Arguments.of("shadow.json", "scenario", new String[] {"map", "--scenario", "FILE"}),
                Arguments.of("shadow", "topology", new String[] {"matrix", "--topology", "FILE"}),
                Arguments.of("shadow.yaml", "topology", new String[] {"matrix", "--topology", "FILE"}),
                Arguments.of("shadow.json", "topology", new String[] {"matrix", "--topology", "FILE"}),
                Arguments.of("shadow", "lspci", new String[] {"matrix", "--lspci", "FILE"}),
                Arguments.of("shadow", "hwloc", new String[] {"matrix", "--hwloc", "FILE"}),
                Arguments.of("shadow", "pci.ids", new String[] {"report", "--sysfs", capture, "--pci-ids", "FILE", "-o", "OUT"}));
    }

    @ParameterizedTest(name = "{2} with {0}")
    @MethodSource("options")
    void aFileOfAnotherKindIsNamedWithTheKindExpectedAndNoneOfItsContent(String fileName, String kind, String[] args)
            throws Exception {
        Path f = dir.resolve(fileName);
        Files.writeString(f, SHADOW);
        String[] withFile = Stream.of(args).map(a -> a.equals("FILE") ? f.toString() : a.equals("OUT") ? dir.resolve("r.html").toString() : a).toArray(String[]::new);

        Cli r = Cli.run(withFile);

        assertThat(r.status()).as(r.err()).isEqualTo(2);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("p2pdma: ").contains(f.toString(), kind)
                .doesNotContain("$6$", "saltsalt", "root:", "daemon", "internal error");
    }

    @Test
    void aBinaryOrNonUtf8FileGivenAsAScenarioIsNamedAsNotAScenario() throws Exception {
        Path binary = dir.resolve("prog");
        Files.write(binary, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, (byte) 0xff, 'x'});
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, new byte[] {'r', 'a', 'm', ':', ' ', (byte) 0xe9, '\n'});
        for (Path f : new Path[] {binary, latin1}) {
            Cli r = Cli.run("map", "--scenario", f.toString());
            assertThat(r.status()).as(r.err()).isEqualTo(2);
            assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).startsWith("p2pdma: ").contains(f.toString(), "not a p2pdma map scenario").doesNotContain("Input length");
        }
    }

    @Test
    void anLspciDumpWhoseFirstLinesAreNotLspciQuotesNoneOfThem() throws Exception {
        for (String first : new String[] {SHADOW, "    " + SHADOW}) {
            Path f = dir.resolve("lspci.txt");
            Files.writeString(f, first + "00:00.0 Host bridge: Intel Corporation 440FX\n");
            Cli r = Cli.run("matrix", "--lspci", f.toString());
            assertThat(r.status()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).startsWith("p2pdma: ").contains(f.toString(), "line 1", "not an lspci dump")
                    .doesNotContain("$6$", "saltsalt", "root:");
        }
    }
}
