package dev.p2pdma.cli;

import dev.p2pdma.base.UnsafeCharacters;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Text bound for a terminal: control characters and text-direction overrides that come from input
 * (a capture's command line, CPU name, driver or device name; a typed argument) are shown escaped
 * ({@code \x1b}, {@code \n}; U+202E as backslash-u202e) so they can neither drive the terminal (titles, screen
 * clears, colours) nor start a line of their own. JSON and the other documents escape in their own
 * way and do not go through here. Stateless; thread-safe.
 */
final class TerminalText {

    private TerminalText() {
    }

    /** The text with every unsafe character escaped, newlines included: what is printed stays on one line. */
    static String printable(String text) {
        int k = 0;
        while (k < text.length() && !UnsafeCharacters.isUnsafe(text.charAt(k))) {
            k++;
        }
        if (k == text.length()) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16).append(text, 0, k);
        for (; k < text.length(); k++) {
            char c = text.charAt(k);
            if (UnsafeCharacters.isUnsafe(c)) {
                b.append(UnsafeCharacters.escape(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * A writer for text output over {@code out}: every string printed with {@code print}/{@code println}
     * is passed through {@link #printable}, and as a safety net any unsafe character that still
     * reaches the stream (formatted text, single characters) is escaped too, except the line ends
     * {@code println()} writes. Closing it only flushes: {@code out} stays open.
     */
    static PrintWriter writer(PrintWriter out) {
        return out instanceof Escaping e ? e : new Escaping(out);
    }

    /** The escaping PrintWriter of {@link #writer}. Not thread-safe beyond PrintWriter's own locking. */
    private static final class Escaping extends PrintWriter {

        Escaping(PrintWriter out) {
            super(new SafetyNet(out));
        }

        @Override
        public void print(String s) {
            super.print(printable(String.valueOf(s)));
        }

        @Override
        public void print(Object o) {
            print(String.valueOf(o));
        }

        @Override
        public void close() {
            flush();
        }
    }

    /** Escapes every unsafe character except '\n' on its way to the wrapped writer. Not thread-safe. */
    private static final class SafetyNet extends Writer {

        /** Where the escaped text goes. */
        private final PrintWriter target;

        SafetyNet(PrintWriter target) {
            this.target = target;
        }

        @Override
        public void write(char[] buf, int off, int len) {
            int from = off;
            for (int k = off; k < off + len; k++) {
                char c = buf[k];
                if (c != '\n' && UnsafeCharacters.isUnsafe(c)) {
                    target.write(buf, from, k - from);
                    target.write(UnsafeCharacters.escape(c));
                    from = k + 1;
                }
            }
            target.write(buf, from, off + len - from);
        }

        @Override
        public void flush() {
            target.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
