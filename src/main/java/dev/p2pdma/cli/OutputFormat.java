package dev.p2pdma.cli;

import java.util.Locale;
import java.util.Optional;

/** An output format a command can write, named on the command line in lower case ({@code --format json}). Immutable. */
enum OutputFormat {
    /** Text for a terminal (the default). */
    TEXT,
    /** A JSON document (docs/json-output.md). */
    JSON,
    /** A YAML topology file. */
    YAML,
    /** An SVG drawing. */
    SVG;

    /** The name on the command line. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The format named exactly {@code label}, if any. */
    static Optional<OutputFormat> ofLabel(String label) {
        for (OutputFormat f : values()) {
            if (f.label().equals(label)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
