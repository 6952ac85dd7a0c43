package dev.p2pdma.doc;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Models typed, strict access to one parsed input document ({@link DocNode}): mappings, lists,
 * strings, booleans, ranged numbers and choices, with unknown keys refused and a near-miss key or
 * value suggested ("did you mean"). Every failure is a {@link DocumentException} whose one line
 * names the file, the line and the key ({@code field 'class' of device 0000:00:04.0}).
 * Immutable; thread-safe.
 */
public final class DocReader {

    /** How numbers may be written in a kind of document. */
    public enum Numbers {
        /** A decimal integer, or hex written as {@code 0x...}: topology files. */
        INTEGERS("decimal, or hex written 0x..."),
        /** Also a size with a binary suffix ({@code 64KiB}, {@code 1GiB}): map scenarios. */
        INTEGERS_AND_SIZES("decimal, hex written 0x..., or a size like 64KiB");

        /** What a message says numbers may look like. */
        private final String forms;

        Numbers(String forms) {
            this.forms = forms;
        }
    }

    /** How a message shows a number and its range. */
    public enum Notation {
        /** {@code 0..5}. */
        DECIMAL,
        /** {@code 0x0..0xff}. */
        HEX
    }

    /** {@code 0x...}. */
    private static final Pattern HEX = Pattern.compile("0[xX]([0-9a-fA-F]{1,64})");
    /** A decimal with a binary size suffix. */
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,20})\\s*(B|KiB|MiB|GiB|TiB|K|M|G|T)");
    /** Decimal digits. */
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,20}");
    /** 2^64 - 1. */
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** The file name used in messages. */
    private final String file;
    /** What the file should be, for messages: "p2pdma map scenario". */
    private final String kind;
    /** How numbers may be written. */
    private final Numbers numbers;

    /**
     * A reader whose messages name {@code file} and, when it is not one, the {@code kind} of
     * document it should be.
     */
    public DocReader(String file, String kind, Numbers numbers) {
        this.file = file;
        this.kind = kind;
        this.numbers = numbers;
    }

    /** The file's bytes as text: UTF-8 without NUL bytes, else one line saying it is not of the kind expected. */
    public String text(byte[] content) throws DocumentException {
        return DocumentText.decode(content, file, kind);
    }

    /** Parses YAML or JSON into a document tree. */
    public DocNode parse(String text, DocumentSyntax syntax) throws DocumentException {
        return DocumentParser.parse(text, syntax, file, kind);
    }

    /**
     * The document's top level: a mapping whose first key is one of {@code known}. Anything else is
     * taken for another kind of file, and the message quotes none of it.
     */
    public DocNode.Mapping document(DocNode root, Set<String> known) throws DocumentException {
        String expected = "a YAML or JSON mapping of " + String.join(", ", known.stream().sorted().toList());
        if (!(root instanceof DocNode.Mapping m)) {
            throw new DocumentException(file + ": is not a " + kind + " (" + expected + "): its top level is " + root.shape());
        }
        Optional<DocNode.Field> first = m.fields().values().stream().findFirst();
        if (first.isPresent() && !known.contains(first.get().name())) {
            int line = first.get().line();
            throw new DocumentException(file + ": is not a " + kind + " (" + expected + "): its first key is none of these"
                    + (line > 0 ? " (line " + line + ")" : ""));
        }
        return m;
    }

    /** An error at a line of this file: {@code what (file line N)}. */
    public DocumentException error(int line, String what) {
        return new DocumentException(what + Texts.at(file, line));
    }

    /** An error about a field, at its line: {@code field 'name' of ctx what (file line N)}. */
    public DocumentException error(DocNode.Field f, String ctx, String what) {
        return error(f.line(), "field " + Texts.quote(f.name()) + " of " + ctx + " " + what);
    }

    // ---------------------------------------------------------------- structure

    /** Refuses a field outside {@code known}, suggesting the closest known name or else listing them. */
    public void allowOnly(DocNode.Mapping m, Set<String> known, String ctx) throws DocumentException {
        for (DocNode.Field f : m.fields().values()) {
            if (!known.contains(f.name())) {
                String hint = NearMiss.of(known, f.name()).map(k -> ", did you mean " + Texts.quote(k) + "?")
                        .orElse(" (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
                throw error(f.line(), "unknown field " + Texts.quote(f.name()) + " in " + ctx + hint);
            }
        }
    }

    /** The field, unless it is missing or null (a null value counts as left out). */
    public Optional<DocNode.Field> optional(DocNode.Mapping m, String name) {
        DocNode.Field f = m.fields().get(name);
        if (f == null || f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.NULL) {
            return Optional.empty();
        }
        return Optional.of(f);
    }

    /** A field that must be there (and not null). */
    public DocNode.Field required(DocNode.Mapping m, String name, String ctx) throws DocumentException {
        Optional<DocNode.Field> f = optional(m, name);
        if (f.isEmpty()) {
            throw error(m.line(), "missing field " + Texts.quote(name) + " in " + ctx);
        }
        return f.get();
    }

    /** A value that must be a mapping; {@code what} names it ("a device entry under host bridge pci0000:00"). */
    public DocNode.Mapping mapping(DocNode node, String what) throws DocumentException {
        if (node instanceof DocNode.Mapping m) {
            return m;
        }
        throw error(node.line(), "expected a mapping for " + what + ", got " + node.describe());
    }

    /** A field whose value must be a mapping. */
    public DocNode.Mapping mapping(DocNode.Field f, String ctx) throws DocumentException {
        if (f.value() instanceof DocNode.Mapping m) {
            return m;
        }
        throw error(f, ctx, "must be a mapping, got " + f.value().describe());
    }

    /** The items of a list field; empty when it is missing or null. */
    public List<DocNode> list(DocNode.Mapping m, String name, String ctx) throws DocumentException {
        Optional<DocNode.Field> f = optional(m, name);
        if (f.isEmpty()) {
            return List.of();
        }
        if (f.get().value() instanceof DocNode.Sequence s) {
            return s.items();
        }
        throw error(f.get(), ctx, "must be a list, got " + f.get().value().describe());
    }

    // ---------------------------------------------------------------- scalars

    /** A string; numbers are taken as written ({@code kernel: 6.12}), booleans and containers are refused. */
    public String string(DocNode.Field f, String ctx) throws DocumentException {
        if (f.value() instanceof DocNode.Scalar s && s.kind() != DocNode.ScalarKind.BOOLEAN && s.kind() != DocNode.ScalarKind.NULL) {
            return s.text();
        }
        String hint = f.value() instanceof DocNode.Scalar ? " (put it in quotes)" : "";
        throw error(f, ctx, "must be a string, got " + f.value().describe() + hint);
    }

    /** A string field that may be absent. */
    public Optional<String> optionalString(DocNode.Mapping m, String name, String ctx) throws DocumentException {
        Optional<DocNode.Field> f = optional(m, name);
        return f.isEmpty() ? Optional.empty() : Optional.of(string(f.get(), ctx));
    }

    /** The strings of a list field; empty when it is missing or null. */
    public List<String> strings(DocNode.Mapping m, String name, String ctx) throws DocumentException {
        List<String> out = new ArrayList<>();
        for (DocNode item : list(m, name, ctx)) {
            out.add(string(new DocNode.Field(name, item.line(), item), ctx));
        }
        return out;
    }

    /** {@code true} or {@code false}. */
    public boolean bool(DocNode.Field f, String ctx) throws DocumentException {
        if (f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.BOOLEAN) {
            return Boolean.parseBoolean(s.text());
        }
        throw error(f, ctx, "must be true or false, got " + f.value().describe());
    }

    /**
     * One of {@code allowed} (in the order a message lists them); a near miss is suggested.
     */
    public String choice(DocNode.Field f, String ctx, List<String> allowed) throws DocumentException {
        String v = string(f, ctx);
        if (allowed.contains(v)) {
            return v;
        }
        String hint = NearMiss.of(allowed, v).map(k -> ", did you mean " + Texts.quote(k) + "?").orElse("");
        throw error(f, ctx, "must be one of " + String.join(", ", allowed) + "; got " + Texts.quote(v) + hint);
    }

    /** A whole number in {@code [min, max]} (signed), shown in {@code notation} when out of range. */
    public long number(DocNode.Field f, String ctx, long min, long max, Notation notation) throws DocumentException {
        String range = notation == Notation.HEX ? String.format("0x%x..0x%x", min, max) : min + ".." + max;
        BigInteger v = integer(f, ctx, range);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw error(f, ctx, "must be " + range + ", got " + (notation == Notation.HEX && v.signum() >= 0 ? "0x" + v.toString(16) : v.toString()));
        }
        return v.longValue();
    }

    /** An unsigned 64-bit number, returned as the long with the same bits. */
    public long unsigned64(DocNode.Field f, String ctx) throws DocumentException {
        String range = "0x0..0xffffffffffffffff";
        BigInteger v = integer(f, ctx, range);
        if (v.signum() < 0 || v.compareTo(U64_MAX) > 0) {
            throw error(f, ctx, "must be " + range + " (64 bits), got " + (v.signum() < 0 ? v.toString() : "0x" + v.toString(16)));
        }
        return v.longValue();
    }

    /**
     * A whole number as written: a decimal integer, a string {@code "0x..."} in hex (YAML's
     * unquoted {@code 0x1d} is such a string) and, where this kind of document allows them, a
     * decimal string with an optional binary size suffix.
     */
    private BigInteger integer(DocNode.Field f, String ctx, String range) throws DocumentException {
        if (f.value() instanceof DocNode.Scalar s && (s.kind() == DocNode.ScalarKind.INTEGER || s.kind() == DocNode.ScalarKind.STRING)) {
            String t = s.text().strip();
            Matcher hex = HEX.matcher(t);
            if (hex.matches()) {
                return new BigInteger(hex.group(1), 16);
            }
            if (s.kind() == DocNode.ScalarKind.INTEGER) {
                try {
                    return new BigInteger(t);
                } catch (NumberFormatException e) {
                    // falls through to the error below
                }
            }
            if (numbers == Numbers.INTEGERS_AND_SIZES) {
                Matcher size = SIZE.matcher(t);
                if (size.matches()) {
                    return new BigInteger(size.group(1)).shiftLeft(suffixShift(size.group(2)));
                }
                if (DECIMAL.matcher(t).matches()) {
                    return new BigInteger(t);
                }
            }
        }
        throw error(f, ctx, "must be a number " + range + " (" + numbers.forms + "), got " + f.value().describe());
    }

    /** The power of two a binary size suffix stands for. */
    private static int suffixShift(String suffix) {
        return switch (suffix.toUpperCase(Locale.ROOT)) {
            case "K", "KIB" -> 10;
            case "M", "MIB" -> 20;
            case "G", "GIB" -> 30;
            case "T", "TIB" -> 40;
            default -> 0;
        };
    }
}
