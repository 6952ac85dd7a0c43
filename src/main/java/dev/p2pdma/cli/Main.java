package dev.p2pdma.cli;

import dev.p2pdma.pci.TopologyException;
import dev.p2pdma.pci.io.ImportException;
import java.io.OutputStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code p2pdma} command: analyse a machine's PCI tree for peer-to-peer DMA as Linux decides it.
 *
 * <p>Exit status: 0 on success, 2 for bad input (files, arguments) with one line on stderr naming
 * what is wrong, 1 for an internal error.
 */
@Command(name = "p2pdma", mixinStandardHelpOptions = true, version = "p2pdma 0.1.0",
        description = "Can these PCI devices DMA to each other, by which path, and why not? Linux's P2PDMA decision, modelled exactly.",
        subcommands = {TopoCommand.class, MatrixCommand.class, ExplainCommand.class, MapCommand.class, CaptureCommand.class,
                ReportCommand.class, GroupsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit status for bad input. */
    static final int EXIT_BAD_INPUT = 2;
    /** Exit status for an internal error. */
    static final int EXIT_INTERNAL = 1;

    /** Standard output as bytes, for documents that are not text ({@code capture -o -}). */
    private final OutputStream stdoutBytes;

    private Main(OutputStream stdoutBytes) {
        this.stdoutBytes = stdoutBytes;
    }

    /** Standard output as bytes; text goes through the command line's writer instead. */
    OutputStream stdoutBytes() {
        return stdoutBytes;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit status (for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, System.out);
    }

    /** As {@link #run(String[], PrintWriter, PrintWriter)}, with {@code stdoutBytes} for binary documents on standard output. */
    static int run(String[] args, PrintWriter out, PrintWriter err, OutputStream stdoutBytes) {
        CommandLine cl = new CommandLine(new Main(stdoutBytes));
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("p2pdma: " + ex.getMessage());
            err.println("Try 'p2pdma " + (ex.getCommandLine().getCommandName().equals("p2pdma") ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help' for more information.");
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof ImportException || ex instanceof UsageError || ex instanceof TopologyException) {
                err.println("p2pdma: " + ex.getMessage());
                return EXIT_BAD_INPUT;
            }
            if (ex instanceof java.io.UncheckedIOException io) {
                err.println("p2pdma: " + io.getCause().getMessage());
                return EXIT_BAD_INPUT;
            }
            err.println("p2pdma: internal error: " + ex);
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
        err.flush();
        return rc;
    }
}
