package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * README's transcripts stay true: every {@code $ ./p2pdma ...} command in a README code block whose
 * input is reproducible (a {@code ../shared} capture, an {@code examples/} scenario or topology file; not this
 * machine's /sys, not a command writing a file) is run in-process and its output compared with the
 * block line by line. A {@code | head -N} or {@code | tail -N} after the command is applied; a line
 * {@code ...} in a transcript stands for any number of lines.
 */
class ReadmeTranscriptsTest {

    /**
     * One command of a README transcript and the output shown under it.
     *
     * @param command  the command line as README shows it, continuation lines joined
     * @param expected the lines shown below it
     */
    record Transcript(String command, List<String> expected) {
    }

    /** The transcripts in README's code blocks, in order. */
    static List<Transcript> transcripts(List<String> readme) {
        List<Transcript> out = new ArrayList<>();
        boolean inBlock = false;
        String command = null;
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < readme.size(); k++) {
            String l = readme.get(k);
            if (l.startsWith("```")) {
                if (inBlock && command != null) {
                    out.add(new Transcript(command, trimTrailingBlank(lines)));
                }
                inBlock = !inBlock;
                command = null;
                lines = new ArrayList<>();
                continue;
            }
            if (!inBlock) {
                continue;
            }
            if (l.startsWith("$ ")) {
                if (command != null) {
                    out.add(new Transcript(command, trimTrailingBlank(lines)));
                }
                StringBuilder c = new StringBuilder(l.substring(2));
                while (c.toString().endsWith("\\") && k + 1 < readme.size()) {
                    c.setLength(c.length() - 1);
                    c.append(' ').append(readme.get(++k).strip());
                }
                command = c.toString().strip();
                lines = new ArrayList<>();
            } else if (command != null) {
                lines.add(l);
            }
        }
        return out;
    }

    private static List<String> trimTrailingBlank(List<String> lines) {
        int n = lines.size();
        while (n > 0 && lines.get(n - 1).isBlank()) {
            n--;
        }
        return List.copyOf(lines.subList(0, n));
    }

    /** A transcript whose output does not depend on this machine and that writes no file. */
    static boolean reproducible(Transcript t) {
        String c = t.command();
        return c.startsWith("./p2pdma ") && !c.contains(">") && !c.contains("sudo")
                && (c.contains("../shared/") || c.contains("--scenario examples/") || c.contains("--topology examples/")
                || c.startsWith("./p2pdma simulate examples/"));
    }

    private static List<String> readme() throws Exception {
        return Files.readAllLines(Path.of("README.md"));
    }

    @Test
    void readmeHasReproducibleTranscriptsForEveryTextCommand() throws Exception {
        List<Transcript> all = transcripts(readme()).stream().filter(ReadmeTranscriptsTest::reproducible).toList();
        for (String cmd : List.of("matrix", "explain", "topo", "groups", "map", "simulate")) {
            assertThat(all).as(cmd).anyMatch(t -> t.command().startsWith("./p2pdma " + cmd + " "));
        }
    }

    @Test
    void everyTranscriptOfACommandThatPrintsShowsItsOutput() throws Exception {
        for (Transcript t : transcripts(readme())) {
            if (t.command().startsWith("./p2pdma ") && !t.command().contains(">") && !t.command().contains("sudo")
                    && !t.command().contains("server.tar.gz")) {
                assertThat(t.expected()).as("output under: $ %s", t.command()).isNotEmpty();
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyReproducibleReadmeTranscriptIsWhatTheCommandPrints() throws Exception {
        return transcripts(readme()).stream().filter(ReadmeTranscriptsTest::reproducible)
                .map(t -> DynamicTest.dynamicTest(t.command(), () -> check(t)));
    }

    private static void check(Transcript t) {
        String[] pipeline = t.command().split("\\|");
        List<String> words = new ArrayList<>(Arrays.asList(pipeline[0].strip().split("\\s+")));
        words.remove(0);
        boolean sharedBeside = Files.isDirectory(Path.of("../shared"));
        String[] args = words.stream().map(w -> sharedBeside ? w : w.replace("../shared", Cli.shared().toString())).toArray(String[]::new);
        Cli r = Cli.run(args);
        assertThat(r.status()).as("status of %s: %s", t.command(), r.err()).isZero();
        List<String> actual = r.out().lines().toList();
        for (int k = 1; k < pipeline.length; k++) {
            String[] filter = pipeline[k].strip().split("\\s+");
            int n = Integer.parseInt(filter[1].substring(1));
            actual = switch (filter[0]) {
                case "head" -> actual.subList(0, Math.min(n, actual.size()));
                case "tail" -> actual.subList(Math.max(0, actual.size() - n), actual.size());
                default -> throw new AssertionError("README pipes into " + filter[0] + ": only head and tail are understood");
            };
        }
        actual = trimTrailingBlank(actual);
        List<String> expected = t.expected().stream().map(l -> sharedBeside ? l : l.replace("../shared", Cli.shared().toString())).toList();
        assertThat(matches(expected, actual)).as("README transcript of $ %s%nREADME shows:%n%s%n%nthe command prints:%n%s", t.command(),
                String.join("\n", expected), String.join("\n", actual)).isTrue();
    }

    /** Lines equal, where an expected line "..." matches any number of actual lines. */
    static boolean matches(List<String> expected, List<String> actual) {
        if (expected.isEmpty()) {
            return actual.isEmpty();
        }
        if (expected.get(0).equals("...")) {
            for (int skip = 0; skip <= actual.size(); skip++) {
                if (matches(expected.subList(1, expected.size()), actual.subList(skip, actual.size()))) {
                    return true;
                }
            }
            return false;
        }
        return !actual.isEmpty() && expected.get(0).equals(actual.get(0)) && matches(expected.subList(1, expected.size()), actual.subList(1, actual.size()));
    }

    @Test
    void theElisionMarkerMatchesAnyRunOfLines() {
        assertThat(matches(List.of("a", "...", "d"), List.of("a", "b", "c", "d"))).isTrue();
        assertThat(matches(List.of("a", "...", "d"), List.of("a", "d"))).isTrue();
        assertThat(matches(List.of("a", "d"), List.of("a", "b", "d"))).isFalse();
        assertThat(matches(List.of("a", "...", "d"), List.of("a", "b", "c"))).isFalse();
    }
}
