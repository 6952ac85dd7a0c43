package dev.p2pdma.doc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One value of a parsed YAML or JSON document, with the line it starts on: the small tree
 * {@link DocReader} reads, the same for both syntaxes. Immutable; thread-safe.
 */
public sealed interface DocNode permits DocNode.Mapping, DocNode.Sequence, DocNode.Scalar {

    /** The 1-based line the value starts on, 0 when the parser did not say. */
    int line();

    /** "a mapping", "a list", "the string 'x'", for error messages. */
    String describe();

    /** What the value is, without any of its content: "a mapping", "a list", "a string", "a number", "a boolean", "null". */
    default String shape() {
        return switch (this) {
            case Mapping m -> "a mapping";
            case Sequence s -> "a list";
            case Scalar s -> switch (s.kind()) {
                case STRING -> "a string";
                case INTEGER, FLOAT -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
            };
        };
    }

    /**
     * A mapping; keys are unique and keep their order.
     *
     * @param fields the entries by key
     * @param line   where the mapping starts
     */
    record Mapping(Map<String, Field> fields, int line) implements DocNode {
        public Mapping {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /**
     * One entry of a mapping.
     *
     * @param name  the key
     * @param line  the line of the key
     * @param value the value
     */
    record Field(String name, int line, DocNode value) {
    }

    /**
     * A list.
     *
     * @param items the elements in order
     * @param line  where the list starts
     */
    record Sequence(List<DocNode> items, int line) implements DocNode {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /** What a scalar was written as. */
    enum ScalarKind {
        /** A (possibly quoted) string. */
        STRING,
        /** A decimal integer literal. */
        INTEGER,
        /** A floating-point literal. */
        FLOAT,
        /** {@code true} or {@code false}. */
        BOOLEAN,
        /** {@code null} (or an empty YAML value). */
        NULL
    }

    /**
     * A scalar with the text it was written as (numbers keep their literal digits).
     *
     * @param kind what it was written as
     * @param text the literal text, or the string's value
     * @param line where it is
     */
    record Scalar(ScalarKind kind, String text, int line) implements DocNode {
        @Override
        public String describe() {
            return switch (kind) {
                case STRING -> "the string " + Texts.quote(text);
                case INTEGER, FLOAT -> "the number " + Texts.escaped(text);
                case BOOLEAN -> "the boolean " + text;
                case NULL -> "null";
            };
        }
    }
}
