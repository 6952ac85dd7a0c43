package dev.p2pdma.cli;

import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * The {@code --format} option the commands share: the value as given, checked against the formats
 * the command accepts when it runs. Filled by picocli; not thread-safe (one run).
 */
final class FormatOption {

    /** The format as typed; {@code text} when not given. */
    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: text (default), json, yaml or svg, as far as this command writes it (see its description); "
                    + "another is a usage error naming the ones it accepts.")
    String value = "text";

    /**
     * The format asked for, which must be one of {@code accepted}.
     *
     * @throws UsageError "--format must be a, b or c, got 'v'" otherwise (exit status 2)
     */
    OutputFormat require(OutputFormat... accepted) {
        if (accepted.length == 0) {
            throw new IllegalArgumentException("a command accepts at least one format");
        }
        String[] labels = Arrays.stream(accepted).map(OutputFormat::label).toArray(String[]::new);
        UsageError.requireOneOf("--format", value, labels);
        return OutputFormat.ofLabel(value).orElseThrow();
    }
}
