package dev.p2pdma.pci.io;

import java.nio.charset.StandardCharsets;

/**
 * Small helpers for one-line error messages and sysfs attribute text. Stateless.
 */
final class Texts {

    /** The longest piece of file content quoted in a message. */
    private static final int MAX_QUOTED = 60;
    /** The longest path quoted in a message. */
    private static final int MAX_PATH = 1000;

    private Texts() {
    }

    /**
     * Makes arbitrary text safe for a one-line message: control characters become {@code \n},
     * {@code \xNN}, and long text is cut with an ellipsis.
     */
    static String quote(String text) {
        return escape(text, MAX_QUOTED);
    }

    /**
     * Makes a path, member name or link target safe for a one-line message without cutting the
     * part that identifies it (up to {@value #MAX_PATH} characters).
     */
    static String path(String text) {
        return escape(text, MAX_PATH);
    }

    private static String escape(String text, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length() && sb.length() < max; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (sb.length() >= max) {
            sb.setLength(max);
            sb.append("...");
        }
        return sb.toString();
    }

    /** Attribute bytes as text without surrounding white space. */
    static String attribute(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).strip();
    }

    /** Why an I/O call failed, in a few words fit for one line. */
    static String ioReason(java.io.IOException e) {
        String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : String.valueOf(e.getMessage());
        return path(why);
    }
}
