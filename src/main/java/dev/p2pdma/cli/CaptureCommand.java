package dev.p2pdma.cli;

import dev.p2pdma.pci.io.Importers;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code p2pdma capture -o FILE.tar.gz}: snapshot this machine's PCI sysfs for analysis elsewhere. */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = "Write this machine's PCI sysfs and the /proc files the analysis needs to a .tar.gz (the conformance capture format). "
                + "Run as root to include the ACS registers (full config space). Never reads BAR resource files.",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the capture was written", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class CaptureCommand implements Callable<Integer> {

    /** The tarball to write. */
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.tar.gz", description = "Where to write the capture.")
    Path output;

    /** The filesystem root to capture (for tests: a copy of a machine). */
    @Option(names = "--root", paramLabel = "DIR", defaultValue = "/", description = "Root of the machine to capture (default /).")
    Path root;

    /** Picocli's view of this command. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String summary = Importers.capture(root, output);
        spec.commandLine().getOut().println(summary);
        return 0;
    }
}
