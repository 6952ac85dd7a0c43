package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import dev.p2pdma.doc.Texts;

/**
 * A file a command writes its document to ({@code capture -o PATH}, {@code report -o PATH},
 * {@code topo --format svg -o PATH}): only a new name or an existing regular file is accepted,
 * checked without following links before any work is done; the document goes to a temporary file of unique name in the target's folder and is renamed over the target
 * in one atomic step after the target is checked again. A symbolic link, device node, FIFO,
 * socket or folder is never followed, written or replaced. Problems with the path the user gave
 * are {@link ImportException}s (exit status 2); failures while writing are {@link IOException}s
 * whose message is one line naming the path and the reason (exit status 1). Stateless; thread-safe.
 */
public final class OutputFile {

    /** The option the path was given with, for messages. */
    private static final String OPTION = "-o";

    /** Writes the document to an open stream; the stream is closed by the caller. */
    @FunctionalInterface
    public interface Body<T> {
        /** Writes everything to {@code out} and returns what was written. */
        T writeTo(OutputStream out) throws ImportException, IOException;
    }


    /**
     * Fails unless {@code target} is a new name in an existing folder or a regular file (not a
     * link to one). Call before any work is done.
     *
     * @throws ImportException naming the option, the path and what is there
     */
    public static void check(Path target) throws ImportException {
        requireUsable(target, kindOf(target));
        Path dir = folderOf(target);
        if (!Files.isDirectory(dir)) {
            throw new ImportException(OPTION + " " + Texts.path(target.toString()) + ": cannot write: folder "
                    + Texts.path(dir.toString()) + " does not exist");
        }
    }

    /**
     * Writes {@code body} to a temporary file beside {@code target} and renames it over the target.
     * The temporary file is created first, so an unusable folder is reported before the body runs,
     * and it is removed on every failure.
     *
     * @throws ImportException when the path is unusable (see {@link #check}), the folder refuses a
     *                         new file, or the body's input is bad
     * @throws IOException     one line naming the path and the reason, when writing or renaming failed
     */
    public static <T> T write(Path target, Body<T> body) throws ImportException, IOException {
        check(target);
        Path dir = folderOf(target);
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new ImportException(OPTION + " " + Texts.path(target.toString()) + ": cannot create a file in "
                    + Texts.path(dir.toString()) + ": " + Texts.ioReason(e), e);
        }
        try {
            T result;
            try (OutputStream os = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                    LinkOption.NOFOLLOW_LINKS)) {
                result = body.writeTo(os);
            } catch (IOException e) {
                throw failure(target, e);
            }
            requireUsable(target, kindOf(target));
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(OPTION + " " + Texts.path(target.toString()) + ": cannot replace it in one step: "
                        + Texts.ioReason(e), e);
            } catch (IOException e) {
                throw failure(target, e);
            }
            return result;
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // only when the folder itself went away or became unwritable meanwhile
            }
        }
    }

    private static IOException failure(Path target, IOException e) {
        return new IOException(OPTION + " " + Texts.path(target.toString()) + ": cannot write: " + Texts.ioReason(e), e);
    }

    private static FileKind kindOf(Path target) throws ImportException {
        try {
            return FileKind.of(target);
        } catch (IOException e) {
            throw new ImportException(OPTION + " " + Texts.path(target.toString()) + ": cannot check it: " + Texts.ioReason(e), e);
        }
    }

    private static void requireUsable(Path target, FileKind kind) throws ImportException {
        if (kind != FileKind.ABSENT && kind != FileKind.REGULAR_FILE) {
            throw new ImportException(OPTION + " " + Texts.path(target.toString()) + ": is " + kind.description()
                    + "; output is written only to a regular file or a new name");
        }
    }

    private static Path folderOf(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        return parent == null ? target.toAbsolutePath() : parent;
    }
}
