package dev.p2pdma.pci.io;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Small helpers for one-line error messages and sysfs attribute text, with the one rule for quoting
 * input in a message ({@link #quote}). Stateless; thread-safe.
 */
public final class Texts {

    /** The most characters of file content quoted in a message (more is cut and marked with "..."). */
    static final int MAX_QUOTED = 40;
    /** A fragment quoted in a parser's message: {@code 'x'} or {@code "x"}. */
    private static final Pattern QUOTED = Pattern.compile("'([^']*)'|\"([^\"]*)\"");
    /** The longest path quoted in a message. */
    private static final int MAX_PATH = 1000;

    private Texts() {
    }

    /**
     * Makes arbitrary input text safe for a one-line message: control characters become
     * {@code \n}, {@code \t}, {@code \xNN} (C0, DEL, C1) or <code>&#92;uNNNN</code> (line and paragraph
     * separators, bidirectional overrides), and text past {@value #MAX_QUOTED} characters is cut
     * and marked with "...". Every message that shows a piece of an input file uses this rule.
     */
    public static String quote(String text) {
        return escape(text, MAX_QUOTED);
    }

    /**
     * Makes a path, member name, link target or a model's own message safe for a one-line message
     * without cutting the part that identifies it (up to {@value #MAX_PATH} characters).
     */
    public static String path(String text) {
        return escape(text, MAX_PATH);
    }

    /**
     * A parser's message with every fragment of input it quotes ({@code 'x'} or {@code "x"}) cut and
     * escaped by the rule of {@link #quote}: parsers quote whole tokens, however long.
     */
    public static String capQuoted(String message) {
        Matcher m = QUOTED.matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String q = m.group(1) != null ? "'" + quote(m.group(1)) + "'" : "\"" + quote(m.group(2)) + "\"";
            m.appendReplacement(sb, Matcher.quoteReplacement(q));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Escapes control characters and keeps at most {@code max} characters of {@code text}. */
    private static String escape(String text, int max) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        int i = 0;
        while (i < text.length() && shown < max) {
            int c = text.codePointAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (Character.isISOControl(c)) {
                sb.append(String.format("\\x%02x", c));
            } else if (isInvisibleControl(c)) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
            shown++;
            i += Character.charCount(c);
        }
        if (i < text.length()) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** Line and paragraph separators and the bidirectional embedding, override and isolate controls. */
    private static boolean isInvisibleControl(int c) {
        return c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f;
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
