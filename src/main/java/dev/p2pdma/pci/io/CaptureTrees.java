package dev.p2pdma.pci.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import dev.p2pdma.doc.Texts;

/**
 * Opens what a user names as a sysfs source: the live root, a captured directory (holding
 * {@code sys/}, or a single top folder that does, or the {@code sys} directory itself), or a
 * capture tarball. Stateless.
 */
final class CaptureTrees {

    private CaptureTrees() {
    }

    /**
     * Opens a source.
     *
     * @param given       what the user named
     * @param keepContent for tarballs: which file names to keep the bytes of
     * @param maxTarBytes for tarballs: cap on uncompressed bytes
     * @throws ImportException when the path is missing or is not a sysfs source
     */
    static CaptureTree open(Path given, Predicate<String> keepContent, long maxTarBytes) throws ImportException {
        if (!Files.exists(given)) {
            throw new ImportException(Texts.path(given.toString()) + (Files.isSymbolicLink(given) ? ": dangling symbolic link" : ": no such file or directory"));
        }
        if (Files.isRegularFile(given)) {
            return TarCaptureTree.load(given, keepContent, maxTarBytes);
        }
        if (!Files.isDirectory(given)) {
            throw new ImportException(Texts.path(given.toString()) + ": not a sysfs capture: neither a directory nor a tarball");
        }
        Path root = captureRoot(given);
        if (root.getParent() == null) {
            return new LiveSysfsTree(root);
        }
        return new DirectoryCaptureTree(root, given);
    }

    /**
     * True when {@code path} looks like something {@link #open} accepts: a directory in one of the
     * capture layouts (or the live root), or a file that starts like a tarball. Never throws; the
     * contents are not checked.
     */
    static boolean looksLikeSource(Path path) {
        if (Files.isRegularFile(path)) {
            return TarCaptureTree.looksLikeTarball(path);
        }
        if (!Files.isDirectory(path)) {
            return false;
        }
        try {
            captureRoot(path);
            return true;
        } catch (ImportException e) {
            return false;
        }
    }

    /** The directory that holds {@code sys/}, as a real path. */
    private static Path captureRoot(Path given) throws ImportException {
        Path real;
        try {
            real = given.toRealPath();
        } catch (IOException e) {
            throw new ImportException(Texts.path(given.toString()) + ": cannot read: " + Texts.path(String.valueOf(e.getMessage())), e);
        }
        if (real.getFileName() != null && real.getFileName().toString().equals("sys")) {
            return real.getParent();
        }
        if (Files.isDirectory(real.resolve("sys"), LinkOption.NOFOLLOW_LINKS)) {
            return real;
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(real)) {
            for (Path p : ds) {
                entries.add(p);
                if (entries.size() > 1) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new ImportException(Texts.path(given.toString()) + ": cannot read: " + Texts.path(String.valueOf(e.getMessage())), e);
        }
        if (entries.size() == 1 && Files.isDirectory(entries.get(0), LinkOption.NOFOLLOW_LINKS)
                && Files.isDirectory(entries.get(0).resolve("sys"), LinkOption.NOFOLLOW_LINKS)) {
            return entries.get(0);
        }
        throw new ImportException(Texts.path(given.toString()) + ": not a sysfs capture: no sys/ directory in it or in its single top folder");
    }
}
