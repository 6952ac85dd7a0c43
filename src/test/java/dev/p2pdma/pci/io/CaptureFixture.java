package dev.p2pdma.pci.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Builds small sysfs captures for tests, as a tarball or a directory, member by member: the
 * order of calls is the member order. Also extracts real captures. Not thread-safe.
 */
final class CaptureFixture {

    /** One member: kind 'd' directory, 'f' file, 'l' symbolic link. */
    record Member(char kind, String name, byte[] content, String target) {
    }

    /** The members in order. */
    private final List<Member> members = new ArrayList<>();

    /** The root of the shared test data. */
    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }

    CaptureFixture dir(String name) {
        members.add(new Member('d', name, null, null));
        return this;
    }

    CaptureFixture file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    CaptureFixture file(String name, byte[] content) {
        members.add(new Member('f', name, content, null));
        return this;
    }

    CaptureFixture link(String name, String target) {
        members.add(new Member('l', name, null, target));
        return this;
    }

    List<Member> members() {
        return members;
    }

    /**
     * A function directory with text attributes (no config): {@code vendor}, {@code device},
     * {@code class}, plus a {@code sys/bus/pci/devices} link to it.
     *
     * @param chain the directory path below sys/devices, e.g. "pci0000:00/0000:00:04.0"
     */
    CaptureFixture function(String chain, int vendor, int device, int classCode) {
        String bdf = chain.substring(chain.lastIndexOf('/') + 1);
        String dir = "sys/devices/" + chain;
        file(dir + "/vendor", String.format("0x%04x%n", vendor));
        file(dir + "/device", String.format("0x%04x%n", device));
        file(dir + "/class", String.format("0x%06x%n", classCode));
        link("sys/bus/pci/devices/" + bdf, "../../../devices/" + chain);
        return this;
    }

    /** A small valid machine: host bridge 00:00.0, root port 00:04.0, endpoint 01:00.0, and procfs. */
    static CaptureFixture small() {
        return new CaptureFixture()
                .function("pci0000:00/0000:00:00.0", 0x8086, 0x29c0, 0x060000)
                .function("pci0000:00/0000:00:04.0", 0x1b36, 0x000c, 0x060400)
                .function("pci0000:00/0000:00:04.0/0000:01:00.0", 0x1b36, 0x0010, 0x010802)
                .file("proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel name\t: AMD EPYC\n\n")
                .file("proc/cmdline", "console=ttyS0\n")
                .file("proc/sys/kernel/osrelease", "6.12.117\n");
    }

    /** Writes the members as a gzip-compressed tar; parent directories get no entries of their own. */
    Path writeTarGz(Path out) throws IOException {
        try (OutputStream os = Files.newOutputStream(out);
             GzipCompressorOutputStream gz = new GzipCompressorOutputStream(os)) {
            writeTar(gz);
        }
        return out;
    }

    /** Writes the members as an uncompressed tar. */
    Path writeTar(Path out) throws IOException {
        try (OutputStream os = Files.newOutputStream(out)) {
            writeTar(os);
        }
        return out;
    }

    private void writeTar(OutputStream os) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Member m : members) {
                TarArchiveEntry e;
                switch (m.kind()) {
                    case 'd' -> e = new TarArchiveEntry(m.name().endsWith("/") ? m.name() : m.name() + "/", TarConstants.LF_DIR);
                    case 'l' -> {
                        e = new TarArchiveEntry(m.name(), TarConstants.LF_SYMLINK);
                        e.setLinkName(m.target());
                    }
                    default -> {
                        e = new TarArchiveEntry(m.name(), TarConstants.LF_NORMAL, m.name().startsWith("/"));
                        e.setSize(m.content().length);
                    }
                }
                tar.putArchiveEntry(e);
                if (m.kind() == 'f') {
                    tar.write(m.content());
                }
                tar.closeArchiveEntry();
            }
        }
    }

    /** Writes the members into a directory, creating parents; links are created as they are. */
    Path writeDirectory(Path root) throws IOException {
        for (Member m : members) {
            Path p = root.resolve(m.name());
            Files.createDirectories(p.getParent());
            switch (m.kind()) {
                case 'd' -> Files.createDirectories(p);
                case 'l' -> Files.createSymbolicLink(p, Path.of(m.target()));
                default -> Files.write(p, m.content());
            }
        }
        return root;
    }

    /** Extracts a .tar.gz or .tar.bz2 into a directory, links as they are. */
    static Path extract(Path tarball, Path into) throws IOException {
        for (Map.Entry<String, Member> e : readMembers(tarball).entrySet()) {
            Member m = e.getValue();
            Path p = into.resolve(m.name());
            Files.createDirectories(p.getParent());
            switch (m.kind()) {
                case 'd' -> Files.createDirectories(p);
                case 'l' -> Files.createSymbolicLink(p, Path.of(m.target()));
                default -> Files.write(p, m.content());
            }
        }
        return into;
    }

    /** All members of a tarball by name (without trailing slash), in archive order. */
    static Map<String, Member> readMembers(Path tarball) throws IOException {
        Map<String, Member> out = new LinkedHashMap<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(tarball))) {
            raw.mark(4);
            int b0 = raw.read();
            raw.reset();
            InputStream data = b0 == 0x1f ? new GzipCompressorInputStream(raw) : new BZip2CompressorInputStream(raw);
            TarArchiveInputStream tar = new TarArchiveInputStream(data);
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName().endsWith("/") ? e.getName().substring(0, e.getName().length() - 1) : e.getName();
                if (e.isDirectory()) {
                    out.put(name, new Member('d', name, null, null));
                } else if (e.isSymbolicLink()) {
                    out.put(name, new Member('l', name, null, e.getLinkName()));
                } else {
                    out.put(name, new Member('f', name, tar.readAllBytes(), null));
                }
            }
        }
        return out;
    }
}
