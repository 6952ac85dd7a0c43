package dev.p2pdma.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/**
 * Runs the CLI in-process and keeps its exit status and both streams.
 *
 * @param status exit status
 * @param out    standard output
 * @param err    standard error
 */
record Cli(int status, String out, String err) {

    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Cli(rc, out.toString(), err.toString());
    }

    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }

    static String conformance(String name) {
        return shared().resolve("conformance").resolve(name).resolve("capture.tar.gz").toString();
    }
}
