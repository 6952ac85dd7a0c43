package dev.p2pdma.pci.io;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.PciTopology;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One door to every importer and writer, as the CLI uses them. Every method turns a missing path,
 * or a FIFO or device where a file is expected, into an {@link ImportException} naming it before
 * the importer runs. Stateless; thread-safe.
 */
public final class Importers {

    private Importers() {
    }

    /** A live sysfs root ({@code /sys} or {@code /}), a capture directory or a capture tarball. */
    public static PciTopology sysfs(Path path) throws ImportException {
        requireExists(path, "--sysfs");
        InputFiles.refuseSpecialFile(path, "a sysfs capture directory or tarball (--sysfs)");
        return SysfsImporter.read(path);
    }

    /** An hwloc XML file. */
    public static PciTopology hwloc(Path file) throws ImportException {
        requireFile(file, "--hwloc");
        return HwlocXmlImporter.read(file);
    }

    /** An lspci dump. */
    public static PciTopology lspci(Path file) throws ImportException {
        requireFile(file, "--lspci");
        return LspciImporter.importFile(file);
    }

    /** A p2pdma topology file (YAML or JSON). */
    public static PciTopology topologyFile(Path file) throws ImportException {
        requireFile(file, "--topology");
        return TopologyFileReader.read(file);
    }

    /** Writes a topology file in {@code yaml} or {@code json}. */
    public static void writeTopologyFile(PciTopology t, String format, PrintWriter out) {
        TopologyFileFormat f = format.equals("json") ? TopologyFileFormat.JSON : TopologyFileFormat.YAML;
        out.print(TopologyFileWriter.render(t, f));
    }

    /**
     * Captures a machine root into the tarball file {@code out} (a new name or a regular file,
     * checked before the machine is read); returns a one-line summary.
     *
     * @throws ImportException for a bad root or an unusable output path
     * @throws IOException     one line naming {@code out} and the reason, when writing it failed
     */
    public static String capture(Path root, Path out) throws ImportException, IOException {
        OutputFile.check(out);
        requireExists(root, "--root");
        return summary(out.toString(), SysfsCaptureWriter.write(root, out));
    }

    /**
     * Captures a machine root as tarball bytes to {@code out} (standard output), left open;
     * returns a one-line summary.
     *
     * @throws ImportException for a bad root
     * @throws IOException     when writing to {@code out} failed
     */
    public static String capture(Path root, OutputStream out) throws ImportException, IOException {
        requireExists(root, "--root");
        return summary("standard output", SysfsCaptureWriter.write(root, out));
    }

    private static String summary(String where, SysfsCaptureWriter.Summary s) {
        return "wrote " + Texts.path(where) + ": " + s.functions() + " PCI functions, " + s.members() + " members"
                + (s.skipped() > 0 ? ", " + s.skipped() + " unreadable files skipped" : "");
    }

    private static void requireExists(Path p, String flag) throws ImportException {
        if (!Files.exists(p)) {
            throw new ImportException(p + ": no such file or directory (" + flag + ")");
        }
    }

    private static void requireFile(Path p, String flag) throws ImportException {
        requireExists(p, flag);
        if (Files.isDirectory(p)) {
            throw new ImportException(p + ": is a directory, expected a file (" + flag + ")");
        }
        InputFiles.refuseSpecialFile(p, "a regular file (" + flag + ")");
    }
}
