package dev.p2pdma.cli;

import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.pci.io.TopologyFileWriter;
import dev.p2pdma.sim.SyntheticHost;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's AOT training run (JDK 25 and later: JEP 483, 514 and 515). The launcher starts it
 * once after a build with {@code -XX:AOTCacheOutput}; it runs the commands users run, in one
 * process, on one root port of the {@link SyntheticHost} (125 endpoints, written as a topology file)
 * and on this machine's {@code /sys}, so the cache the JVM writes at exit holds their classes
 * loaded and linked and their method profiles, and every later launch starts from it. Not a
 * p2pdma command: its output is discarded, and a command that fails is reported on stderr (the
 * launcher's build log) with exit status 1; the launcher then goes on without the cache.
 */
public final class AotTraining {

    private AotTraining() {
    }

    /**
     * Runs the training commands.
     *
     * @param args a folder for the training files, then any scenario files for {@code map}
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: AotTraining FOLDER [SCENARIO.yaml...]");
            System.exit(Main.EXIT_BAD_INPUT);
        }
        Path folder = Files.createDirectories(Path.of(args[0]));
        List<String> failed = new ArrayList<>();
        for (List<String> command : commands(folder, List.of(args).subList(1, args.length))) {
            int status = Main.run(command.toArray(String[]::new), Writer.nullWriter(), new PrintWriter(Writer.nullWriter()),
                    OutputStream.nullOutputStream());
            if (status != 0 && !command.equals(List.of("matrix"))) {
                failed.add(String.join(" ", command) + " (exit " + status + ")");
            }
        }
        if (!failed.isEmpty()) {
            System.err.println("p2pdma AOT training: failed: " + String.join("; ", failed));
            System.exit(1);
        }
    }

    /** The command lines, each as a user would type it after {@code p2pdma}. */
    static List<List<String>> commands(Path folder, List<String> scenarios) throws IOException {
        PciTopology host = SyntheticHost.build(1);
        Path topology = folder.resolve("training-topology.json");
        TopologyFileWriter.write(host, topology);
        List<String> endpoints = host.functions().stream().filter(f -> f.portType() == PortType.ENDPOINT)
                .map(PciFunction::address).map(Object::toString).limit(3).toList();
        String input = "--topology=" + topology;
        List<List<String>> out = new ArrayList<>(List.of(
                List.of("topo", input),
                List.of("topo", input, "--format=json"),
                List.of("topo", input, "--format=yaml"),
                List.of("matrix", input),
                List.of("matrix", input, "--format=json"),
                List.of("explain", input, endpoints.get(0), endpoints.get(1), endpoints.get(2)),
                List.of("explain", input, "--format=json", endpoints.get(0), endpoints.get(1)),
                List.of("groups", input),
                List.of("report", input, "-o", folder.resolve("training-report.html").toString()),
                // this machine's /sys (the sysfs reader); a machine without PCI functions refuses it
                List.of("matrix")));
        for (String scenario : scenarios) {
            out.add(List.of("map", "--scenario=" + scenario));
        }
        return out;
    }
}
