package dev.p2pdma.cli;

import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.report.PciIds;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.runtime.RuntimeVerdicts;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code p2pdma matrix}: the map type and distance of every ordered pair of non-bridge functions. Not thread-safe (picocli fills it). */
@Command(name = "matrix", mixinStandardHelpOptions = true,
        description = {"Print the P2PDMA map type and distance for every ordered pair of non-bridge functions (or the selected ones), "
                + "a summary line counting BUS/HB/NO pairs, and the reason for every 'no'. --format: text (default) or json.",
                "Limits: more than 1,000,000 pairs (text or JSON) are refused before anything is written, with the size and a suggested "
                + "selection; the text grid is drawn for at most 200 clients (columns), above that only the summary and the reasons. "
                + "--force writes it all anyway. Row labels carry device names (from pci.ids) when the grid with them fits the width."},
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the matrix was written, whatever the verdicts (NOT_SUPPORTED pairs too)", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class MatrixCommand implements Callable<Integer> {

    /** Terminal width used when neither --width nor COLUMNS gives one. */
    static final int DEFAULT_WIDTH = 80;

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Which pairs, and --force. */
    @Mixin
    SelectionOptions selection;

    /** Output format: text or json. */
    @Mixin
    FormatOption format;

    /** The PCI ID database to name devices from. */
    @Option(names = "--pci-ids", paramLabel = "FILE",
            description = "pci.ids file for device names in row labels (default: /usr/share/misc/pci.ids when installed).")
    Path pciIds;

    /** The output width in characters, when given. */
    @Option(names = "--width", paramLabel = "N",
            description = "Output width in characters for the text grid (default: $COLUMNS, else 80); names are shown only when they fit.")
    Integer widthChars;

    /** The runtime settings (NCCL_P2P_LEVEL) for the JSON's runtimes. */
    @Mixin
    RuntimeOption runtime;

    /** Picocli's view of this command, for its output stream. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.JSON);
        int width = width();
        var runtimeOptions = runtime.options();
        LoadedMachine a = input.load();
        MatrixSelection s = selection.resolve(a.topology());
        P2pMatrix m = P2pMatrix.of(a.decision(), s.providers(), s.clients());
        var out = spec.commandLine().getOut();
        if (chosen == OutputFormat.JSON) {
            RuntimeVerdicts rt = RuntimeVerdicts.of(a, runtimeOptions);
            if (!selection.force && m.pairCount() > SelectionOptions.MAX_PAIRS) {
                selection.checkSize("the matrix JSON", m.pairCount(), String.format(Locale.ROOT, " (%,d providers x %,d clients, about %s)",
                        m.rows(), m.columns(), VerdictJson.humanBytes(VerdictJson.estimateMatrixBytes(rt, m))));
            }
            VerdictJson.writeMatrix(a, rt, m, s, out);
        } else {
            selection.checkSize("the text matrix", m.pairCount(), String.format(Locale.ROOT, " (%,d providers x %,d clients)", m.rows(), m.columns()));
            PciIds ids = ReportCommand.names(pciIds);
            boolean grid = selection.force || m.columns() <= MatrixText.MAX_GRID_COLUMNS;
            MatrixText.write(a, m, f -> ids.nameOf(a.topology().function(f)), width, grid, TerminalText.writer(out));
        }
        out.flush();
        return 0;
    }

    /** --width, else a positive $COLUMNS, else {@link #DEFAULT_WIDTH}. */
    private int width() {
        if (widthChars != null) {
            if (widthChars < 1) {
                throw new UsageError("--width must be a positive number of characters, got " + widthChars);
            }
            return widthChars;
        }
        return Optional.ofNullable(System.getenv("COLUMNS")).filter(c -> c.matches("[0-9]{1,5}")).map(Integer::parseInt).filter(c -> c > 0)
                .orElse(DEFAULT_WIDTH);
    }
}
