package dev.p2pdma.doc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Turns the text of a p2pdma input document (a topology file, a map scenario) into a
 * {@link DocNode} tree with line numbers, through Jackson's streaming parsers, and refuses what
 * none of them needs: YAML anchors, aliases and tags (so "billion laughs" stops at its first
 * anchor), duplicate keys, nesting deeper than {@link #MAX_DEPTH}, more than one document.
 *
 * <p>Stateless and thread-safe (the Jackson mappers are shared and read-only; the YAML ones, one per
 * read-buffer size, are made on first use).
 */
public final class DocumentParser {

    /**
     * Deepest nesting of mappings and lists: a PCI hierarchy has at most 256 bus levels, and each
     * costs two (the device mapping and its {@code children} list), plus room for the fields.
     */
    public static final int MAX_DEPTH = 2 * 256 + 16;

    /**
     * Most values (mappings, lists, scalars) in one file: a machine with thousands of functions needs
     * a few hundred thousand; the cap keeps a hostile file of tiny values from filling the heap.
     */
    public static final int MAX_VALUES = 1_000_000;

    /** Largest document: 64 MiB (a machine with thousands of functions and their config space fits easily). */
    public static final int MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

    /** The JSON reader, with limits a little above ours so our own messages come first. */
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(constraints())
            .build()).build();

    /**
     * Smallest YAML read buffer, as a power of two: 64 KiB characters. snakeyaml-engine's reader
     * copies the unread part of its window each time it refills it by one buffer, and a scanner
     * peeking along a long token (a comment, a string) keeps the whole token unread: with its
     * default 1 KiB buffer a line of n characters costs n^2/1024 copies. A buffer at least as long
     * as the longest line bounds the copies by the file's size.
     */
    private static final int MIN_YAML_BUFFER_SHIFT = 16;

    /** Largest YAML read buffer, as a power of two: enough for a line as long as the largest file. */
    private static final int MAX_YAML_BUFFER_SHIFT = 32 - Integer.numberOfLeadingZeros(MAX_DOCUMENT_BYTES);

    /** YAML readers by read-buffer size (index: the size's power of two), made on first use; thread-safe. */
    private static final AtomicReferenceArray<ObjectMapper> YAML = new AtomicReferenceArray<>(MAX_YAML_BUFFER_SHIFT + 1);

    private DocumentParser() {
    }

    /** The YAML reader whose read buffer holds the longest line of {@code text}, so reading it is linear. */
    static ObjectMapper yamlFor(String text) {
        int shift = Math.clamp(32 - Integer.numberOfLeadingZeros(longestLineChars(text)), MIN_YAML_BUFFER_SHIFT, MAX_YAML_BUFFER_SHIFT);
        ObjectMapper m = YAML.get(shift);
        if (m == null) {
            YAML.compareAndSet(shift, null, yamlMapper(1 << shift));
            m = YAML.get(shift);
        }
        return m;
    }

    /** Characters in the longest line (counting its line break). */
    static int longestLineChars(String text) {
        int longest = 0;
        int start = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
            longest = Math.max(longest, i + 1 - start);
            start = i + 1;
        }
        return Math.max(longest, text.length() - start);
    }

    private static ObjectMapper yamlMapper(int bufferChars) {
        return YAMLMapper.builder(YAMLFactory.builder()
                .streamReadConstraints(constraints())
                .loadSettings(LoadSettings.builder()
                        .setCodePointLimit(MAX_DOCUMENT_BYTES)
                        .setMaxAliasesForCollections(0)
                        // duplicate keys are refused below, with both lines in the message
                        .setAllowDuplicateKeys(true)
                        .setUseMarks(true)
                        .setBufferSize(bufferChars)
                        .build())
                .build()).build();
    }

    private static StreamReadConstraints constraints() {
        return StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH + 8)
                .maxDocumentLength(MAX_DOCUMENT_BYTES)
                .maxStringLength(MAX_DOCUMENT_BYTES)
                .maxNameLength(64 * 1024)
                .maxNumberLength(1000)
                .build();
    }

    /**
     * Parses one document of a given kind. A file whose first value does not parse is not taken
     * for a broken document of that kind: the message says it is not one and quotes none of it.
     *
     * @param text   the file's text (already checked to be UTF-8 without NUL bytes)
     * @param format which syntax
     * @param file   the file's name for messages
     * @param kind   what the file should be, for messages ("p2pdma map scenario")
     * @throws DocumentException one line naming the file and line
     */
    public static DocNode parse(String text, DocumentSyntax format, String file, String kind) throws DocumentException {
        ObjectMapper mapper = format == DocumentSyntax.JSON ? JSON : yamlFor(text);
        int[] count = new int[1];
        try (JsonParser p = mapper.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new DocumentException(file + ": holds no " + format + " document (expected a " + kind + ")");
            }
            DocNode root = value(p, first, 1, file, count);
            JsonToken extra = p.nextToken();
            if (extra != null) {
                throw new DocumentException("more than one " + format + " document in the file: the second starts here"
                        + Texts.at(file, line(p.currentTokenLocation())));
            }
            return root;
        } catch (JacksonException e) {
            int line = e.getCause() instanceof MarkedYamlEngineException y && y.getProblemMark().isPresent()
                    ? y.getProblemMark().get().getLine() + 1
                    : line(e.getLocation());
            if (count[0] == 0) {
                // not even the first value parses: likely another kind of file, so show none of it
                throw new DocumentException(file + ": is not a " + kind + ": it does not start as a " + format + " document"
                        + (line > 0 ? " (line " + line + ")" : ""));
            }
            throw new DocumentException("malformed " + format + ": " + Texts.capQuoted(Texts.oneLine(e.getOriginalMessage()))
                    + Texts.at(file, line));
        }
    }

    /**
     * Reads the value starting at token {@code t}.
     *
     * @param count values read so far in this file (one cell, shared by the recursion)
     */
    private static DocNode value(JsonParser p, JsonToken t, int depth, String file, int[] count) throws DocumentException {
        int line = line(p.currentTokenLocation());
        if (t == null) {
            throw new DocumentException("the document ends inside a mapping or list" + Texts.at(file, line));
        }
        if (++count[0] > MAX_VALUES) {
            throw new DocumentException("more than " + MAX_VALUES + " values in one file" + Texts.at(file, line));
        }
        refuseYamlSpecials(p, line, file);
        switch (t) {
            case START_OBJECT -> {
                checkDepth(depth, line, file);
                Map<String, DocNode.Field> fields = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    if (k != JsonToken.PROPERTY_NAME) {
                        throw new DocumentException("expected a key, got " + k + Texts.at(file, line(p.currentTokenLocation())));
                    }
                    String name = p.currentName();
                    int keyLine = line(p.currentTokenLocation());
                    refuseYamlSpecials(p, keyLine, file);
                    DocNode v = value(p, p.nextToken(), depth + 1, file, count);
                    DocNode.Field old = fields.putIfAbsent(name, new DocNode.Field(name, keyLine, v));
                    if (old != null) {
                        throw new DocumentException("duplicate key " + Texts.quote(name) + ", first at line " + old.line()
                                + Texts.at(file, keyLine));
                    }
                }
                return new DocNode.Mapping(fields, line);
            }
            case START_ARRAY -> {
                checkDepth(depth, line, file);
                List<DocNode> items = new ArrayList<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_ARRAY; k = p.nextToken()) {
                    items.add(value(p, k, depth + 1, file, count));
                }
                return new DocNode.Sequence(items, line);
            }
            case VALUE_STRING -> {
                return new DocNode.Scalar(DocNode.ScalarKind.STRING, p.getString(), line);
            }
            case VALUE_NUMBER_INT -> {
                return new DocNode.Scalar(DocNode.ScalarKind.INTEGER, p.getString(), line);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new DocNode.Scalar(DocNode.ScalarKind.FLOAT, p.getString(), line);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new DocNode.Scalar(DocNode.ScalarKind.BOOLEAN, Boolean.toString(t == JsonToken.VALUE_TRUE), line);
            }
            case VALUE_NULL -> {
                return new DocNode.Scalar(DocNode.ScalarKind.NULL, "null", line);
            }
            default -> throw new DocumentException("unsupported value " + Texts.quote(String.valueOf(p.getString()))
                    + Texts.at(file, line));
        }
    }

    private static void checkDepth(int depth, int line, String file) throws DocumentException {
        if (depth > MAX_DEPTH) {
            throw new DocumentException("nested more than " + MAX_DEPTH + " levels deep" + Texts.at(file, line));
        }
    }

    /** Anchors, aliases and tags have no use in a p2pdma input file; refusing them defuses alias bombs. */
    private static void refuseYamlSpecials(JsonParser p, int line, String file) throws DocumentException {
        if (!(p instanceof YAMLParser y)) {
            return;
        }
        if (y.isCurrentAlias()) {
            throw new DocumentException("YAML aliases (*" + Texts.escaped(y.getString())
                    + ") are not allowed in a p2pdma input file" + Texts.at(file, line));
        }
        if (y.getObjectId() != null) {
            throw new DocumentException("YAML anchors (&" + Texts.escaped(String.valueOf(y.getObjectId()))
                    + ") are not allowed in a p2pdma input file" + Texts.at(file, line));
        }
        if (y.getTypeId() != null) {
            throw new DocumentException("YAML tags (" + Texts.escaped(String.valueOf(y.getTypeId()))
                    + ") are not allowed in a p2pdma input file" + Texts.at(file, line));
        }
    }

    private static int line(TokenStreamLocation loc) {
        return loc == null ? 0 : Math.max(loc.getLineNr(), 0);
    }
}
