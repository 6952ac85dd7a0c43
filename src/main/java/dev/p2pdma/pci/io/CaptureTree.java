package dev.p2pdma.pci.io;

import java.util.List;
import java.util.Optional;

/**
 * A read-only file tree holding a sysfs and procfs snapshot: the live machine, a captured copy in a
 * directory, or the members of a capture tarball held in memory.
 *
 * <p>Paths are relative to the capture root, separated by {@code /}, without a leading {@code /}
 * ({@code sys/bus/pci/devices}). Symbolic links are followed as the tree allows: a live tree lets
 * the operating system follow them; a captured tree resolves them itself and never leaves the
 * capture (an absolute target, a target above the capture root or a loop is an
 * {@link ImportException} naming the link). Instances are not thread-safe (they cache lookups).
 */
sealed interface CaptureTree permits ContainedCaptureTree, LiveSysfsTree {

    /** The most bytes read from one file; larger files are an {@link ImportException}. */
    int MAX_FILE_BYTES = 16 << 20;

    /**
     * Follows every symbolic link on the way and returns the canonical path of what {@code path}
     * names.
     *
     * @return empty when nothing is there
     */
    Optional<String> resolve(String path) throws ImportException;

    /**
     * The contents of a regular file, links followed.
     *
     * @return empty when the file does not exist
     * @throws ImportException when it is not a regular file, is too large or cannot be read
     */
    Optional<byte[]> read(String path) throws ImportException;

    /**
     * The target text of a symbolic link, exactly as stored (the link itself is not followed;
     * links in the directories above it are).
     *
     * @return empty when nothing is there or it is not a symbolic link
     */
    Optional<String> readLink(String path) throws ImportException;

    /**
     * The names in a directory, sorted.
     *
     * @return empty when there is no directory at {@code path}
     */
    Optional<List<String>> list(String dir) throws ImportException;

    /** True when {@code path} names a directory, links followed. */
    boolean isDirectory(String path) throws ImportException;

    /** Where {@code path} is, for messages: a file-system path or a tarball member. */
    String describe(String path);

    /** Where the whole tree comes from, for people: {@code live sysfs /} or {@code sysfs capture x.tar.gz}. */
    String source();
}
