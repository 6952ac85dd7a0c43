package dev.p2pdma.pci.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.p2pdma.doc.Texts;

/**
 * A streaming reader of tar archives: POSIX ustar headers (with the name prefix), GNU long names
 * and link names ({@code L}, {@code K}) and PAX extended headers ({@code x}: {@code path},
 * {@code linkpath}, {@code size}; global {@code g} headers are skipped).
 *
 * <p>Written for sysfs captures, which hold tens of thousands of tiny members: content that is not
 * asked for is skipped through one reusable buffer. Every header's checksum is verified; numbers,
 * long names and PAX records are bounded. Data that ends inside a header or a member is an
 * {@link EOFException}; anything malformed is an {@link IOException} saying what. An archive that
 * ends at a block boundary without the two zero blocks is accepted as complete. Kept beside
 * commons-compress's reader because that one allocates about 25 times as much per capture
 * ({@code TarReadBench}, README "Dependencies"). Not thread-safe.
 */
final class TarStream {

    /** Tar block size. */
    private static final int BLOCK = 512;
    /** Longest GNU long name or PAX header accepted. */
    private static final int MAX_EXTENSION_BYTES = 1 << 20;

    /** Entry kinds as the type flag gives them. */
    enum Type {
        /** A regular file (type 0, NUL, 7 or an unknown letter). */
        REGULAR,
        /** A hard link to an earlier member (type 1). */
        HARD_LINK,
        /** A symbolic link (type 2). */
        SYMLINK,
        /** A directory (type 5). */
        DIRECTORY,
        /** A device, a FIFO or a GNU special member: never read. */
        OTHER
    }

    /**
     * One member header.
     *
     * @param name      member name as stored (long-name and PAX forms applied)
     * @param type      its kind
     * @param size      bytes of content that follow
     * @param linkName  link target for links, else empty text
     */
    record Header(String name, Type type, long size, String linkName) {
    }

    /** The archive bytes. */
    private final InputStream in;
    /** The current header block. */
    private final byte[] block = new byte[BLOCK];
    /** Reused for skipping. */
    private final byte[] skipBuffer = new byte[1 << 14];
    /** Content bytes of the current member not read yet. */
    private long remaining;
    /** Padding bytes after the current member's content. */
    private long padding;

    TarStream(InputStream in) {
        this.in = in;
    }

    /**
     * Moves to the next member, skipping what is left of the current one.
     *
     * @return empty at the end of the archive
     */
    Optional<Header> next() throws IOException {
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        String longLink = null;
        Map<String, String> pax = Map.of();
        while (true) {
            if (!readBlock()) {
                return Optional.empty();
            }
            if (isZero(block)) {
                return Optional.empty();
            }
            verifyChecksum();
            byte flag = block[156];
            long size = number(124, 12, "size");
            switch (flag) {
                case 'L' -> {
                    longName = cString(extension(size, "GNU long name"));
                    continue;
                }
                case 'K' -> {
                    longLink = cString(extension(size, "GNU long link name"));
                    continue;
                }
                case 'x' -> {
                    pax = pax(extension(size, "PAX header"));
                    continue;
                }
                case 'g' -> {
                    extension(size, "PAX global header");
                    continue;
                }
                default -> {
                    // a member header: handled below
                }
            }
            String name = longName != null ? longName : ustarName();
            String link = longLink != null ? longLink : cString(block, 157, 100);
            name = pax.getOrDefault("path", name);
            link = pax.getOrDefault("linkpath", link);
            if (pax.containsKey("size")) {
                size = paxSize(pax.get("size"));
            }
            Type type = switch (flag) {
                case '0', 0, '7' -> Type.REGULAR;
                case '1' -> Type.HARD_LINK;
                case '2' -> Type.SYMLINK;
                case '5' -> Type.DIRECTORY;
                case '3', '4', '6' -> Type.OTHER;
                default -> flag >= 'A' && flag <= 'Z' ? Type.OTHER : Type.REGULAR;
            };
            boolean hasData = !(flag >= '1' && flag <= '6');
            remaining = hasData ? size : 0;
            padding = hasData ? (BLOCK - size % BLOCK) % BLOCK : 0;
            return Optional.of(new Header(name, type, remaining, link));
        }
    }

