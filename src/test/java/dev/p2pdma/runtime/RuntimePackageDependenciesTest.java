package dev.p2pdma.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runtime package consumes the verdict (README "Layout"): it uses only the JDK, {@code machine}, {@code block} (an I/O vector),
 * {@code p2pdma}, {@code pci} and {@code base}; of the project's packages only {@code report} and
 * {@code cli} use it.
 */
class RuntimePackageDependenciesTest {

    /** The main sources. */
    private static final Path MAIN = Path.of("src/main/java/dev/p2pdma");
    /** A project import or qualified name. */
    private static final Pattern PROJECT = Pattern.compile("dev\\.p2pdma\\.(\\w+)");

    private static List<String> projectPackagesNamedIn(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = PROJECT.matcher(Files.readString(f));
                while (m.find()) {
                    out.add(f.getFileName() + ": " + m.group(1));
                }
            }
        }
        return out;
    }

    @Test
    void theRuntimePackageUsesOnlyMachineBlockP2pdmaPciAndBase() throws IOException {
        List<String> used = projectPackagesNamedIn(MAIN.resolve("runtime"));
        assertThat(used).isNotEmpty();
        assertThat(used).allSatisfy(u -> assertThat(u.substring(u.indexOf(": ") + 2)).isIn("runtime", "machine", "block", "p2pdma", "pci", "base"));
    }

    @Test
    void onlyReportAndCliUseTheRuntimePackage() throws IOException {
        try (Stream<Path> dirs = Files.list(MAIN)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                String name = d.getFileName().toString();
                if (List.of("runtime", "report", "cli").contains(name)) {
                    continue;
                }
                assertThat(projectPackagesNamedIn(d)).as(name).noneMatch(u -> u.endsWith(": runtime"));
            }
        }
        assertThat(projectPackagesNamedIn(MAIN.resolve("report"))).anyMatch(u -> u.endsWith(": runtime"));
    }
}
