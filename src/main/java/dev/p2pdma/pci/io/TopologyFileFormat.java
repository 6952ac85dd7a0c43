package dev.p2pdma.pci.io;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

import dev.p2pdma.doc.DocumentSyntax;
import dev.p2pdma.doc.DocumentText;

/**
 * The two syntaxes of a p2pdma topology file ({@code p2pdma-topology/1}, see
 * {@code docs/topology-format.md}): both carry the same document model.
 *
 * <p>Stateless and thread-safe.
 */
public enum TopologyFileFormat {
    /** YAML: what {@code p2pdma topo --format yaml} writes; meant for people to edit. */
    YAML,
    /** JSON: the same document for programs. */
    JSON;

    /** The document syntax a topology file in this format is parsed as. */
    public DocumentSyntax syntax() {
        return this == JSON ? DocumentSyntax.JSON : DocumentSyntax.YAML;
    }

    /** The value of the {@code format} field this version reads and writes. */
    public static final String DOCUMENT_VERSION = "p2pdma-topology/1";

    /** The text that marks a topology file in its first bytes: the {@code format} value's prefix. */
    static final String MARKER = "p2pdma-topology/";
    /** How many leading bytes {@link #detect} looks at for the marker. */
    static final int SNIFF_BYTES = 4096;

    /**
     * The format a file name's extension asks for: {@code .yaml}/{@code .yml} or {@code .json}
     * (any case).
     *
     * @return empty for any other name
     */
    public static Optional<TopologyFileFormat> ofFileName(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        if (n.endsWith(".yaml") || n.endsWith(".yml")) {
            return Optional.of(YAML);
        }
        if (n.endsWith(".json")) {
            return Optional.of(JSON);
        }
        return Optional.empty();
    }

    /**
     * Tells whether content is a topology file, and which syntax: a {@code .yaml}, {@code .yml}
     * or {@code .json} name decides; otherwise the first {@value #SNIFF_BYTES} bytes must mention
     * {@code p2pdma-topology/}, and a leading <code>{</code> means JSON.
     *
     * @param fileName the file's name (only its extension is looked at)
     * @param head     the file's first bytes (more are ignored)
     * @return empty when neither the name nor the content says "topology file"
     */
    public static Optional<TopologyFileFormat> detect(String fileName, byte[] head) {
        Optional<TopologyFileFormat> byName = ofFileName(fileName);
        if (byName.isPresent()) {
            return byName;
        }
        String text = new String(head, 0, Math.min(head.length, SNIFF_BYTES), StandardCharsets.UTF_8);
        if (!text.contains(MARKER)) {
            return Optional.empty();
        }
        return Optional.of(bySyntax(head));
    }

    /** JSON when the first non-blank character (after a UTF-8 byte order mark) is an opening brace, else YAML. */
    static TopologyFileFormat bySyntax(byte[] content) {
        int i = DocumentText.startsWithByteOrderMark(content) ? 3 : 0;
        while (i < content.length && (content[i] == ' ' || content[i] == '\t' || content[i] == '\r' || content[i] == '\n')) {
            i++;
        }
        return i < content.length && content[i] == '{' ? JSON : YAML;
    }
}
