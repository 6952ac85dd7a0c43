package dev.p2pdma.cli;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.pci.io.Importers;
import dev.p2pdma.report.ReportModel;
import dev.p2pdma.report.SvgTree;
import dev.p2pdma.pci.AcsBit;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciFunction;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code p2pdma topo}: the PCI tree, or the topology file for editing. */
@Command(name = "topo", mixinStandardHelpOptions = true,
        description = "Print the PCI tree with ports, ACS, links and p2pmem; or write it as a topology file (--format yaml|json) to edit and read back with --topology; or draw it (--format svg -o FILE).",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the tree or file was written", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class TopoCommand implements Callable<Integer> {

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Output format: text, yaml, json or svg. */
    @Mixin
    FormatOption format;

    /** Where the output goes; standard output when not given (svg needs it). */
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE (- for standard output); required for svg.")
    String output;

    /** The PCI ID database for names in the svg tree. */
    @Option(names = "--pci-ids", paramLabel = "FILE",
            description = "pci.ids file for vendor and device names in the svg (default: /usr/share/misc/pci.ids when installed).")
    Path pciIds;

    /** Picocli's view of this command. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Whether to explain every ACS bit after the tree. */
    @Option(names = "--acs", description = "After the tree, explain every ACS capability and control bit of every function that has the"
            + " capability: its name, whether it is set, and which rule reads it (P2PDMA redirect: RR, CR, EC; IOMMU isolation: SV, RR, CR, UF).")
    boolean acs;

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.YAML, OutputFormat.JSON, OutputFormat.SVG);
        if (chosen == OutputFormat.SVG && output == null) {
            throw new UsageError("--format svg needs -o FILE (or -o - for standard output)");
        }
        Optional<OutputTarget> target = Optional.ofNullable(output).map(o -> new OutputTarget("-o", o));
        target.filter(t -> !t.isStdout()).ifPresent(OutputTarget::checkedPath);
        var stdout = spec.commandLine().getOut();
        StringWriter buffer = new StringWriter();
        PrintWriter out = target.isPresent() ? new PrintWriter(buffer) : stdout;
        switch (chosen) {
            case TEXT -> {
                LoadedMachine loaded = input.load();
                TreeText.write(loaded, out); // escapes text from the input (TerminalText)
                if (acs) {
                    writeAcs(loaded, out);
                }
            }
            case YAML, JSON -> Importers.writeTopologyFile(input.load().topology(), chosen.label(), out);
            case SVG -> out.print(SvgTree.document(ReportModel.of(input.load(), ReportCommand.names(pciIds)), Optional.empty()));
        }
        out.flush();
        if (target.isPresent()) {
            target.get().write(buffer.toString(), stdout);
        }
        return 0;
    }

    /** Every function with an ACS capability (or an unknown one), bit by bit; functions without one are counted. */
    private static void writeAcs(LoadedMachine loaded, PrintWriter out) {
        PrintWriter text = TerminalText.writer(out);
        text.println();
        int without = 0;
        for (PciFunction f : loaded.topology().functions()) {
            if (f.acs() instanceof AcsState.Absent) {
                without++;
                continue;
            }
            AcsBit.explain(f).forEach(text::println);
        }
        text.println(without + " function(s) without an ACS capability: P2PDMA sees no redirect there.");
        text.flush();
    }
}
