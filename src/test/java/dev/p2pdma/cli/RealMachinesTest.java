package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every topology under ../shared/real-machines imports through the CLI and gives a sensible tree
 * and matrix (files are picked up from the directories; hwloc's .console text renderings are the
 * only files that are not inputs).
 */
class RealMachinesTest {

    /** The input flag for a real-machine file, or null for files that are renderings, not inputs. */
    private static String flagFor(Path p) {
        String n = p.getFileName().toString();
        if (p.getParent().getFileName().toString().equals("lspci")) {
            return "--lspci";
        }
        if (n.endsWith(".xml")) {
            return "--hwloc";
        }
        if (n.endsWith(".tar.bz2") || n.endsWith(".tar.gz")) {
            return "--sysfs";
        }
        return null;
    }

    @TestFactory
    List<DynamicTest> everyRealMachineImportsAndGivesATreeAndAMatrix() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Cli.shared().resolve("real-machines"))) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("README.md")).sorted().toList();
        }
        for (Path f : files) {
            String flag = flagFor(f);
            if (flag == null) {
                assertThat(f.getFileName().toString()).endsWith(".console");
                continue;
            }
            tests.add(DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                Cli topo = Cli.run("topo", flag, f.toString());
                assertThat(topo.status()).as(topo.err()).isZero();
                assertThat(topo.out()).contains("source:", "pci");
                Cli matrix = Cli.run("matrix", flag, f.toString());
                assertThat(matrix.status()).as(matrix.err()).isZero();
                // every input here lacks something: the output says what was assumed
                assertThat(matrix.out()).containsAnyOf("note:", "provider\\client");
                Cli json = Cli.run("matrix", flag, f.toString(), "--format", "json");
                assertThat(json.status()).isZero();
                assertThat(json.out()).contains("\"pairs\"");
            }));
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(11);
        return tests;
    }
}
