package dev.p2pdma.pci.io;

import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, strict access to a parsed YAML/JSON document ({@link DocNode}) for our input files: every
 * failure is an {@link ImportException} with one line naming the file, the line and the context.
 * Numbers may be decimal, {@code 0x} hex, or sizes with a binary suffix ({@code 64KiB}, {@code 1GiB}).
 * Immutable; thread-safe.
 */
public final class DocReader {

    /** {@code 0x...}. */
    private static final Pattern HEX = Pattern.compile("0[xX]([0-9a-fA-F]{1,64})");
    /** A decimal with an optional binary size suffix. */
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,20})\\s*(|B|KiB|MiB|GiB|TiB|K|M|G|T)");
    /** 2^64 - 1. */
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** The file name used in messages. */
    private final String file;
    /** What the file should be, for messages: "p2pdma map scenario". */
    private final String kind;

    /** A reader whose messages name {@code file} and, when it is not one, the {@code kind} of document it should be. */
    public DocReader(String file, String kind) {
        this.file = file;
        this.kind = kind;
    }

    /** The file's bytes as text: UTF-8 without NUL bytes, else one line saying it is not of the kind expected. */
    public String text(byte[] content) throws ImportException {
        return TopologyFileReader.text(content, file, kind);
    }

    /** Parses YAML or JSON (by extension, else content) into a document tree. */
    public DocNode parse(String text) throws ImportException {
        TopologyFileFormat f = file.endsWith(".json") ? TopologyFileFormat.JSON : TopologyFileFormat.YAML;
        return DocumentParser.parse(text, f, file, kind);
    }

    /**
     * The document's top level: a mapping whose first key is one of {@code known}. Anything else is
     * taken for another kind of file, and the message quotes none of it.
     */
    public DocNode.Mapping document(DocNode root, Set<String> known) throws ImportException {
        String expected = "a YAML or JSON mapping of " + String.join(", ", known.stream().sorted().toList());
        if (!(root instanceof DocNode.Mapping m)) {
            throw new ImportException(file + ": is not a " + kind + " (" + expected + "): its top level is " + Messages.kindOf(root));
        }
        Optional<DocNode.Field> first = m.fields().values().stream().findFirst();
        if (first.isPresent() && !known.contains(first.get().name())) {
            int line = first.get().line();
            throw new ImportException(file + ": is not a " + kind + " (" + expected + "): its first key is none of these"
                    + (line > 0 ? " (line " + line + ")" : ""));
        }
        return m;
    }

    /** An error at a line. */
    public ImportException error(int line, String what) {
        return new ImportException(Messages.oneLine(what) + Messages.at(file, line));
    }

    /** The node as a mapping. */
    public DocNode.Mapping mapping(DocNode node, String ctx) throws ImportException {
        if (node instanceof DocNode.Mapping m) {
            return m;
        }
        throw error(node.line(), ctx + " must be a mapping, not " + node.describe());
    }

    /** The node as a list. */
    public List<DocNode> list(DocNode node, String ctx) throws ImportException {
        if (node instanceof DocNode.Sequence s) {
            return s.items();
        }
        throw error(node.line(), ctx + " must be a list, not " + node.describe());
    }

    /** Fails on a field outside {@code known}. */
    public void allowOnly(DocNode.Mapping m, Set<String> known, String ctx) throws ImportException {
        for (DocNode.Field f : m.fields().values()) {
            if (!known.contains(f.name())) {
                throw error(f.line(), "unknown field " + Messages.quote(f.name()) + " in " + ctx + " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    /** A field that may be absent (or null). */
    public Optional<DocNode.Field> optional(DocNode.Mapping m, String name) {
        DocNode.Field f = m.fields().get(name);
        if (f == null || f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.NULL) {
            return Optional.empty();
        }
        return Optional.of(f);
    }

    /** A field that must be there. */
    public DocNode.Field required(DocNode.Mapping m, String name, String ctx) throws ImportException {
        return optional(m, name).orElseThrow(() -> error(m.line(), ctx + " needs the field " + Messages.quote(name)));
    }

    /** A string scalar (numbers and booleans are taken as their text). */
    public String string(DocNode.Field f, String ctx) throws ImportException {
        if (f.value() instanceof DocNode.Scalar s && s.kind() != DocNode.ScalarKind.NULL) {
            return s.text();
        }
        throw error(f.line(), ctx + "." + f.name() + " must be a single value, not " + f.value().describe());
    }

    /** A boolean. */
    public boolean bool(DocNode.Field f, String ctx) throws ImportException {
        if (f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.BOOLEAN) {
            return Boolean.parseBoolean(s.text());
        }
        throw error(f.line(), ctx + "." + f.name() + " must be true or false, not " + f.value().describe());
    }

    /**
     * An unsigned 64-bit number: decimal, {@code 0x} hex, or a size such as {@code 64KiB}; returned
     * as the long with the same bits.
     */
    public long unsigned64(DocNode.Field f, String ctx) throws ImportException {
        String t = string(f, ctx).strip();
        BigInteger v;
        Matcher hex = HEX.matcher(t);
        Matcher size = SIZE.matcher(t);
        if (hex.matches()) {
            v = new BigInteger(hex.group(1), 16);
        } else if (size.matches()) {
            v = new BigInteger(size.group(1)).shiftLeft(switch (size.group(2).toUpperCase(Locale.ROOT)) {
                case "K", "KIB" -> 10;
                case "M", "MIB" -> 20;
                case "G", "GIB" -> 30;
                case "T", "TIB" -> 40;
                default -> 0;
            });
        } else {
            throw error(f.line(), ctx + "." + f.name() + ": " + Messages.quote(t) + " is not a number (decimal, 0x hex, or a size like 64KiB)");
        }
        if (v.compareTo(U64_MAX) > 0) {
            throw error(f.line(), ctx + "." + f.name() + ": " + Messages.quote(t) + " does not fit in 64 bits");
        }
        return v.longValue();
    }

    /** A number in {@code [min, max]}. */
    public long bounded(DocNode.Field f, String ctx, long min, long max) throws ImportException {
        long v = unsigned64(f, ctx);
        if (v < min || v > max) {
            throw error(f.line(), ctx + "." + f.name() + " must be between " + min + " and " + max + ", got " + Long.toUnsignedString(v));
        }
        return v;
    }
}
