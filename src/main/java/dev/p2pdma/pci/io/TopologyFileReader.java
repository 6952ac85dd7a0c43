package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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

    /** Largest file read: 64 MiB (a machine with thousands of functions and their config space fits easily). */
    static final int MAX_FILE_BYTES = 64 * 1024 * 1024;

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
            throw new ImportException(name + ": cannot read: " + Messages.oneLine(String.valueOf(e.getMessage())), e);
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
        String text = text(content, fileName, "YAML or JSON topology file");
        if (text.isBlank()) {
            throw new ImportException(fileName + ": is empty (expected a " + TopologyFileFormat.DOCUMENT_VERSION + " file)");
        }
        try {
            DocNode root = DocumentParser.parse(text, format, fileName);
            return new TopologyDocumentDecoder(fileName).decode(root);
        } catch (RuntimeException | StackOverflowError e) {
            // a parser bug must not escape as a stack trace: report it on one line
            throw new ImportException(fileName + ": cannot read: " + e.getClass().getSimpleName() + ": "
                    + Texts.capQuoted(Messages.oneLine(String.valueOf(e.getMessage()))), e);
        }
    }

    private static ImportException tooLarge(String name, long size) {
        return new ImportException(name + ": is " + size + " bytes; a topology file may have at most " + MAX_FILE_BYTES + " bytes");
    }

    /**
     * The content as text: UTF-8 (an initial byte order mark dropped), refusing NUL bytes and bad
     * encodings as not a {@code kind} ("YAML or JSON topology file").
     */
    static String text(byte[] content, String fileName, String kind) throws ImportException {
        for (int i = 0; i < content.length; i++) {
            if (content[i] == 0) {
                throw new ImportException(fileName + ": is binary (NUL byte at offset " + i + "), not a " + kind);
            }
        }
        int start = TopologyFileFormat.startsWithBom(content) ? 3 : 0;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content, start, content.length - start);
        CharBuffer out = CharBuffer.allocate(content.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new ImportException(fileName + ": is not UTF-8 text (invalid byte at offset " + in.position()
                    + "), not a " + kind);
        }
        out.flip();
        return out.toString();
    }
}
