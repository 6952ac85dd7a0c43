package dev.p2pdma.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Where {@code -o} sends a command's document: a file, or standard output for {@code -}. Problems
 * with the path are {@link UsageError}s naming the option and path (exit status 2). Value; thread-safe.
 *
 * @param option the option as the user typed it, for messages ("-o")
 * @param value  the path, or "-" for standard output
 */
record OutputTarget(String option, String value) {

    OutputTarget {
        if (value.isEmpty()) {
            throw new UsageError(option + " needs a file name (or - for standard output)");
        }
    }

    /** True when the document goes to standard output. */
    boolean isStdout() {
        return value.equals("-");
    }

    /** Checks, before any work is done, that the file can be created: its folder exists and it is not a folder itself. */
    Path checkedPath() {
        Path p;
        try {
            p = Path.of(value);
        } catch (InvalidPathException e) {
            throw new UsageError(option + " " + value + ": not a valid path");
        }
        if (Files.isDirectory(p)) {
            throw new UsageError(option + " " + value + ": is a directory, not a file");
        }
        Path dir = p.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new UsageError(option + " " + value + ": directory " + dir + " does not exist");
        }
        if (Files.exists(p) && !Files.isWritable(p)) {
            throw new UsageError(option + " " + value + ": not writable");
        }
        return p;
    }

    /** Writes the document to the file, or to {@code stdout} for "-". */
    void write(String document, PrintWriter stdout) {
        if (isStdout()) {
            stdout.print(document);
            stdout.flush();
            return;
        }
        Path p = checkedPath();
        try {
            Files.writeString(p, document, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageError(option + " " + value + ": cannot write: " + e.getMessage());
        }
    }
}
