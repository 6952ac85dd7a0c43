package dev.p2pdma.doc;

import dev.p2pdma.base.UnsafeCharacters;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one rule for putting input text into a one-line message ({@link #quote}), and the other
 * helpers every bad-input message uses: where ({@link #at}), a foreign message on one line
 * ({@link #oneLine}), paths ({@link #path}). Stateless; thread-safe.
 */
public final class Texts {

    /** The most characters of input quoted in a message (more is cut and marked with "..."). */
    public static final int MAX_QUOTED_CHARS = 40;
    /** The most characters of a path shown in a message. */
    private static final int MAX_PATH_CHARS = 1000;
    /** The most characters kept of a parser's or the model's own message. */
    private static final int MAX_MESSAGE_CHARS = 300;
    /** A fragment quoted in a parser's message: {@code 'x'} or {@code "x"}. */
    private static final Pattern QUOTED = Pattern.compile("'([^']*)'|\"([^\"]*)\"");

    private Texts() {
    }

    /**
     * Input text quoted for a message: {@code 'text'}, cut after {@value #MAX_QUOTED_CHARS}
     * characters (marked with "...") and with control characters escaped as by {@link #escaped}.
     * Every message that shows a piece of an input file quotes it this way.
     */
    public static String quote(String text) {
        return "'" + escaped(text) + "'";
    }

    /**
     * The same rule as {@link #quote} without the quote marks, for text that sits inside other
     * marks ({@code <name>}, {@code *alias}): control characters become {@code \n}, {@code \t},
     * {@code \xNN} (C0, DEL, C1) or <code>&#92;uNNNN</code> (line and paragraph separators,
     * bidirectional controls), and text past {@value #MAX_QUOTED_CHARS} characters is cut and
     * marked with "...".
     */
    public static String escaped(String text) {
        return escape(text, MAX_QUOTED_CHARS);
    }

    /**
     * A path, member name, link target or a model's own message made safe for a one-line message
     * without cutting the part that identifies it (up to {@value #MAX_PATH_CHARS} characters).
     */
    public static String path(String text) {
        return escape(text, MAX_PATH_CHARS);
    }

    /**
     * A parser's message with every fragment of input it quotes ({@code 'x'} or {@code "x"}) cut and
     * escaped by the rule of {@link #quote}: parsers quote whole tokens, however long.
     */
    public static String capQuoted(String message) {
        Matcher m = QUOTED.matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String q = m.group(1) != null ? quote(m.group(1)) : "\"" + escaped(m.group(2)) + "\"";
            m.appendReplacement(sb, Matcher.quoteReplacement(q));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** {@code " (machine.yaml line 23)"}, or {@code " (machine.yaml)"} when the line is not known. */
    public static String at(String file, int line) {
        return line > 0 ? " (" + file + " line " + line + ")" : " (" + file + ")";
    }

    /** Collapses a parser's multi-line message to its first meaningful lines, joined by "; ". */
    public static String oneLine(String message) {
        if (message == null || message.isBlank()) {
            return "unreadable";
        }
        StringBuilder sb = new StringBuilder();
        for (String line : message.split("\\R")) {
            String s = line.strip();
            if (s.isEmpty() || line.startsWith(" ") || line.startsWith("\t") || s.startsWith("in reader")) {
                continue;
            }
            int source = s.indexOf("[Source:");
            if (source >= 0) {
                // Jackson's "(for Object starting at [Source: REDACTED ...])": no use to a reader
                int open = s.lastIndexOf(" (", source);
                s = open >= 0 ? s.substring(0, open) : s.substring(0, source).strip();
            }
            if (!sb.isEmpty()) {
                sb.append("; ");
            }
            sb.append(s);
        }
        String out = sb.isEmpty() ? message.strip().replaceAll("\\s+", " ") : sb.toString();
        out = out.replaceAll("\\p{Cntrl}", " ");
        return out.length() > MAX_MESSAGE_CHARS ? out.substring(0, MAX_MESSAGE_CHARS) + "..." : out;
    }

    /** Why an I/O call failed, in a few words fit for one line. */
    public static String ioReason(IOException e) {
        String why = e instanceof AccessDeniedException ? "permission denied"
                : e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : String.valueOf(e.getMessage());
        return path(why);
    }

    /** Escapes control characters and keeps at most {@code max} characters of {@code text}. */
    private static String escape(String text, int max) {
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        int i = 0;
        while (i < text.length() && shown < max) {
            int c = text.codePointAt(i);
            if (UnsafeCharacters.isUnsafe(c)) {
                sb.append(UnsafeCharacters.escape(c));
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
}
