package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import dev.p2pdma.doc.Texts;

/**
 * The running machine's {@code /sys} and {@code /proc}: the operating system follows the links,
 * which is safe because the kernel made them.
 *
 * <p>Attribute files are read to their end (sysfs reports every attribute as 4096 bytes long).
 * Stateless apart from the root; safe to share between threads.
 */
final class LiveSysfsTree implements CaptureTree {

    /** The file-system root. */
    private final Path root;

    /** @param root the file-system root, normally {@code /} */
    LiveSysfsTree(Path root) {
        this.root = root;
    }

    @Override
    public Optional<String> resolve(String path) throws ImportException {
        try {
            Path real = path(path).toRealPath();
            return Optional.of(root.relativize(real).toString());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw unreadable(path, e);
        }
    }

    @Override
    public Optional<byte[]> read(String path) throws ImportException {
        Path p = path(path);
        if (Files.isDirectory(p)) {
            throw new ImportException(describe(path) + ": expected a regular file, found a directory");
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ImportException(describe(path) + ": larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw unreadable(path, e);
        }
    }

    @Override
    public Optional<String> readLink(String path) throws ImportException {
        try {
            return Optional.of(Files.readSymbolicLink(path(path)).toString());
        } catch (NoSuchFileException | NotLinkException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw unreadable(path, e);
        }
    }

    @Override
    public Optional<List<String>> list(String dir) throws ImportException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path(dir))) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw unreadable(dir, e);
        }
        Collections.sort(names);
        return Optional.of(names);
    }

    @Override
    public boolean isDirectory(String path) {
        return Files.isDirectory(path(path));
    }

    @Override
    public String describe(String path) {
        return Texts.path(path(path).toString());
    }

    @Override
    public String source() {
        return "live sysfs " + root;
    }

    private Path path(String path) {
        return path.isEmpty() ? root : root.resolve(path);
    }

    private ImportException unreadable(String path, IOException e) {
        return new ImportException(describe(path) + ": cannot read: " + Texts.ioReason(e), e);
    }
}
