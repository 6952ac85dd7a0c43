package dev.p2pdma.cli;

import dev.p2pdma.pci.io.Importers;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code p2pdma capture -o FILE.tar.gz}: snapshot this machine's PCI sysfs for analysis elsewhere. Not thread-safe (one run). */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = "Write this machine's PCI sysfs and the /proc files the analysis needs to a .tar.gz (the conformance capture format), "
                + "with the DMI vendor and product strings and the kernel configuration when the machine has them (docs/capture-format.md). "
                + "Run as root to include the ACS registers (full config space). Never reads BAR resource files.",
        footerHeading = "%n",
        footer = {"-o accepts only a new name or an existing regular file, which is replaced in one step once the whole capture is written "
                + "(through a temporary file in the same folder); a symbolic link, device, FIFO, socket or folder is refused and left as it is. "
                + "-o - writes the tarball to standard output and the summary line to standard error."},
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the capture was written", "1:writing failed after the capture started (e.g. disk full): nothing replaced; or an internal error",
                "2:bad input (an unusable -o path, a folder that refuses a new file, a bad --root): nothing written"})
final class CaptureCommand implements Callable<Integer> {

    /** The tarball to write, or "-" for standard output. */
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.tar.gz",
            description = "Where to write the capture: a new name or a regular file (replaced), or - for standard output.")
    String output;

    /** The filesystem root to capture (for tests: a copy of a machine). */
    @Option(names = "--root", paramLabel = "DIR", defaultValue = "/", description = "Root of the machine to capture (default /).")
    Path root;

    /** Picocli's view of this command. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The top command, which holds standard output as bytes. */
    @ParentCommand
    Main main;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (output.isEmpty()) {
            throw new UsageError("-o needs a file name (or - for standard output)");
        }
        if (output.equals("-")) {
            return toStandardOutput(err);
        }
        Path file;
        try {
            file = Path.of(output);
        } catch (InvalidPathException e) {
            throw new UsageError("-o " + output + ": not a valid path");
        }
        String summary;
        try {
            summary = Importers.capture(root, file);
        } catch (IOException e) {
            err.println("p2pdma: " + e.getMessage());
            return Main.EXIT_INTERNAL;
        }
        spec.commandLine().getOut().println(summary);
        return 0;
    }

    private int toStandardOutput(PrintWriter err) throws Exception {
        spec.commandLine().getOut().flush();
        OutputStream stdout = main.stdoutBytes();
        String summary;
        try {
            summary = Importers.capture(root, stdout);
            stdout.flush();
            if (stdout instanceof PrintStream ps && ps.checkError()) {
                throw new IOException("a write failed (output full or closed)");
            }
        } catch (IOException e) {
            err.println("p2pdma: -o -: cannot write to standard output: " + e.getMessage());
            return Main.EXIT_INTERNAL;
        }
        err.println(summary);
        return 0;
    }
}
