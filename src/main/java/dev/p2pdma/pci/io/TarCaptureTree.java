package dev.p2pdma.pci.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import dev.p2pdma.doc.Texts;

/**
 * A capture tarball read into memory: gzip, bzip2 or uncompressed tar, recognised by its magic
 * bytes (the file name does not matter).
 *
 * <p>Loading rejects, with an {@link ImportException} naming the tarball and the member: member
 * names that are absolute or contain {@code ..}; symbolic links whose target is absolute or climbs
 * above the archive root; a non-directory member that appears twice; truncated or corrupt
 * compressed or tar data; more than {@link #DEFAULT_MAX_BYTES} bytes of uncompressed data or
 * {@link #MAX_MEMBERS} members (decompression bombs). Only the contents of files the caller asks
 * for are kept. The capture root is the archive root when it holds {@code sys/}, or else its single
 * top folder when that holds {@code sys/} (hwloc's dumps). Immutable after loading apart from the
 * lookup caches; not thread-safe.
 */
final class TarCaptureTree extends ContainedCaptureTree {

    /** Default cap on uncompressed bytes read from a tarball: 512 MiB. */
    static final long DEFAULT_MAX_BYTES = 512L << 20;
    /** Cap on the number of members. */
    static final int MAX_MEMBERS = 500_000;

    /** An archive member: its kind and, for kept regular files, its bytes. */
    private record Member(Node node, byte[] content) {
    }

    /** The tarball, for messages. */
    private final Path file;
    /** Members by normalised archive path (no leading or trailing slash); "" is the archive root. */
    private final Map<String, Member> members;
    /** Names inside each directory. */
    private final Map<String, List<String>> children;
    /** Archive path of the capture root followed by "/", or "" when it is the archive root. */
    private final String prefix;

    private TarCaptureTree(Path file, Map<String, Member> members, Map<String, List<String>> children, String prefix) {
        this.file = file;
        this.members = members;
        this.children = children;
        this.prefix = prefix;
    }

    /** True when the first bytes of a file look like a gzip, bzip2, xz or tar stream. */
    static boolean looksLikeTarball(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return compression(in.readNBytes(512)) != Compression.NONE;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads a tarball.
     *
     * @param file        the tarball
     * @param keepContent which file names (last path component) to keep the bytes of
     * @param maxBytes    cap on uncompressed bytes
     */
    static TarCaptureTree load(Path file, Predicate<String> keepContent, long maxBytes) throws ImportException {
        Map<String, Member> members = new HashMap<>();
        Map<String, List<String>> children = new HashMap<>();
        members.put("", new Member(Node.DIRECTORY, null));
        children.put("", new ArrayList<>());
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(512);
            byte[] head = raw.readNBytes(512);
            raw.reset();
            InputStream data = switch (compression(head)) {
                case GZIP -> GzipCompressorInputStream.builder().setInputStream(raw).setDecompressConcatenated(true).get();
                case BZIP2 -> new BZip2CompressorInputStream(raw, true);
                case TAR -> raw;
                case XZ -> throw new ImportException(Texts.path(file.toString()) + ": xz-compressed tarballs are not supported; use .tar.gz or .tar.bz2");
                case NONE -> throw new ImportException(Texts.path(file.toString()) + ": not a sysfs capture: neither a directory nor a tarball"
                        + " (.tar.gz, .tgz, .tar.bz2 or .tar; recognised by content)");
            };
            // the tar reader asks for 512-byte blocks: buffer so the decompressor works in large chunks
            TarStream tar = new TarStream(new BufferedInputStream(new LimitedInputStream(data, maxBytes), 1 << 16));
            int count = 0;
            for (Optional<TarStream.Header> h = tar.next(); h.isPresent(); h = tar.next()) {
                if (++count > MAX_MEMBERS) {
                    throw new ImportException(Texts.path(file.toString()) + ": more than " + MAX_MEMBERS + " members; refusing (not a sysfs capture?)");
                }
                addMember(file, h.get(), tar, keepContent, members, children);
            }
            if (count == 0) {
                throw new ImportException(Texts.path(file.toString()) + ": not a sysfs capture: the tarball is empty or not a tar archive");
            }
        } catch (ImportException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new ImportException(Texts.path(file.toString()) + ": no such file or directory", e);
        } catch (LimitExceededException e) {
            throw new ImportException(Texts.path(file.toString()) + ": more than " + (maxBytes >> 20) + " MiB of uncompressed data;"
                    + " refusing (decompression bomb?)", e);
        } catch (EOFException e) {
            throw new ImportException(Texts.path(file.toString()) + ": truncated: the compressed or tar data ends early", e);
        } catch (IOException | RuntimeException e) {
            throw new ImportException(Texts.path(file.toString()) + ": corrupt tarball: " + Texts.path(String.valueOf(e.getMessage())), e);
        }
        return new TarCaptureTree(file, members, children, capturePrefix(file, members, children));
    }

