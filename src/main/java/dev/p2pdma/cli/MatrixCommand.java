package dev.p2pdma.cli;

import dev.p2pdma.sim.LoadedMachine;
import dev.p2pdma.p2pdma.P2pMatrix;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code p2pdma matrix}: the map type and distance of every ordered pair of non-bridge functions. */
@Command(name = "matrix", mixinStandardHelpOptions = true,
        description = "Print the P2PDMA map type and distance for every ordered pair of non-bridge functions, with the reason for every 'no'.",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the matrix was written, whatever the verdicts (NOT_SUPPORTED pairs too)", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class MatrixCommand implements Callable<Integer> {

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Output format. */
    @Option(names = "--format", defaultValue = "text", description = "text (default) or json.")
    String format;

    /** Picocli's view of this command, for its output stream. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        UsageError.requireOneOf("--format", format, "text", "json");
        LoadedMachine a = input.load();
        P2pMatrix m = P2pMatrix.compute(a.decision());
        var out = spec.commandLine().getOut();
        if (format.equals("json")) {
            VerdictJson.writeMatrix(a, m, out);
        } else {
            MatrixText.write(a, m, out);
        }
        out.flush();
        return 0;
    }
}
