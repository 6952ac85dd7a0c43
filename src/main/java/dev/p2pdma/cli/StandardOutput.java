package dev.p2pdma.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Optional;

/**
 * The commands' standard output: a {@link PrintWriter} that remembers the first {@link IOException}
 * the stream threw (a PrintWriter swallows it), so that a full disk or a closed pipe becomes exit
 * status 1 with its reason instead of a silent 0. Closing the writer (a JSON generator closes its
 * target) only flushes. One per run; not thread-safe.
 */
final class StandardOutput {

    /** The stream as given. */
    private final Writer target;
    /** The recorder between the PrintWriter and the stream. */
    private final Recording recording;
    /** The writer the commands print to. */
    private final PrintWriter writer;

    StandardOutput(Writer target) {
        this.target = target;
        this.recording = new Recording(target);
        this.writer = new PrintWriter(recording) {
            @Override
            public void close() {
                flush();
            }
        };
    }

    /** The writer the commands print to. */
    PrintWriter writer() {
        return writer;
    }

    /** After flushing: why writing failed ("No space left on device", "Broken pipe"), or empty when every write succeeded. */
    Optional<String> failure() {
        boolean failed = writer.checkError() | (target instanceof PrintWriter p && p.checkError());
        if (!failed) {
            return Optional.empty();
        }
        return Optional.of(recording.first.map(e -> e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage()
                : e.getClass().getSimpleName()).orElse("write error"));
    }

    /** Passes everything on and keeps the first exception. Not thread-safe. */
    private static final class Recording extends Writer {

        /** The stream written to. */
        private final Writer out;
        /** The first exception the stream threw. */
        private Optional<IOException> first = Optional.empty();

        Recording(Writer out) {
            this.out = out;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            try {
                out.write(buf, off, len);
            } catch (IOException e) {
                throw remember(e);
            }
        }

        @Override
        public void write(String s, int off, int len) throws IOException {
            try {
                out.write(s, off, len);
            } catch (IOException e) {
                throw remember(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw remember(e);
            }
        }

        @Override
        public void close() throws IOException {
            flush();
        }

        private IOException remember(IOException e) {
            if (first.isEmpty()) {
                first = Optional.of(e);
            }
            return e;
        }
    }
}
