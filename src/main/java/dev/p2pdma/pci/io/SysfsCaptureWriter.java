package dev.p2pdma.pci.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import dev.p2pdma.doc.Texts;

/**
 * Writes a sysfs capture tarball ({@code .tar.gz}) in exactly the format of the conformance
 * cases (shared/conformance/README.md, section 1): the per-function links of
 * {@code sys/bus/pci/devices}, every function's directory chain with only the attribute files and
 * links the format lists, {@code p2pmem/} without {@code allocate}, the IOMMU group links,
 * three procfs files and, when the machine has them, the DMI strings of {@code sys/class/dmi/id}
 * (as a plain directory) and the kernel configuration ({@code proc/config.gz}, else
 * {@code /boot/config-<release>} as {@code boot/config}); see docs/capture-format.md. Every directory has its own entry, links keep their relative targets, member
 * names have no leading {@code /} or {@code ./}. Nothing else is read: no BAR {@code resource<N>}
 * file, no {@code rom}, no {@code p2pmem/allocate}.
 *
 * <p>{@code config} is read as the caller can: root gets the whole 4096 bytes, others what the
 * kernel allows (64 bytes), and the importer then reports ACS as unknown. On the live machine a
 * listed file the kernel refuses to read is left out; in a captured directory it is an error. A
 * file output is written through {@link OutputFile}; a stream output (standard output) is
 * written directly. Stateless; safe to call from several threads for different outputs.
 */
public final class SysfsCaptureWriter {

    /** Mode of directory entries. */
    private static final int DIR_MODE = 040755;
    /** Mode of regular-file entries. */
    private static final int FILE_MODE = 0100444;
    /** Mode of symbolic-link entries. */
    private static final int LINK_MODE = 0120777;

    /**
     * What a capture holds.
     *
     * @param functions PCI functions captured
     * @param members   tar members written (directories, files and links)
     * @param skipped   listed files the kernel refused to read, left out
     */
    public record Summary(int functions, int members, int skipped) {
    }

    private SysfsCaptureWriter() {
    }

    /**
     * Captures the machine's {@code /sys} and {@code /proc} into {@code out}.
     *
     * @throws ImportException naming the file that could not be read, or an unusable output path
     * @throws IOException     one line naming {@code out} and the reason, when writing it failed
     */
    public static Summary writeLive(Path out) throws ImportException, IOException {
        return write(Path.of("/"), out);
    }

    /**
     * Captures the tree under {@code root} (the file-system root, a captured directory or its
     * {@code sys} directory, as {@link SysfsImporter#read(Path)} accepts) into the file {@code out},
     * as {@link OutputFile} writes it: {@code out} must be a new name or a regular file, and
     * is replaced in one step only when the whole capture was written.
     *
     * @throws ImportException naming the file that could not be read, a link that leaves a
     *                         captured directory, or an output path that is not usable
     * @throws IOException     one line naming {@code out} and the reason, when writing it failed
     */
    public static Summary write(Path root, Path out) throws ImportException, IOException {
        OutputFile.check(out);
        requireDirectory(root);
        return OutputFile.write(out, os -> write(root, os));
    }

