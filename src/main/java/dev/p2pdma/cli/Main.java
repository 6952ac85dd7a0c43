package dev.p2pdma.cli;

import dev.p2pdma.pci.TopologyException;
import dev.p2pdma.pci.io.ImportException;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * The {@code p2pdma} command: analyse a machine's PCI tree for peer-to-peer DMA as Linux decides it.
 *
 * <p>Exit status: 0 on success, 2 for bad input (files, arguments) with one line on stderr naming
 * what is wrong, 1 for an internal error or when standard output cannot be written.
 */
@Command(name = "p2pdma", mixinStandardHelpOptions = true, version = "p2pdma 0.1.0",
        description = "Can these PCI devices DMA to each other, by which path, and why not? Linux's P2PDMA decision, modelled exactly.",
        subcommands = {TopoCommand.class, MatrixCommand.class, ExplainCommand.class, MapCommand.class, CaptureCommand.class,
                ReportCommand.class, GroupsCommand.class, ODirectCommand.class, CheckCommand.class, FixCommand.class, SimulateCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:success", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
public final class Main implements Runnable {

    /** Exit status for bad input. */
    static final int EXIT_BAD_INPUT = 2;
    /** Exit status for an internal error or an output that cannot be written. */
    static final int EXIT_INTERNAL = 1;

    /** The reason a write fails with once the reader of a pipe has gone (EPIPE). */
    private static final String BROKEN_PIPE = "Broken pipe";

    /** The heading of the exit statuses in every command's --help. */
    static final String EXIT_HEADING = "%nExit status:%n";
    /** Exit status 1 in every command's --help. */
    static final String EXIT_1_HELP = "1:internal error, or the output could not be written (standard output or -o FILE: disk full, closed);"
            + " one line on standard error (none when the reader of a pipe stopped early, as with | head)";
    /** Exit status 2 in every command's --help. */
    static final String EXIT_2_HELP = "2:bad input: a file, argument or device that is wrong, named in one line on standard error";

    /** Standard output as bytes, for documents that are not text ({@code capture -o -}). */
    private final OutputStream stdoutBytes;

    /** Picocli's view of this command, for its output stream. */
    @Spec
    CommandLine.Model.CommandSpec spec;

    private Main(OutputStream stdoutBytes) {
        this.stdoutBytes = stdoutBytes;
    }

    /** Standard output as bytes; text goes through the command line's writer instead. */
    OutputStream stdoutBytes() {
        return stdoutBytes;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        FileOutputStream fd = new FileOutputStream(FileDescriptor.out);
        Writer stdout = new BufferedWriter(new OutputStreamWriter(fd, StandardCharsets.UTF_8));
        System.exit(run(args, stdout, new PrintWriter(System.err, true), fd));
    }

    /**
     * Runs the command line with the given streams and returns the exit status (for tests). A write
     * to {@code out} that fails is exit status 1 with one line on {@code err}.
     */
    public static int run(String[] args, Writer outStream, Writer errStream) {
        return run(args, outStream, errStream, System.out);
    }

    /** As {@link #run(String[], Writer, Writer)}, with {@code stdoutBytes} for binary documents on standard output. */
    static int run(String[] args, Writer outStream, Writer errStream, OutputStream stdoutBytes) {
        StandardOutput stdout = new StandardOutput(outStream);
        PrintWriter out = stdout.writer();
        PrintWriter err = errStream instanceof PrintWriter p ? p : new PrintWriter(errStream);
        CommandLine cl = new CommandLine(new Main(stdoutBytes));
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("p2pdma: " + TerminalText.printable(ex.getMessage()));
            err.println("Try 'p2pdma " + (ex.getCommandLine().getCommandName().equals("p2pdma") ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help' for more information.");
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof ImportException || ex instanceof UsageError || ex instanceof TopologyException) {
                err.println("p2pdma: " + TerminalText.printable(String.valueOf(ex.getMessage())));
                return EXIT_BAD_INPUT;
            }
            if (ex instanceof OutputWriteError) {
                err.println("p2pdma: " + TerminalText.printable(String.valueOf(ex.getMessage())));
                return EXIT_INTERNAL;
            }
            if (ex instanceof java.io.UncheckedIOException io) {
                err.println("p2pdma: " + TerminalText.printable(String.valueOf(io.getCause().getMessage())));
                return EXIT_BAD_INPUT;
            }
            err.println("p2pdma: internal error: " + TerminalText.printable(ex.toString()));
            if (System.getenv("P2PDMA_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            return EXIT_INTERNAL;
        });
        int rc;
        try {
            rc = cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("p2pdma: out of memory: the machine or the output is too large for the Java heap; try a selection "
                    + "(--provider/--client/--class) or a larger heap (JAVA_TOOL_OPTIONS=-Xmx8g)");
            rc = EXIT_BAD_INPUT;
        }
        out.flush();
        Optional<String> failure = stdout.failure();
        if (failure.isPresent()) {
            // a reader that stopped early on purpose (| head) ends the command quietly, as SIGPIPE ends C tools
            if (!failure.get().equals(BROKEN_PIPE)) {
                err.println("p2pdma: cannot write to standard output: " + TerminalText.printable(failure.get()));
            }
            rc = rc == 0 ? EXIT_INTERNAL : rc;
        }
        err.flush();
        return rc;
    }
}
