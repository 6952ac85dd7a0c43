package dev.p2pdma.pci.io;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.PciAddress;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Splits the text of an lspci dump into functions: header lines ({@code [domain:]bus:dev.fn text}),
 * hex rows ({@code 40: 01 48 ...}, 16 bytes each at consecutive offsets) and indented decoded
 * lines.
 *
 * <p>Every line is classified or rejected; anything not an lspci line gives an
 * {@link ImportException} naming the source and the line number. Stateless and thread-safe.
 */
final class LspciDumpReader {

    /** A first token shaped like an address, valid or not: {@code 00:1f.2}, {@code 0000:00:1g.0}. */
    private static final Pattern ADDRESS_LIKE = Pattern.compile("[0-9A-Za-z]+(?::[0-9A-Za-z]+){1,2}\\.[0-9A-Za-z]+");
    /** A first token shaped like a hex row offset: {@code 00:}, {@code ff0:}, also bad ones like {@code 0g:}. */
    private static final Pattern ROW_OFFSET_LIKE = Pattern.compile("[0-9A-Za-z]{1,4}:");
    /** A well-formed row offset. */
    private static final Pattern ROW_OFFSET = Pattern.compile("[0-9A-Fa-f]{1,4}:");
    /** One well-formed byte of a hex row. */
    private static final Pattern HEX_BYTE = Pattern.compile("[0-9A-Fa-f]{2}");

    private LspciDumpReader() {
    }

    /**
     * Reads all functions of a dump.
     *
     * @param source how messages name the input, e.g. the file path
     * @param text   the whole dump
     * @return the functions in file order, at least one
     * @throws ImportException when the text is not an lspci dump or a line is malformed
     */
    static List<LspciEntry> read(String source, String text) throws ImportException {
        String[] lines = text.split("\r?\n|\r", -1);
        if (!hasValidHeader(lines)) {
            throw new ImportException(source + ": not an lspci dump (no function header line found)");
        }
        List<LspciEntry> entries = new ArrayList<>();
        Map<PciAddress, Integer> firstLine = new HashMap<>();
        LspciEntry current = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNo = i + 1;
            String where = source + ": line " + lineNo + ": ";
            if (line.isBlank()) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                if (current == null) {
                    throw notADump(where + "indented line before any function header");
                }
                current.addDetail(lineNo, line.strip());
                continue;
            }
            String token = firstToken(line);
            if (ADDRESS_LIKE.matcher(token).matches()) {
                PciAddress address = PciAddress.tryParse(token).orElseThrow(() -> new ImportException(where
                        + "malformed PCI address " + Texts.quote(token) + " (expected [domain:]bus:device.function in hex, device <= 1f, function <= 7)"));
                Integer earlier = firstLine.putIfAbsent(address, lineNo);
                if (earlier != null) {
                    throw new ImportException(where + "duplicate function " + address + " (first at line " + earlier + ")");
                }
                current = new LspciEntry(address, lineNo, line.substring(token.length()).strip());
                entries.add(current);
                continue;
            }
            if (ROW_OFFSET_LIKE.matcher(token).matches()) {
                if (current == null) {
                    throw new ImportException(where + "hex row before any function header");
                }
                readRow(where, token, line.substring(token.length()), current);
                continue;
            }
            if (current == null) {
                throw notADump(where + "the first line is not a function header (BB:DD.F description)");
            }
            throw new ImportException(where + "not an lspci line (expected a function header, a hex row or an indented detail line): "
                    + Texts.quote(line.strip()));
        }
        return entries;
    }

    /** What comes before the first function header is wrong: likely another kind of file, so the message quotes none of it. */
    private static ImportException notADump(String whereAndWhat) {
        return new ImportException(whereAndWhat + ": not an lspci dump");
    }

    private static boolean hasValidHeader(String[] lines) {
        for (String line : lines) {
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0))) {
                String token = firstToken(line);
                if (ADDRESS_LIKE.matcher(token).matches() && PciAddress.tryParse(token).isPresent()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void readRow(String where, String offsetToken, String rest, LspciEntry entry) throws ImportException {
        if (!ROW_OFFSET.matcher(offsetToken).matches()) {
            throw new ImportException(where + "bad hex row offset " + Texts.quote(offsetToken));
        }
        int offset = Integer.parseInt(offsetToken.substring(0, offsetToken.length() - 1), 16);
        if (offset >= LspciEntry.MAX_CONFIG_BYTES) {
            throw new ImportException(where + String.format("hex row at offset 0x%x: more than %d bytes of config space for %s",
                    offset, LspciEntry.MAX_CONFIG_BYTES, entry.address()));
        }
        int expected = entry.nextRowOffset();
        if (offset != expected) {
            throw new ImportException(where + String.format("hex row offset 0x%02x out of order for %s (expected 0x%02x)",
                    offset, entry.address(), expected));
        }
        String body = rest.strip();
        String[] tokens = body.isEmpty() ? new String[0] : body.split("\\s+");
        byte[] row = new byte[16];
        int n = 0;
        for (String t : tokens) {
            if (!HEX_BYTE.matcher(t).matches()) {
                throw new ImportException(where + String.format("bad hex byte %s in the row at offset 0x%02x", Texts.quote(t), offset));
            }
            if (n == 16) {
                throw new ImportException(where + String.format("hex row at offset 0x%02x has more than 16 bytes", offset));
            }
            row[n++] = (byte) Integer.parseInt(t, 16);
        }
        if (n != 16) {
            throw new ImportException(where + String.format("truncated hex row at offset 0x%02x: %d bytes, expected 16", offset, n));
        }
        entry.appendRow(row);
    }

    private static String firstToken(String line) {
        int end = 0;
        while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
            end++;
        }
        return line.substring(0, end);
    }

}