    /**
     * Captures the tree under {@code root} as {@link #write(Path, Path)} does, as gzip'd tar bytes
     * to {@code out}, which is flushed and left open.
     *
     * @throws ImportException naming the file that could not be read or a link that leaves a
     *                         captured directory
     * @throws IOException     when writing to {@code out} failed
     */
    public static Summary write(Path root, OutputStream out) throws ImportException, IOException {
        requireDirectory(root);
        CaptureTree tree = CaptureTrees.open(root, name -> true, TarCaptureTree.DEFAULT_MAX_BYTES);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(new KeepOpen(out));
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            Summary s = new Capture(tree, tar).run();
            tar.finish();
            return s;
        }
    }

    private static void requireDirectory(Path root) throws ImportException {
        if (Files.isRegularFile(root)) {
            throw new ImportException(Texts.path(root.toString()) + ": is a file; a capture is written from a directory such as /");
        }
    }

    /** Passes bytes through to a stream that closing only flushes (standard output stays open). Not thread-safe. */
    private static final class KeepOpen extends FilterOutputStream {

        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** One capture run: the tree, the tar and what was written so far. Not thread-safe. */
    private static final class Capture {
        /** The source. */
        private final CaptureTree tree;
        /** The output. */
        private final TarArchiveOutputStream tar;
        /** Member names written, without trailing slash. */
        private final Set<String> written = new HashSet<>();
        /** Entry time for every member. */
        private final long timeMillis = System.currentTimeMillis();
        /** Listed files left out because they could not be read. */
        private int skipped;

        Capture(CaptureTree tree, TarArchiveOutputStream tar) {
            this.tree = tree;
            this.tar = tar;
        }

        Summary run() throws ImportException, IOException {
            List<String> names = tree.list(SysfsLayout.PCI_DEVICES).orElseThrow(() -> new ImportException(
                    tree.describe(SysfsLayout.PCI_DEVICES) + ": missing: no list of PCI devices to capture"));
            directory(SysfsLayout.PCI_DEVICES);
            TreeMap<String, String> functionDirs = new TreeMap<>();
            for (String name : names) {
                String link = SysfsLayout.PCI_DEVICES + "/" + name;
                String target = tree.readLink(link).orElseThrow(() -> new ImportException(
                        tree.describe(link) + ": not a symbolic link to a function directory"));
                String dir = tree.resolve(link).orElseThrow(() -> new ImportException(
                        tree.describe(link) + ": its link leads nowhere (no function directory)"));
                symlink(link, target);
                functionDirs.put(name, dir);
            }
            for (String dir : functionDirs.values()) {
                function(dir);
            }
            iommuGroups();
            for (String p : SysfsLayout.PROC_FILES) {
                file(p);
            }
            dmi();
            kernelConfig();
            return new Summary(functionDirs.size(), written.size(), skipped);
        }

        private void function(String dir) throws ImportException, IOException {
            directory(dir);
            Set<String> present = new HashSet<>(tree.list(dir).orElse(List.of()));
            for (String f : SysfsLayout.FUNCTION_FILES) {
                if (present.contains(f)) {
                    file(dir + "/" + f);
                }
            }
            TreeMap<Integer, String> links = new TreeMap<>();
            for (String name : present) {
                Matcher m = SysfsLayout.VIRTFN.matcher(name);
                if (m.matches()) {
                    links.put(Integer.parseInt(m.group(1)), name);
                }
            }
            for (String l : SysfsLayout.FUNCTION_LINKS) {
                if (present.contains(l)) {
                    link(dir + "/" + l);
                }
            }
            for (String vf : links.values()) {
                link(dir + "/" + vf);
            }
            String p2pmem = dir + "/" + SysfsLayout.P2PMEM;
            if (present.contains(SysfsLayout.P2PMEM) && tree.isDirectory(p2pmem)) {
                directory(p2pmem);
                Set<String> pm = new HashSet<>(tree.list(p2pmem).orElse(List.of()));
                for (String f : SysfsLayout.P2PMEM_FILES) {
                    if (pm.contains(f)) {
                        file(p2pmem + "/" + f);
                    }
                }
            }
        }

        private void iommuGroups() throws ImportException, IOException {
            Optional<List<String>> groups = tree.list(SysfsLayout.IOMMU_GROUPS);
            if (groups.isEmpty()) {
                return;
            }
            directory(SysfsLayout.IOMMU_GROUPS);
            for (String g : groups.get()) {
                String devices = SysfsLayout.IOMMU_GROUPS + "/" + g + "/devices";
                Optional<List<String>> members = tree.list(devices);
                if (members.isEmpty()) {
                    continue;
                }
                directory(devices);
                for (String d : members.get()) {
                    link(devices + "/" + d);
                }
            }
        }

        /** Copies the DMI strings the format lists into a plain {@code sys/class/dmi/id/} directory (the live one is a link; a dump without it may have sys/devices/virtual/dmi/id). */
        private void dmi() throws ImportException, IOException {
            for (String dir : SysfsLayout.DMI_DIRS) {
                Optional<List<String>> names = tree.list(dir);
                if (names.isPresent()) {
                    for (String f : SysfsLayout.DMI_FILES) {
                        if (names.get().contains(f)) {
                            file(dir + "/" + f, SysfsLayout.DMI_DIR + "/" + f);
                        }
                    }
                    return;
                }
            }
        }

        /**
         * Copies the kernel configuration: {@code proc/config.gz} as it is, else a captured
         * {@code boot/config}, else the live {@code boot/config-<release>} as {@code boot/config}.
         */
        private void kernelConfig() throws ImportException, IOException {
            if (file(SysfsLayout.PROC_CONFIG, SysfsLayout.PROC_CONFIG) || file(SysfsLayout.BOOT_CONFIG, SysfsLayout.BOOT_CONFIG)) {
                return;
            }
            Optional<byte[]> release = readQuietly(SysfsLayout.OSRELEASE);
            if (release.isPresent()) {
                String r = new String(release.get(), StandardCharsets.UTF_8).strip();
                if (r.matches("[A-Za-z0-9._+~-]{1,128}")) {
                    file(SysfsLayout.BOOT_CONFIG_PREFIX + r, SysfsLayout.BOOT_CONFIG);
                }
            }
        }

        private Optional<byte[]> readQuietly(String path) {
            try {
                return tree.read(path);
            } catch (ImportException e) {
                return Optional.empty();
            }
        }

        /** Writes a directory entry and those of all directories above it, once each. */
        private void directory(String path) throws IOException {
            if (path.isEmpty() || written.contains(path)) {
                return;
            }
            int slash = path.lastIndexOf('/');
            if (slash > 0) {
                directory(path.substring(0, slash));
            }
            TarArchiveEntry e = entry(path + "/", TarConstants.LF_DIR);
            e.setMode(DIR_MODE);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            written.add(path);
        }

        /** Copies a regular file when it is there and readable. */
        private void file(String path) throws ImportException, IOException {
            file(path, path);
        }

        /**
         * Copies the regular file {@code path} to the member {@code member} when it is there and readable.
         *
         * @return true when the member was written
         */
        private boolean file(String path, String member) throws ImportException, IOException {
            Optional<byte[]> bytes;
            try {
                bytes = tree.read(path);
            } catch (ImportException e) {
                if (!(tree instanceof LiveSysfsTree)) {
                    throw e;
                }
                // the kernel may refuse an attribute (e.g. EIO from a powered-down device): leave it out
                skipped++;
                return false;
            }
            if (bytes.isEmpty() || written.contains(member)) {
                return false;
            }
            directory(member.substring(0, member.lastIndexOf('/')));
            TarArchiveEntry e = entry(member, TarConstants.LF_NORMAL);
            e.setMode(FILE_MODE);
            e.setSize(bytes.get().length);
            tar.putArchiveEntry(e);
            tar.write(bytes.get());
            tar.closeArchiveEntry();
            written.add(member);
            return true;
        }

        /** Copies a symbolic link, target as stored, when it is there. */
        private void link(String path) throws ImportException, IOException {
            Optional<String> target = tree.readLink(path);
            if (target.isPresent()) {
                symlink(path, target.get());
            }
        }

        private void symlink(String path, String target) throws IOException {
            if (written.contains(path)) {
                return;
            }
            directory(path.substring(0, path.lastIndexOf('/')));
            TarArchiveEntry e = entry(path, TarConstants.LF_SYMLINK);
            e.setMode(LINK_MODE);
            e.setLinkName(target);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            written.add(path);
        }

        private TarArchiveEntry entry(String name, byte type) {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setUserId(0);
            e.setGroupId(0);
            e.setUserName("root");
            e.setGroupName("root");
            e.setModTime(timeMillis);
            return e;
        }
    }
}