    private static void addMember(Path file, TarStream.Header entry, TarStream tar, Predicate<String> keepContent,
                                  Map<String, Member> members, Map<String, List<String>> children)
            throws IOException, ImportException {
        String name = normalise(file, entry.name());
        if (name.isEmpty()) {
            return;
        }
        Member member = switch (entry.type()) {
            case DIRECTORY -> new Member(Node.DIRECTORY, null);
            case SYMLINK -> {
                checkInArchive(file, name, entry.linkName());
                yield new Member(Node.link(entry.linkName()), null);
            }
            case HARD_LINK -> {
                Member t = members.get(normalise(file, entry.linkName()));
                if (t == null || t.node().kind() != Kind.REGULAR) {
                    throw new ImportException(Texts.path(file.toString()) + ": member " + Texts.path(name) + " is a hard link to '"
                            + Texts.path(entry.linkName()) + "', which is not an earlier regular file");
                }
                yield t;
            }
            case REGULAR -> {
                byte[] content = null;
                if (keepContent.test(name.substring(name.lastIndexOf('/') + 1))) {
                    if (entry.size() > MAX_FILE_BYTES) {
                        throw new ImportException(Texts.path(file.toString()) + ": member " + Texts.path(name) + " is " + entry.size()
                                + " bytes, larger than " + (MAX_FILE_BYTES >> 20) + " MiB; not a sysfs attribute");
                    }
                    content = tar.readContent();
                }
                yield new Member(Node.REGULAR, content);
            }
            case OTHER -> new Member(Node.OTHER, null);
        };
        Member old = members.get(name);
        if (old != null) {
            if (old.node().kind() == Kind.DIRECTORY && member.node().kind() == Kind.DIRECTORY) {
                return;
            }
            throw new ImportException(Texts.path(file.toString()) + ": member " + Texts.path(name) + " appears twice");
        }
        addParents(file, name, members, children);
        members.put(name, member);
        int slash = name.lastIndexOf('/');
        children.get(slash < 0 ? "" : name.substring(0, slash)).add(name.substring(slash + 1));
        if (member.node().kind() == Kind.DIRECTORY) {
            children.put(name, new ArrayList<>());
        }
    }

    /** Creates the directories above a member that have no entry of their own. */
    private static void addParents(Path file, String name, Map<String, Member> members, Map<String, List<String>> children)
            throws ImportException {
        int slash = name.lastIndexOf('/');
        if (slash < 0) {
            return;
        }
        String parent = name.substring(0, slash);
        Member p = members.get(parent);
        if (p != null) {
            if (p.node().kind() != Kind.DIRECTORY) {
                throw new ImportException(Texts.path(file.toString()) + ": member " + Texts.path(name) + " lies below '" + Texts.path(parent)
                        + "', which is not a directory");
            }
            return;
        }
        addParents(file, parent, members, children);
        members.put(parent, new Member(Node.DIRECTORY, null));
        children.put(parent, new ArrayList<>());
        int up = parent.lastIndexOf('/');
        children.get(up < 0 ? "" : parent.substring(0, up)).add(parent.substring(up + 1));
    }

