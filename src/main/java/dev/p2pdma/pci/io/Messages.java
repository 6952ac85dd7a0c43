package dev.p2pdma.pci.io;

/**
 * Helpers that keep user text inside one-line error messages. Stateless.
 */
final class Messages {

    private Messages() {
    }

    /** {@code " (machine.yaml line 23)"}, or {@code " (machine.yaml)"} when the line is not known. */
    static String at(String file, int line) {
        return line > 0 ? " (" + file + " line " + line + ")" : " (" + file + ")";
    }

    /** {@code 'text'}: the text quoted by the one rule of {@link Texts#quote}, inside single quotes. */
    static String quote(String text) {
        return "'" + Texts.quote(text) + "'";
    }

    /** What a value is, without any of its content: "a mapping", "a list", "a string", "a number", "a boolean", "null". */
    static String kindOf(DocNode node) {
        return switch (node) {
            case DocNode.Mapping m -> "a mapping";
            case DocNode.Sequence s -> "a list";
            case DocNode.Scalar s -> switch (s.kind()) {
                case STRING -> "a string";
                case INTEGER, FLOAT -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
            };
        };
    }

    /** Collapses a parser's multi-line message to its first meaningful lines, joined by "; ". */
    static String oneLine(String message) {
        if (message == null || message.isBlank()) {
            return "unreadable";
        }
        StringBuilder sb = new StringBuilder();
        for (String line : message.split("\\R")) {
            String s = line.strip();
            if (s.isEmpty() || line.startsWith(" ") || line.startsWith("\t") || s.startsWith("in reader")) {
                continue;
            }
            int source = s.indexOf("[Source:");
            if (source >= 0) {
                // Jackson's "(for Object starting at [Source: REDACTED ...])": no use to a reader
                int open = s.lastIndexOf(" (", source);
                s = open >= 0 ? s.substring(0, open) : s.substring(0, source).strip();
            }
            if (!sb.isEmpty()) {
                sb.append("; ");
            }
            sb.append(s);
        }
        String out = sb.isEmpty() ? message.strip().replaceAll("\\s+", " ") : sb.toString();
        out = out.replaceAll("\\p{Cntrl}", " ");
        return out.length() > 300 ? out.substring(0, 300) + "..." : out;
    }
}
