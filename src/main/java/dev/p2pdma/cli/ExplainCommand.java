package dev.p2pdma.cli;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.AcsBit;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.runtime.GdsDataPlane;
import dev.p2pdma.runtime.RuntimeDecision;
import dev.p2pdma.runtime.RuntimeOptions;
import dev.p2pdma.runtime.RuntimeVerdicts;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code p2pdma explain PROVIDER CLIENT...}: the upstream walk step by step and the verdict. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Walk the kernel's decision step by step for one provider and one or more clients (as pci_p2pdma_distance_many() does). --format: text (default) or json.",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the walk and verdict were written, whatever the verdict: NOT_SUPPORTED is status 0 too (the command worked; read map_type or the verdict line)", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class ExplainCommand implements Callable<Integer> {

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** The provider address. */
    @Parameters(index = "0", paramLabel = "PROVIDER", description = "The function whose memory is used, e.g. 0000:03:00.0 or 03:00.0.")
    String provider;

    /** The client addresses. */
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CLIENT", description = "The functions that would DMA to it.")
    List<String> clients;

    /** Output format: text or json. */
    @Mixin
    FormatOption format;

    /** Whether to explain every ACS bit of the functions on each path. */
    @Option(names = "--acs", description = "Explain every ACS capability and control bit of the functions on each path: its name, whether it is set,"
            + " and which rule reads it (P2PDMA redirect: RR, CR, EC; IOMMU isolation: SV, RR, CR, UF).")
    boolean acs;

    /** The runtime settings (NCCL_P2P_LEVEL). */
    @Mixin
    RuntimeOption runtime;

    /** Picocli's view of this command. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.JSON);
        RuntimeOptions runtimeOptions = runtime.options();
        LoadedMachine a = input.load();
        RuntimeVerdicts rt = RuntimeVerdicts.of(a, runtimeOptions);
        PciTopology t = a.topology();
        int p = resolve(t, provider);
        int[] cs = clients.stream().mapToInt(c -> resolve(t, c)).toArray();
        List<P2pVerdict> verdicts = new ArrayList<>();
        for (int c : cs) {
            verdicts.add(a.decision().explain(p, c));
        }
        int many = a.decision().distanceMany(p, cs, false, KernelLog.discard());
        List<List<RuntimeDecision>> runtimes = runtimes(a, rt, p, cs, verdicts);
        PrintWriter out = spec.commandLine().getOut();
        if (chosen == OutputFormat.JSON) {
            VerdictJson.writeExplain(a, runtimes, verdicts, many, out);
        } else {
            writeText(a, runtimes, p, cs, verdicts, many, acs, TerminalText.writer(out));
        }
        out.flush();
        return 0;
    }

    /**
     * Each pair's runtime decisions, GDS run through the data plane where the client is an NVMe
     * controller and the provider has p2pmem (as {@code odirect} runs it), derived otherwise.
     */
    private static List<List<RuntimeDecision>> runtimes(LoadedMachine a, RuntimeVerdicts rt, int p, int[] cs, List<P2pVerdict> verdicts) {
        PciTopology t = a.topology();
        List<Optional<RuntimeDecision>> ran = GdsDataPlane.run(a, t.function(p).address(),
                verdicts.stream().map(P2pVerdict::client).toList(), verdicts.stream().map(P2pVerdict::mapType).toList());
        List<List<RuntimeDecision>> out = new ArrayList<>();
        for (int k = 0; k < cs.length; k++) {
            List<RuntimeDecision> derived = rt.decide(p, cs[k], verdicts.get(k).mapType());
            out.add(ran.get(k).map(g -> RuntimeVerdicts.with(derived, g)).orElse(derived));
        }
        return out;
    }

    /** The walk and verdict of each pair as text, input text escaped ({@link TerminalText}). */
    private static void writeText(LoadedMachine a, List<List<RuntimeDecision>> runtimes, int p, int[] cs, List<P2pVerdict> verdicts, int many,
            boolean acs, PrintWriter out) {
        PciTopology t = a.topology();
        Header.write(a, out);
        for (int k = 0; k < verdicts.size(); k++) {
            P2pVerdict v = verdicts.get(k);
            out.println();
            out.println(v.provider() + " -> " + v.client() + ": " + v.mapType() + ", distance " + v.distance());
            for (String s : v.steps()) {
                out.println("  " + s);
            }
            if (!v.kernelLog().isEmpty()) {
                out.println("  the kernel prints:");
                v.kernelLog().forEach(l -> out.println("    " + l));
            }
            v.reasons().stream().filter(r -> r.startsWith("assumed:")).forEach(r -> out.println("  " + r));
            out.println("  path: " + String.join(" -> ", v.path()));
            if (acs) {
                for (String hop : v.path()) {
                    PciAddress.tryParse(hop).flatMap(t::function).ifPresent(f -> AcsBit.explain(f).forEach(l -> out.println("  " + l)));
                }
            }
            out.println("  Runtimes:");
            for (RuntimeDecision d : runtimes.get(k)) {
                out.println("    " + d.line());
            }
        }
        if (cs.length > 1) {
            out.println();
            out.println("pci_p2pdma_distance_many(" + t.function(p).address() + ", " + cs.length + " clients) = " + many
                    + (many < 0 ? " (at least one client cannot use this provider)" : ""));
        }
        out.flush();
    }

    /** An address the user typed, with the domain optional, that must exist. */
    static int resolve(PciTopology t, String text) {
        Optional<PciAddress> a = PciAddress.tryParse(text);
        if (a.isEmpty()) {
            throw new UsageError("not a PCI address: '" + text + "' (expected [domain:]bus:device.function, e.g. 0000:03:00.0)");
        }
        int i = t.indexOf(a.get());
        if (i < 0) {
            throw new UsageError("no PCI function " + a.get() + " in " + t.machine().source());
        }
        return i;
    }
}
