package dev.p2pdma.cli;

import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.OutputFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Where {@code -o} sends a command's document: a file, or standard output for {@code -}. Problems
 * with the path are {@link UsageError}s naming the option and path (exit status 2); a file is
 * written as {@link OutputFile} writes it (a new name or a regular file only, replaced in one
 * step), and a failure while writing is an {@link OutputWriteError} (exit status 1). Value; thread-safe.
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

    /**
     * Checks, before any work is done, that the file can be created: its folder exists and is a
     * folder, and the path is not a folder itself. Every refusal says why.
     */
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
            throw new UsageError(option + " " + value + ": " + whyNotAFolder(dir));
        }
        if (Files.exists(p) && !Files.isWritable(p)) {
            throw new UsageError(option + " " + value + ": not writable (permission denied)");
        }
        try {
            OutputFile.check(p);
        } catch (ImportException e) {
            throw new UsageError(e.getMessage());
        }
        return p;
    }

    /** Why {@code dir}, which is not a folder, cannot hold the file: it or an ancestor is a file, or it is missing. */
    private static String whyNotAFolder(Path dir) {
        for (Path a = dir; a != null; a = a.getParent()) {
            if (Files.exists(a)) {
                return Files.isDirectory(a) ? "directory " + dir + " does not exist" : a + " is not a directory";
            }
        }
        return "directory " + dir + " does not exist";
    }

    /** Writes the document to the file, or to {@code stdout} for "-". */
    void write(String document, PrintWriter stdout) {
        if (isStdout()) {
            stdout.print(document);
            stdout.flush();
            return;
        }
        Path p = checkedPath();
        byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
        try {
            OutputFile.write(p, os -> {
                os.write(bytes);
                return bytes.length;
            });
        } catch (ImportException e) {
            throw new UsageError(e.getMessage());
        } catch (IOException e) {
            throw new OutputWriteError(e.getMessage());
        }
    }
}
