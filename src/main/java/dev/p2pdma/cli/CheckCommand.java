package dev.p2pdma.cli;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciTopology;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma check}: a pass/fail answer per pair for scripts and CI. One stable line per pair,
 * {@code OK} when the kernel's map type is BUS_ADDR or THRU_HOST_BRIDGE and {@code FAIL} when it is
 * NOT_SUPPORTED, with the map type and the reason; the exit status says whether every pair passed.
 * Assumptions go to standard error so standard output stays the lines alone. Filled by picocli; not
 * thread-safe.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Pass/fail for scripts: one line per pair, 'OK' (BUS_ADDR or THRU_HOST_BRIDGE) or 'FAIL' (NOT_SUPPORTED), with the map type and "
                + "the reason; PROVIDER CLIENT... checks those pairs, --all every ordered pair of non-bridge functions. Assumptions go to standard "
                + "error. --format: text (default) or json ({\"format\": \"p2pdma-check/1\", \"ok\": ..., \"pairs\": [...]}; docs/json-output.md).",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:every pair is BUS_ADDR or THRU_HOST_BRIDGE", Main.EXIT_1_HELP, Main.EXIT_2_HELP,
                "3:at least one pair is NOT_SUPPORTED"})
final class CheckCommand implements Callable<Integer> {

    /** The exit status when a pair fails. */
    static final int EXIT_NOT_SUPPORTED = 3;
    /** The {@code format} of the JSON output. */
    static final String FORMAT = "p2pdma-check/1";
    /** The JSON writer. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Output format: text or json. */
    @Mixin
    FormatOption format;

    /** Every pair. */
    @Option(names = "--all", description = "Check every ordered pair of non-bridge functions (each with itself included), as matrix lists them;"
            + " --provider, --client and --class narrow it as they narrow matrix.")
    boolean all;

    /** Which pairs --all covers, and --force. */
    @Mixin
    SelectionOptions selection;

    /** PROVIDER then CLIENT..., unless --all. */
    @Parameters(arity = "0..*", paramLabel = "BDF", description = "PROVIDER, then one or more CLIENTs.")
    List<String> devices = new ArrayList<>();

    /** Picocli's view of this command, for its streams. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.JSON);
        if (all == !devices.isEmpty() || (!all && devices.size() < 2)) {
            throw new UsageError(all ? "give either --all or PROVIDER CLIENT..., not both" : "check needs PROVIDER and at least one CLIENT, or --all");
        }
        LoadedMachine m = input.load();
        PciTopology t = m.topology();
        List<P2pVerdict> verdicts = new ArrayList<>();
        if (all) {
            MatrixSelection chosenPairs = selection.resolve(t);
            selection.checkSize("the check", (long) chosenPairs.providers().length * chosenPairs.clients().length, "");
            for (int p : chosenPairs.providers()) {
                for (int c : chosenPairs.clients()) {
                    verdicts.add(m.decision().verdict(p, c));
                }
            }
        } else {
            if (!selection.providers.isEmpty() || !selection.clients.isEmpty() || !selection.classes.isEmpty()) {
                throw new UsageError("--provider, --client and --class narrow --all; without it give PROVIDER CLIENT...");
            }
            int p = ExplainCommand.resolve(t, devices.get(0));
            for (String c : devices.subList(1, devices.size())) {
                verdicts.add(m.decision().verdict(p, ExplainCommand.resolve(t, c)));
            }
        }
        boolean ok = verdicts.stream().allMatch(v -> v.mapType() != MapType.NOT_SUPPORTED);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (chosen == OutputFormat.JSON) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("format", FORMAT);
            doc.put("ok", ok);
            List<Object> pairs = new ArrayList<>();
            for (P2pVerdict v : verdicts) {
                Map<String, Object> pair = new LinkedHashMap<>();
                pair.put("provider", v.provider().toString());
                pair.put("client", v.client().toString());
                pair.put("result", v.mapType() == MapType.NOT_SUPPORTED ? "FAIL" : "OK");
                pair.put("map_type", v.mapType().name());
                pair.put("distance", v.distance());
                pair.put("reason", reason(v));
                pairs.add(pair);
            }
            doc.put("pairs", pairs);
            doc.put("assumptions", m.assumptions());
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } else {
            PrintWriter text = TerminalText.writer(out);
            for (P2pVerdict v : verdicts) {
                text.println(line(v));
            }
            text.flush();
            for (String a : m.assumptions()) {
                err.println("p2pdma: note: " + TerminalText.printable(a));
            }
        }
        out.flush();
        err.flush();
        return ok ? 0 : EXIT_NOT_SUPPORTED;
    }

    /** The stable line: result, pair, map type and distance (when it means something), reason. */
    static String line(P2pVerdict v) {
        boolean pass = v.mapType() != MapType.NOT_SUPPORTED;
        return (pass ? "OK   " : "FAIL ") + v.provider() + " -> " + v.client() + " " + v.mapType()
                + (pass ? " distance " + v.distance() : "") + ": " + reason(v);
    }

    /** The verdict's explanation in one line: our reasons, without the kernel's own log lines. */
    static String reason(P2pVerdict v) {
        List<String> ours = v.reasons().stream().filter(r -> !v.kernelLog().contains(r)).toList();
        return String.join("; ", ours.isEmpty() ? v.reasons() : ours);
    }
}
