package dev.p2pdma.cli;

import dev.p2pdma.sim.LoadedMachine;
import dev.p2pdma.pci.io.Importers;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code p2pdma topo}: the PCI tree, or the topology file for editing. */
@Command(name = "topo", mixinStandardHelpOptions = true,
        description = "Print the PCI tree with ports, ACS, links and p2pmem; or write it as a topology file (--format yaml|json) to edit and read back with --topology.")
final class TopoCommand implements Callable<Integer> {

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Output format. */
    @Option(names = "--format", defaultValue = "text", description = "text (default), yaml or json.")
    String format;

    /** Picocli's view of this command. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        UsageError.requireOneOf("--format", format, "text", "yaml", "json");
        var out = spec.commandLine().getOut();
        switch (format) {
            case "text" -> TreeText.write(input.load(), out);
            case "yaml", "json" -> Importers.writeTopologyFile(input.load().topology(), format, out);
            default -> throw new IllegalStateException(format);
        }
        out.flush();
        return 0;
    }
}
