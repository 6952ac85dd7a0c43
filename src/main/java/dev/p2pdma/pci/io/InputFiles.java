package dev.p2pdma.pci.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one check every input file goes through before it is opened: it must exist and be a regular
 * file (symbolic links followed). A FIFO, device or socket is named for what it is and never
 * opened, so a FIFO without a writer cannot block and {@code /dev/urandom} is not read. Stateless;
 * thread-safe.
 */
public final class InputFiles {

    /** The file-type bits of {@code st_mode}. */
    private static final int S_IFMT = 0170000;
    /** {@code st_mode} type of a FIFO. */
    private static final int S_IFIFO = 0010000;
    /** {@code st_mode} type of a character device. */
    private static final int S_IFCHR = 0020000;
    /** {@code st_mode} type of a block device. */
    private static final int S_IFBLK = 0060000;
    /** {@code st_mode} type of a socket. */
    private static final int S_IFSOCK = 0140000;

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
        if (!Files.exists(path) || Files.isRegularFile(path) || Files.isDirectory(path)) {
            return Optional.empty();
        }
        int type;
        try {
            type = ((Integer) Files.getAttribute(path, "unix:mode")) & S_IFMT;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return Optional.of("a special file");
        }
        return Optional.of(switch (type) {
            case S_IFIFO -> "a FIFO";
            case S_IFCHR -> "a character device";
            case S_IFBLK -> "a block device";
            case S_IFSOCK -> "a socket";
            default -> "a special file";
        });
    }
}