    /** Reads the whole content of the current member (its size must fit an array). */
    byte[] readContent() throws IOException {
        if (remaining > Integer.MAX_VALUE - 16) {
            throw new IOException("member too large to read");
        }
        byte[] out = in.readNBytes((int) remaining);
        if (out.length != remaining) {
            throw new EOFException("member content ends early");
        }
        remaining = 0;
        return out;
    }

    private byte[] extension(long size, String what) throws IOException {
        if (size > MAX_EXTENSION_BYTES) {
            throw new IOException(what + " of " + size + " bytes is too large");
        }
        byte[] data = in.readNBytes((int) size);
        if (data.length != size) {
            throw new EOFException(what + " ends early");
        }
        skipFully((BLOCK - size % BLOCK) % BLOCK);
        return data;
    }

    /** Parses PAX records: {@code "<length> <key>=<value>\n"}. */
    private static Map<String, String> pax(byte[] data) throws IOException {
        Map<String, String> out = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int sp = pos;
            long len = 0;
            while (sp < data.length && data[sp] >= '0' && data[sp] <= '9' && len < MAX_EXTENSION_BYTES) {
                len = len * 10 + (data[sp] - '0');
                sp++;
            }
            if (sp == pos || sp >= data.length || data[sp] != ' ' || len <= sp - pos + 1 || pos + len > data.length
                    || data[(int) (pos + len - 1)] != '\n') {
                throw new IOException("malformed PAX header record at byte " + pos);
            }
            String record = new String(data, sp + 1, (int) (pos + len - sp - 2), StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq <= 0) {
                throw new IOException("malformed PAX header record at byte " + pos);
            }
            out.put(record.substring(0, eq), record.substring(eq + 1));
            pos += (int) len;
        }
        return out;
    }

    private static long paxSize(String text) throws IOException {
        if (!text.matches("[0-9]{1,18}")) {
            throw new IOException("malformed PAX size " + Texts.quote(text));
        }
        return Long.parseLong(text);
    }

    /** The name field, with the POSIX prefix when the header is POSIX ustar. */
    private String ustarName() {
        String name = cString(block, 0, 100);
        boolean posix = block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a' && block[261] == 'r'
                && block[262] == 0;
        if (posix && block[345] != 0) {
            return cString(block, 345, 155) + "/" + name;
        }
        return name;
    }

    private void verifyChecksum() throws IOException {
        long stored = number(148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = i >= 148 && i < 156 ? ' ' : block[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("tar header checksum mismatch (not a tar archive, or corrupt)");
        }
    }

    /** An octal or base-256 header number. */
    private long number(int off, int len, String field) throws IOException {
        if ((block[off] & 0x80) != 0) {
            if ((block[off] & 0xff) != 0x80) {
                throw new IOException("negative " + field + " in tar header");
            }
            long v = 0;
            for (int i = off + 1; i < off + len; i++) {
                if (v >>> 55 != 0) {
                    throw new IOException(field + " in tar header is too large");
                }
                v = v << 8 | (block[i] & 0xff);
            }
            return v;
        }
        int i = off;
        int end = off + len;
        while (i < end && (block[i] == ' ' || block[i] == 0)) {
            i++;
        }
        long v = 0;
        for (; i < end && block[i] != ' ' && block[i] != 0; i++) {
            int d = block[i] - '0';
            if (d < 0 || d > 7) {
                throw new IOException("invalid " + field + " in tar header (not a tar archive, or corrupt)");
            }
            v = v << 3 | d;
        }
        return v;
    }

    /** Reads one block; false at a clean end of data. */
    private boolean readBlock() throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException("tar header ends early");
        }
        return true;
    }

    private void skipFully(long n) throws IOException {
        long left = n;
        while (left > 0) {
            int r = in.read(skipBuffer, 0, (int) Math.min(skipBuffer.length, left));
            if (r < 0) {
                throw new EOFException("member content ends early");
            }
            left -= r;
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b) {
        return cString(b, 0, b.length);
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
