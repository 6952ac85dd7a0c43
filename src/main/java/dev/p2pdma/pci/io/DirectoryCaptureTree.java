package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.p2pdma.doc.Texts;

/**
 * A capture copied into a directory ({@code <root>/sys/...}, {@code <root>/proc/...}).
 *
 * <p>Every entry is looked at with {@code lstat} and opened with {@code O_NOFOLLOW}: the operating
 * system never follows a link of the capture, so a link into the real {@code /sys} or out of the
 * capture is caught by {@link ContainedCaptureTree}. Special files (FIFOs, devices) are never
 * opened, so a hostile capture cannot make the import hang. Not thread-safe (caches lookups).
 */
final class DirectoryCaptureTree extends ContainedCaptureTree {

    /** The capture root as a real path. */
    private final Path root;
    /** The path the user gave, for the source text. */
    private final Path given;
    /** lstat results by canonical path. */
    private final Map<String, Optional<Node>> nodes = new HashMap<>();

    /**
     * @param root  the capture root (holds {@code sys/}), already a real path
     * @param given what the user named, for messages
     */
    DirectoryCaptureTree(Path root, Path given) {
        this.root = root;
        this.given = given;
    }

    @Override
    protected Optional<Node> lstat(String canonical) throws ImportException {
        Optional<Node> cached = nodes.get(canonical);
        if (cached != null) {
            return cached;
        }
        Optional<Node> node = lstatUncached(canonical);
        nodes.put(canonical, node);
        return node;
    }

    private Optional<Node> lstatUncached(String canonical) throws ImportException {
        Path p = path(canonical);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                return Optional.of(Node.link(Files.readSymbolicLink(p).toString()));
            }
            if (a.isDirectory()) {
                return Optional.of(Node.DIRECTORY);
            }
            return Optional.of(a.isRegularFile() ? Node.REGULAR : Node.OTHER);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return Optional.empty();
            }
            throw unreadable(canonical, e);
        } catch (IOException e) {
            throw unreadable(canonical, e);
        }
    }

    @Override
    protected byte[] readRegular(String canonical) throws ImportException {
        try (InputStream in = Files.newInputStream(path(canonical), LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ImportException(describe(canonical) + ": larger than " + (MAX_FILE_BYTES >> 20)
                        + " MiB; not a sysfs attribute");
            }
            return bytes;
        } catch (IOException e) {
            throw unreadable(canonical, e);
        }
    }

    @Override
    protected List<String> listDirectory(String canonical) throws ImportException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path(canonical))) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw unreadable(canonical, e);
        }
        Collections.sort(names);
        return names;
    }

    @Override
    public String describe(String path) {
        return Texts.path(path.isEmpty() ? root.toString() : root.resolve(path).toString());
    }

    @Override
    public String source() {
        return "sysfs capture " + Texts.path(given.toString());
    }

    private Path path(String canonical) {
        return canonical.isEmpty() ? root : root.resolve(canonical);
    }

    private ImportException unreadable(String canonical, IOException e) {
        return new ImportException(describe(canonical) + ": cannot read: " + Texts.ioReason(e), e);
    }
}
