package dev.p2pdma.pci.io;

import dev.p2pdma.pci.PciAddress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One function of an lspci dump as read, before interpretation: its header line, the config
 * space bytes from its hex rows and its indented decoded ({@code -v}..{@code -vvv}) lines.
 *
 * <p>Invariants: the captured bytes are a prefix of config space, a whole number of 16-byte rows,
 * at most 4096 bytes. Filled by {@link LspciDumpReader} only; not thread-safe while filled and not
 * shared afterwards.
 */
final class LspciEntry {

    /** Most config space bytes a function has. */
    static final int MAX_CONFIG_BYTES = 4096;

    /** The function's address from the header line. */
    private final PciAddress address;
    /** 1-based line number of the header line. */
    private final int headerLine;
    /** The header text after the address, stripped. */
    private final String description;
    /** Config space bytes collected so far; only the first {@link #configLength} are valid. */
    private final byte[] config = new byte[MAX_CONFIG_BYTES];
    /** Number of valid bytes in {@link #config}. */
    private int configLength;
    /** Indented decoded lines, in file order. */
    private final List<DetailLine> details = new ArrayList<>();

    LspciEntry(PciAddress address, int headerLine, String description) {
        this.address = address;
        this.headerLine = headerLine;
        this.description = description;
    }

    PciAddress address() {
        return address;
    }

    int headerLine() {
        return headerLine;
    }

    String description() {
        return description;
    }

    /** The offset the next hex row must start at. */
    int nextRowOffset() {
        return configLength;
    }

    /** Appends one 16-byte row; the caller has checked its offset and length. */
    void appendRow(byte[] row) {
        if (row.length != 16 || configLength + 16 > MAX_CONFIG_BYTES) {
            throw new IllegalStateException("row does not fit: " + configLength);
        }
        System.arraycopy(row, 0, config, configLength, 16);
        configLength += 16;
    }

    /** True when at least one hex row was read. */
    boolean hasConfig() {
        return configLength > 0;
    }

    /** A copy of the collected config bytes. */
    byte[] config() {
        return Arrays.copyOf(config, configLength);
    }

    void addDetail(int lineNumber, String text) {
        details.add(new DetailLine(lineNumber, text));
    }

    /** The decoded lines, stripped of their indentation, in file order. */
    List<DetailLine> details() {
        return Collections.unmodifiableList(details);
    }

    /**
     * One indented line of lspci's decoded output.
     *
     * @param lineNumber 1-based line number in the file
     * @param text       the line without its leading indentation
     */
    record DetailLine(int lineNumber, String text) {
    }
}
