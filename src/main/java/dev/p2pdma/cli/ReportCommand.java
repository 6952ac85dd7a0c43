package dev.p2pdma.cli;

import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.report.HtmlReport;
import dev.p2pdma.report.PciIds;
import dev.p2pdma.report.ReportModel;
import dev.p2pdma.machine.LoadedMachine;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code p2pdma report}: one self-contained HTML page with the tree, the matrix and the assumptions. Not thread-safe (picocli fills it). */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write one self-contained HTML page (no network): the PCI tree as SVG with vendor and device names, "
                + "a provider chooser that colours every function by its map type and draws paths, the matrix with each cell's "
                + "reasons, IOMMU groups outlined, and the assumptions in a header.",
                "The matrix covers every pair of the selected functions (--provider, --client and --class together; all "
                + "non-bridge functions by default); more than 1,000,000 pairs are refused before anything is written unless --force."},
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the page was written", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class ReportCommand implements Callable<Integer> {

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Which functions the matrix covers, and --force. */
    @Mixin
    SelectionOptions selection;

    /** Where the page goes. */
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "The HTML file to write; - for standard output.")
    String output;

    /** The PCI ID database to name devices from. */
    @Option(names = "--pci-ids", paramLabel = "FILE",
            description = "pci.ids file for vendor and device names (default: " + "/usr/share/misc/pci.ids when installed; else ids only).")
    Path pciIds;

    /** The runtime settings (NCCL_P2P_LEVEL) for the details pane's runtime lines. */
    @Mixin
    RuntimeOption runtime;

    /** Picocli's view of this command, for its output stream. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var runtimeOptions = runtime.options();
        OutputTarget target = new OutputTarget("-o", output);
        if (!target.isStdout()) {
            target.checkedPath();
        }
        // pci.ids (1.4 MB) is read on a second thread while the input loads; its error still comes first
        FutureTask<PciIds> names = new FutureTask<>(() -> names(pciIds));
        Thread.ofPlatform().daemon().name("p2pdma-pci-ids").start(names);
        LoadedMachine machine;
        try {
            machine = input.load();
        } catch (Exception | Error e) {
            await(names);
            throw e;
        }
        PciIds ids = await(names);
        int[] endpoints = selection.resolve(machine.topology()).union();
        selection.checkSize("the report's matrix", (long) endpoints.length * endpoints.length, String.format(java.util.Locale.ROOT, " (%,d functions)", endpoints.length));
        String html = HtmlReport.render(ReportModel.of(machine, ids), endpoints, runtimeOptions);
        target.write(html, spec.commandLine().getOut());
        return 0;
    }

    /** The database read by the task, or the task's exception. */
    private static PciIds await(FutureTask<PciIds> names) throws ImportException, InterruptedException {
        try {
            return names.get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case ImportException i -> throw i;
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** The database named by {@code --pci-ids}, else the system one when installed, else none. */
    static PciIds names(Path pciIds) throws ImportException {
        return pciIds != null ? PciIds.load(pciIds) : PciIds.systemOrEmpty();
    }
}
