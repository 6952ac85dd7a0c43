package dev.p2pdma.doc;

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
 * The document package sits below every reader of input files (README "Layout"): it uses only the
 * JDK, Jackson (with snakeyaml-engine) and {@code dev.p2pdma.base}, so {@code pci.io}, {@code sim}
 * and {@code report} can all use it.
 */
class DocPackageDependenciesTest {

    /** Where the package's sources are, from the project directory the tests run in. */
    private static final Path SOURCES = Path.of("src/main/java/dev/p2pdma/doc");
    /** An import line, static or not. */
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    /** What the package may use. */
    private static final List<String> ALLOWED = List.of("java.", "tools.jackson.", "org.snakeyaml.engine.", "dev.p2pdma.base.", "dev.p2pdma.doc.");

    @Test
    void theDocumentPackageImportsOnlyTheJdkJacksonAndBase() throws IOException {
        List<String> imports = new ArrayList<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    imports.add(f.getFileName() + ": " + m.group(1));
                }
            }
        }
        assertThat(imports).isNotEmpty();
        assertThat(imports).allSatisfy(i -> assertThat(ALLOWED).anyMatch(prefix -> i.substring(i.indexOf(": ") + 2).startsWith(prefix)));
    }

    @Test
    void theDocumentPackageNamesNoOtherProjectPackageInItsCode() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                assertThat(Files.readString(f)).as(f.toString())
                        .doesNotContainPattern("dev\\.p2pdma\\.(?!doc\\b|base\\b)\\w+");
            }
        }
    }
}