    /** Member name without "./" and trailing "/"; absolute names and ".." are refused. */
    private static String normalise(Path file, String raw) throws ImportException {
        if (raw.startsWith("/")) {
            throw new ImportException(Texts.path(file.toString()) + ": member '" + Texts.path(raw) + "' has an absolute name");
        }
        StringBuilder sb = new StringBuilder();
        for (String c : raw.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                throw new ImportException(Texts.path(file.toString()) + ": member '" + Texts.path(raw) + "' has a '..' path component");
            }
            if (!sb.isEmpty()) {
                sb.append('/');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** A link's target must be relative and stay inside the archive, read from the link's directory. */
    private static void checkInArchive(Path file, String name, String target) throws ImportException {
        if (target.isEmpty()) {
            throw new ImportException(Texts.path(file.toString()) + ": member " + Texts.path(name) + " is a symbolic link with an empty target");
        }
        if (target.startsWith("/")) {
            throw new ImportException(Texts.path(file.toString()) + ": member " + Texts.path(name) + " is a symbolic link with an absolute target '"
                    + Texts.path(target) + "'; a capture must only hold relative links");
        }
        int depth = name.split("/").length - 1;
        for (String c : target.split("/")) {
            if (c.equals("..")) {
                if (--depth < 0) {
                    throw new ImportException(Texts.path(file.toString()) + ": member " + Texts.path(name) + " is a symbolic link to '"
                            + Texts.path(target) + "', outside the archive");
                }
            } else if (!c.isEmpty() && !c.equals(".")) {
                depth++;
            }
        }
    }

    private static String capturePrefix(Path file, Map<String, Member> members, Map<String, List<String>> children)
            throws ImportException {
        if (isDirectory(members.get("sys"))) {
            return "";
        }
        List<String> top = children.get("");
        if (top.size() == 1 && isDirectory(members.get(top.get(0) + "/sys"))) {
            return top.get(0) + "/";
        }
        throw new ImportException(Texts.path(file.toString()) + ": not a sysfs capture: no sys/ directory at the top of the tarball"
                + " or in its single top folder");
    }

    private static boolean isDirectory(Member m) {
        return m != null && m.node().kind() == Kind.DIRECTORY;
    }

    @Override
    protected Optional<Node> lstat(String canonical) {
        Member m = members.get(archivePath(canonical));
        return m == null ? Optional.empty() : Optional.of(m.node());
    }

    @Override
    protected byte[] readRegular(String canonical) throws ImportException {
        Member m = members.get(archivePath(canonical));
        if (m == null || m.content() == null) {
            throw new ImportException(describe(canonical) + ": contents were not kept when the tarball was read");
        }
        return m.content().clone();
    }

    @Override
    protected List<String> listDirectory(String canonical) {
        List<String> names = new ArrayList<>(children.getOrDefault(archivePath(canonical), List.of()));
        names.sort(null);
        return names;
    }

    @Override
    public String describe(String path) {
        return Texts.path(file + " member " + archivePath(path));
    }

    @Override
    public String source() {
        return "sysfs capture " + Texts.path(file.toString());
    }

    private String archivePath(String canonical) {
        if (canonical.isEmpty()) {
            return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
        }
        return prefix + canonical;
    }

    /** Stream formats told apart by magic bytes. */
    private enum Compression {
        /** gzip: 1f 8b. */
        GZIP,
        /** bzip2: "BZh". */
        BZIP2,
        /** xz: fd 37 7a 58 5a 00. */
        XZ,
        /** uncompressed POSIX or GNU tar: "ustar" at offset 257. */
        TAR,
        /** none of these. */
        NONE
    }

    private static Compression compression(byte[] h) {
        if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        if (h.length >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') {
            return Compression.BZIP2;
        }
        if (h.length >= 6 && (h[0] & 0xff) == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z' && h[5] == 0) {
            return Compression.XZ;
        }
        if (h.length >= 262 && h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r') {
            return Compression.TAR;
        }
        return Compression.NONE;
    }

    /** Thrown by {@link LimitedInputStream} past its cap. */
    private static final class LimitExceededException extends IOException {
        /** Serialization version of this exception. */
        private static final long serialVersionUID = 1L;

        LimitExceededException() {
            super("uncompressed size limit exceeded");
        }
    }

    /** Counts bytes and fails past a cap; not thread-safe. */
    private static final class LimitedInputStream extends FilterInputStream {
        /** Bytes still allowed. */
        private long remaining;

        LimitedInputStream(InputStream in, long max) {
            super(in);
            this.remaining = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --remaining < 0) {
                throw new LimitExceededException();
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0 && (remaining -= n) < 0) {
                throw new LimitExceededException();
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // read instead of skipping so that skipped bytes count too
            byte[] buf = new byte[8192];
            long total = 0;
            while (total < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - total));
                if (r < 0) {
                    break;
                }
                total += r;
            }
            return total;
        }
    }
}
