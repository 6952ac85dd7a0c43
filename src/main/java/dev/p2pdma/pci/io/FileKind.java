package dev.p2pdma.pci.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** What a path names, as {@code stat()} tells it, for messages that name what was found. Value; thread-safe. */
public enum FileKind {
    /** Nothing is there. */
    ABSENT("nothing"),
    /** A regular file. */
    REGULAR_FILE("a regular file"),
    /** A folder. */
    DIRECTORY("a directory"),
    /** A symbolic link (whatever it points to), when links are not followed. */
    SYMBOLIC_LINK("a symbolic link"),
    /** A named pipe. */
    FIFO("a FIFO"),
    /** A character device node. */
    CHARACTER_DEVICE("a character device"),
    /** A block device node. */
    BLOCK_DEVICE("a block device"),
    /** A Unix-domain socket. */
    SOCKET("a socket"),
    /** Some other special file. */
    OTHER("a special file");

    /** File-type bits of a Unix mode. */
    private static final int S_IFMT = 0170000;

    /** How a message names the kind. */
    private final String description;

    FileKind(String description) {
        this.description = description;
    }

    /** How a message names the kind ("a FIFO (named pipe)"). */
    public String description() {
        return description;
    }

    /** True for a FIFO, device node, socket or other special file. */
    public boolean isSpecial() {
        return this != ABSENT && this != REGULAR_FILE && this != DIRECTORY && this != SYMBOLIC_LINK;
    }

    /** The kind of {@code p} itself: a link is a link. */
    public static FileKind of(Path p) throws IOException {
        return of(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** The kind of what {@code p} leads to, symbolic links followed (a dangling link is ABSENT). */
    public static FileKind following(Path p) throws IOException {
        return of(p, new LinkOption[0]);
    }

    private static FileKind of(Path p, LinkOption... options) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, options);
        } catch (NoSuchFileException e) {
            return ABSENT;
        }
        if (a.isSymbolicLink()) {
            return SYMBOLIC_LINK;
        }
        if (a.isDirectory()) {
            return DIRECTORY;
        }
        if (a.isRegularFile()) {
            return REGULAR_FILE;
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode", options);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return OTHER;
        }
        return switch (mode & S_IFMT) {
            case 0010000 -> FIFO;
            case 0020000 -> CHARACTER_DEVICE;
            case 0060000 -> BLOCK_DEVICE;
            case 0140000 -> SOCKET;
            default -> OTHER;
        };
    }
}
