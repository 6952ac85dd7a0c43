package dev.p2pdma.pci.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import dev.p2pdma.doc.Texts;

/**
 * The one check every input file goes through before it is opened: it must exist and be a regular
 * file (symbolic links followed). A FIFO, device or socket is named for what it is and never
 * opened, so a FIFO without a writer cannot block and {@code /dev/urandom} is not read. Stateless;
 * thread-safe.
 */
public final class InputFiles {

    private InputFiles() {
    }

    /**
     * Checks, without opening it, that {@code path} is a regular file.
     *
     * @param noun what the file should be, for messages ("scenario file", "pci.ids file", "file")
     * @throws ImportException one line naming the path: missing, a dangling link, a directory, or
     *                         a special file named by its kind ("is a FIFO, not a regular file")
     */
    public static void requireRegularFile(Path path, String noun) throws ImportException {
        String name = Texts.path(path.toString());
        if (!Files.exists(path)) {
            throw new ImportException(name + (Files.isSymbolicLink(path) ? ": dangling symbolic link" : ": no such " + noun));
        }
        if (Files.isDirectory(path)) {
            throw new ImportException(name + ": is a directory, not a " + noun);
        }
        refuseSpecialFile(path, "a regular file");
    }

    /**
     * The bytes of a small input file (a scenario, say): a regular file of at most
     * {@code maxBytes}.
     *
     * @param noun what the file is, for the messages ("scenario file")
     * @throws ImportException one line naming the path: not a regular file, larger than the bound, or unreadable
     */
    public static byte[] readSmallFile(Path path, String noun, long maxBytes) throws ImportException {
        requireRegularFile(path, noun);
        try {
            if (Files.size(path) > maxBytes) {
                throw new ImportException(path + ": " + noun + " larger than " + (maxBytes >> 20) + " MiB");
            }
            return Files.readAllBytes(path);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new ImportException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a path that exists but is neither a regular file nor a directory.
     *
     * @param expected what was wanted instead, for the message ("a regular file", "a sysfs capture directory or tarball")
     * @throws ImportException "PATH: is a FIFO, not EXPECTED" (or a character device, block device, socket)
     */
    public static void refuseSpecialFile(Path path, String expected) throws ImportException {
        Optional<String> kind = specialKind(path);
        if (kind.isPresent()) {
            throw new ImportException(Texts.path(path.toString()) + ": is " + kind.get() + ", not " + expected);
        }
    }

    /**
     * What a path that exists but is neither a regular file nor a directory is ("a FIFO", "a
     * character device", ...); empty for regular files, directories and missing paths.
     */
    static Optional<String> specialKind(Path path) {
        FileKind kind;
        try {
            kind = FileKind.following(path);
        } catch (IOException e) {
            return Optional.empty();
        }
        return kind.isSpecial() ? Optional.of(kind.description()) : Optional.empty();
    }
}
