package dev.p2pdma.testing;

import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.Importers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The input files under {@code ../shared/real-machines}, picked up from the directories, each with
 * the importer it needs. A file is an input, or on the documented list of files that are not
 * (the folder's README and hwloc's {@code .console} text renderings); any other file is an error,
 * so nothing is skipped silently. Stateless; thread-safe.
 */
public final class RealMachines {

    /** Which importer reads a file, and the CLI flag that selects it. */
    public enum Kind {
        /** A sysfs dump (tarball). */
        SYSFS("--sysfs"),
        /** An hwloc XML file. */
        HWLOC("--hwloc"),
        /** An lspci dump. */
        LSPCI("--lspci");

        /** The CLI's input flag for this kind. */
        private final String flag;

        Kind(String flag) {
            this.flag = flag;
        }

        /** The CLI's input flag for this kind, e.g. {@code --sysfs}. */
        public String flag() {
            return flag;
        }
    }

    /**
     * One real-machine input.
     *
     * @param path the file
     * @param kind the importer it needs
     */
    public record Input(Path path, Kind kind) {

        /** The file name, e.g. {@code nvidiaDGX2.xml}. */
        public String name() {
            return path.getFileName().toString();
        }

        /** The topology, read as the CLI reads it. */
        public PciTopology load() throws ImportException {
            return switch (kind) {
                case SYSFS -> Importers.sysfs(path);
                case HWLOC -> Importers.hwloc(path);
                case LSPCI -> Importers.lspci(path);
            };
        }
    }

    private RealMachines() {
    }

    /** The real-machines folder. */
    public static Path root() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("real-machines");
    }

    /**
     * Every input, in path order.
     *
     * @throws IllegalStateException for a file that is neither an input nor on the documented list,
     *                               or when there are no inputs at all
     */
    public static List<Input> all() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(root())) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        List<Input> out = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            String folder = f.getParent().getFileName().toString();
            if (folder.equals("lspci")) {
                out.add(new Input(f, Kind.LSPCI));
            } else if (name.endsWith(".xml")) {
                out.add(new Input(f, Kind.HWLOC));
            } else if (name.endsWith(".tar.bz2") || name.endsWith(".tar.gz")) {
                out.add(new Input(f, Kind.SYSFS));
            } else if (!isDocumentedNonInput(f)) {
                throw new IllegalStateException(f + " is neither a real-machine input nor on the list of files that are not"
                        + " (README.md, hwloc's .console renderings): teach RealMachines how to read it");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no real-machine inputs under " + root().toAbsolutePath());
        }
        return out;
    }

    /** The folder's README, and hwloc's text rendering of a machine whose dump sits beside it. */
    private static boolean isDocumentedNonInput(Path f) {
        String name = f.getFileName().toString();
        return name.equals("README.md") || name.endsWith(".console") && f.getParent().getFileName().toString().equals("hwloc");
    }
}
