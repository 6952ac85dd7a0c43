package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.p2pdma.doc.DocNode;
import dev.p2pdma.doc.DocumentException;
import dev.p2pdma.doc.DocumentParser;
import dev.p2pdma.doc.DocumentText;
import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;

/**
 * Reads a p2pdma topology file ({@code p2pdma-topology/1}, described in
 * {@code docs/topology-format.md}), YAML or JSON, into a {@link PciTopology}.
 *
 * <p>Reading is strict: an unknown field, a value of the wrong type or range, a malformed or
 * duplicate address, an unknown format version, an empty, binary, oversized or too deeply nested
 * file, YAML anchors, aliases and tags all give an {@link ImportException} whose one-line message
 * names the file, the line and the device. A device nested below a bridge whose bus range does not
 * hold its bus is accepted (the nesting is the tree) and gets a problem that says so.
 *
 * <p>Stateless and thread-safe.
 */
public final class TopologyFileReader {

    /** Largest file read: the largest document the parser takes. */
    static final int MAX_FILE_BYTES = DocumentParser.MAX_DOCUMENT_BYTES;

    /** What a function's ACS is when the file says nothing: the builder's own default. */
    static final AcsState DEFAULT_ACS = PciFunction.builder(new PciAddress(0, 0, 0, 0)).acs();

    private TopologyFileReader() {
    }

    /**
     * Reads a file; its extension ({@code .yaml}, {@code .yml}, {@code .json}) picks the syntax,
     * otherwise the content does (a leading <code>{</code> means JSON).
     *
     * @throws ImportException one line naming the file (and line and device) and what is wrong
     */
    public static PciTopology read(Path file) throws ImportException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new ImportException(name + ": is a directory, not a topology file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new ImportException(name + ": is not a regular file");
        }
        byte[] content;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw tooLarge(name, Files.size(file));
            }
            try (InputStream in = Files.newInputStream(file)) {
                content = in.readNBytes(MAX_FILE_BYTES + 1);
            }
        } catch (NoSuchFileException e) {
            throw new ImportException(name + ": no such file");
        } catch (IOException e) {
            throw new ImportException(name + ": cannot read: " + Texts.oneLine(String.valueOf(e.getMessage())), e);
        }
        return read(content, name);
    }

    /**
     * Reads content whose syntax the name's extension or else the content tells.
     *
     * @param fileName the name used in messages (and for its extension)
     * @throws ImportException one line naming the file (and line and device) and what is wrong
     */
    public static PciTopology read(byte[] content, String fileName) throws ImportException {
        return read(content, fileName, TopologyFileFormat.ofFileName(fileName).orElse(TopologyFileFormat.bySyntax(content)));
    }

    /**
     * Reads content in a given syntax.
     *
     * @param fileName the name used in messages
     * @throws ImportException one line naming the file (and line and device) and what is wrong
     */
    public static PciTopology read(byte[] content, String fileName, TopologyFileFormat format) throws ImportException {
        if (content.length > MAX_FILE_BYTES) {
            throw tooLarge(fileName, content.length);
        }
        try {
            String text = DocumentText.decode(content, fileName, "YAML or JSON topology file");
            if (text.isBlank()) {
                throw new ImportException(fileName + ": is empty (expected a " + TopologyFileFormat.DOCUMENT_VERSION + " file)");
            }
            DocNode root = DocumentParser.parse(text, format.syntax(), fileName, TopologyFileFormat.DOCUMENT_VERSION + " topology file");
            return new TopologyDocumentDecoder(fileName).decode(root);
        } catch (DocumentException e) {
            throw new ImportException(e.getMessage(), e);
        } catch (RuntimeException | StackOverflowError e) {
            // a parser bug must not escape as a stack trace: report it on one line
            throw new ImportException(fileName + ": cannot read: " + e.getClass().getSimpleName() + ": "
                    + Texts.capQuoted(Texts.oneLine(String.valueOf(e.getMessage()))), e);
        }
    }

    /**
     * Decodes a topology document already parsed, such as one written inline in another document
     * (a {@code simulate} scenario's {@code machine.inline}); messages name {@code fileName} and the
     * lines of the enclosing file.
     *
     * @throws ImportException one line naming the file, line and device and what is wrong
     */
    public static PciTopology decode(DocNode root, String fileName) throws ImportException {
        try {
            return new TopologyDocumentDecoder(fileName).decode(root);
        } catch (DocumentException e) {
            throw new ImportException(e.getMessage(), e);
        }
    }

    private static ImportException tooLarge(String name, long size) {
        return new ImportException(name + ": is " + size + " bytes; a topology file may have at most " + MAX_FILE_BYTES + " bytes");
    }
}
