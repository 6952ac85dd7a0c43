package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's AOT training run (README "Build and run"): every command it trains on must still
 * be a command line that works, or the cache silently stops covering it (a renamed option would
 * make the training fail and the launcher fall back to CDS).
 */
class AotTrainingTest {

    @Test
    void everyTrainingCommandRunsAndExitsZero(@TempDir Path folder) throws IOException {
        List<String> scenarios;
        try (Stream<Path> files = Files.list(Path.of("examples"))) {
            scenarios = files.filter(f -> f.toString().endsWith(".yaml")).map(Path::toString).sorted().toList();
        }
        List<List<String>> commands = AotTraining.commands(folder, scenarios);

        assertThat(commands).extracting(c -> c.get(0)).contains("topo", "matrix", "explain", "groups", "report", "map");
        for (List<String> command : commands) {
            if (command.equals(List.of("matrix"))) {
                continue; // this machine's /sys, which may have no PCI functions
            }
            Cli run = Cli.run(command.toArray(String[]::new));
            assertThat(run.status()).as("p2pdma %s: %s", String.join(" ", command), run.err()).isZero();
        }
        assertThat(folder.resolve("training-report.html")).isNotEmptyFile();
    }
}
