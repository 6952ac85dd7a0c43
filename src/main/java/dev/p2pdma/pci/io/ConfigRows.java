package dev.p2pdma.pci.io;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.p2pdma.doc.Texts;

/**
 * Raw config space bytes as a topology file writes them: rows of up to 16 bytes in hex,
 * {@code "100: 0d 00 01 00 5f 00 1d 00 00 00 00 00 00 00 00 00"} (offset, colon, bytes), the
 * layout of {@code lspci -xxxx}. Rows that are all zero are left out; bytes no row gives are zero.
 *
 * <p>Stateless and thread-safe.
 */
final class ConfigRows {

    /** Largest config space: the PCI Express extended configuration space. */
    static final int MAX_LENGTH = 4096;
    /** Bytes per row. */
    static final int ROW_BYTES = 16;
    /** {@code OFF: xx xx ...}: 1 to 3 hex digits of offset, then 1 to 16 two-digit hex bytes. */
    private static final Pattern ROW = Pattern.compile("([0-9a-fA-F]{1,3}):((?:[ \\t]+[0-9a-fA-F]{2}){1,16})[ \\t]*");

    private ConfigRows() {
    }

    /**
     * One decoded row.
     *
     * @param offset the offset of its first byte
     * @param bytes  its bytes, 1 to 16
     */
    record Row(int offset, byte[] bytes) {
    }

    /** The rows of {@code config} that hold a non-zero byte, in offset order. */
    static List<String> encode(byte[] config) {
        List<String> rows = new ArrayList<>();
        for (int off = 0; off < config.length; off += ROW_BYTES) {
            int end = Math.min(off + ROW_BYTES, config.length);
            boolean zero = true;
            for (int i = off; i < end && zero; i++) {
                zero = config[i] == 0;
            }
            if (zero) {
                continue;
            }
            StringBuilder sb = new StringBuilder(String.format("%03x:", off));
            for (int i = off; i < end; i++) {
                sb.append(String.format(" %02x", config[i] & 0xff));
            }
            rows.add(sb.toString());
        }
        return rows;
    }

    /**
     * Reads one row.
     *
     * @throws IllegalArgumentException saying what is wrong (no file or line: the caller adds them)
     */
    static Row parse(String text) {
        Matcher m = ROW.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("a config row must read 'OFFSET: xx xx ...' (hex offset, then up to 16 hex bytes), got "
                    + Texts.quote(text));
        }
        int offset = Integer.parseInt(m.group(1), 16);
        if (offset % ROW_BYTES != 0) {
            throw new IllegalArgumentException(String.format("config row offset 0x%x is not a multiple of 0x10", offset));
        }
        String[] hex = m.group(2).strip().split("[ \\t]+");
        byte[] bytes = new byte[hex.length];
        for (int i = 0; i < hex.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex[i], 16);
        }
        return new Row(offset, bytes);
    }
}
