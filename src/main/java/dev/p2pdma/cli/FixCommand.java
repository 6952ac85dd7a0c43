package dev.p2pdma.cli;

import dev.p2pdma.machine.AcsFixPlanner;
import dev.p2pdma.machine.AcsFixPlanner.ClearedPort;
import dev.p2pdma.machine.AcsFixPlanner.PairFix;
import dev.p2pdma.machine.AcsFixPlanner.Plan;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma fix}: the smallest kernel command-line change that makes the named pairs
 * P2P-capable, preferring BUS_ADDR ({@link AcsFixPlanner}), each proposal checked by booting the
 * machine with it as {@code --kernel-param} does, with the IOMMU groups before and after and the
 * functions that lose isolation. Filled by picocli; not thread-safe.
 */
@Command(name = "fix", mixinStandardHelpOptions = true,
        description = "The smallest kernel command-line change (pci=disable_acs_redir=..., pci=config_acs=...) that makes PROVIDER and each CLIENT "
                + "P2P-capable, preferring BUS_ADDR: per pair the map type now and with the change (booted as --kernel-param does), the ACS "
                + "registers it rewrites, the IOMMU groups before and after and the functions that lose isolation; when no parameter can help, "
                + "what would. --format: text (default) or json ({\"format\": \"p2pdma-fix/1\", \"pairs\": [...]}; docs/json-output.md).",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:every pair is P2P-capable with the proposed command line", Main.EXIT_1_HELP, Main.EXIT_2_HELP,
                "3:at least one pair stays NOT_SUPPORTED whatever the command line"})
final class FixCommand implements Callable<Integer> {

    /** The {@code format} of the JSON output. */
    static final String FORMAT = "p2pdma-fix/1";
    /** The JSON writer. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** Input and what-if options. */
    @Mixin
    InputOptions input;

    /** Output format: text or json. */
    @Mixin
    FormatOption format;

    /** PROVIDER then CLIENT.... */
    @Parameters(arity = "2..*", paramLabel = "BDF", description = "PROVIDER, then one or more CLIENTs.")
    List<String> devices = new ArrayList<>();

    /** Picocli's view of this command, for its streams. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.JSON);
        PciTopology imported = input.read();
        LoadedMachine m = input.boot(imported, List.of());
        PciTopology t = m.topology();
        int p = ExplainCommand.resolve(t, devices.get(0));
        List<int[]> pairs = new ArrayList<>();
        for (String c : devices.subList(1, devices.size())) {
            pairs.add(new int[]{p, ExplainCommand.resolve(t, c)});
        }
        Plan plan = AcsFixPlanner.plan(m, extra -> input.boot(imported, extra), pairs);
        PrintWriter out = spec.commandLine().getOut();
        if (chosen == OutputFormat.JSON) {
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json(m, plan)));
        } else {
            writeText(m, plan, TerminalText.writer(out));
        }
        out.flush();
        return plan.allCapable() ? 0 : CheckCommand.EXIT_NOT_SUPPORTED;
    }

    /** The plan as text: the header, one block per pair, then the line for the boot loader. */
    static void writeText(LoadedMachine m, Plan plan, PrintWriter out) {
        Header.write(m, out);
        for (PairFix f : plan.pairs()) {
            out.println();
            String head = f.now().provider() + " -> " + f.now().client() + ": " + f.now().mapType() + " now";
            if (!f.kernelParams().isEmpty()) {
                head += ", " + f.after() + " with " + String.join(" ", f.kernelParams());
            } else if (!f.fixable()) {
                head += "; no kernel parameter helps";
            }
            out.println(head);
            for (ClearedPort c : f.cleared()) {
                out.println("  acs:    " + c.address() + " ctrl " + ctrl(c.controlNow()) + " -> " + ctrl(c.controlAfter()) + " (" + c.list()
                        + "; P2P redirect reads RR, CR, EC; IOMMU isolation needs SV, RR, CR, UF)");
            }
            for (String w : f.why()) {
                out.println("  why:    " + w);
            }
            if (!f.kernelParams().isEmpty() && !f.groupsBefore().isEmpty()) {
                Set<PciAddress> touched = new TreeSet<>(f.loseIsolation());
                out.println("  groups: before " + groupsText(f.groupsBefore(), touched));
                out.println("          after  " + groupsText(f.groupsAfter(), touched));
                out.println("  loses isolation: " + (f.loseIsolation().isEmpty() ? "none" : join(f.loseIsolation())));
            }
        }
        out.println();
        if (plan.kernelParams().isEmpty()) {
            out.println(plan.allCapable() ? "boot loader: nothing to change" : "boot loader: no kernel parameter helps (see above)");
        } else {
            out.println("boot loader: add to the kernel command line" + (plan.currentPci().isEmpty() ? ""
                    : " in place of " + String.join(" ", plan.currentPci())) + " (GRUB: GRUB_CMDLINE_LINUX in /etc/default/grub"
                    + (String.join(" ", plan.kernelParams()).contains(";") ? ", single-quoted because ';' ends a GRUB command" : "")
                    + ", then update-grub or grub2-mkconfig):");
            out.println("  " + String.join(" ", plan.kernelParams()));
            List<String> after = new ArrayList<>();
            for (int k = 0; k < plan.pairs().size(); k++) {
                PairFix f = plan.pairs().get(k);
                after.add(f.now().provider() + " -> " + f.now().client() + " " + plan.afterAll().get(k));
            }
            out.println("  with it: " + String.join(", ", after));
            out.println("  loses isolation: " + (plan.loseIsolation().isEmpty() ? "none" : join(plan.loseIsolation())));
        }
        out.flush();
    }

    /** The groups that hold a touched function, as "1: a b | 3: c". */
    private static String groupsText(SortedMap<Integer, List<PciAddress>> groups, Set<PciAddress> touched) {
        List<String> out = new ArrayList<>();
        groups.forEach((n, members) -> {
            if (members.stream().anyMatch(touched::contains)) {
                out.add(n + ": " + String.join(" ", members.stream().map(PciAddress::toString).toList()));
            }
        });
        return out.isEmpty() ? "(unchanged)" : String.join(" | ", out);
    }

    private static String ctrl(int value) {
        return String.format("0x%04x", value) + " (" + (value == 0 ? "none" : String.join(" ", Acs.bitNames(value))) + ")";
    }

    private static String join(List<PciAddress> addresses) {
        return String.join(", ", addresses.stream().map(PciAddress::toString).toList());
    }

    /** The JSON document: the per-pair shape plus the combined command line. */
    static Map<String, Object> json(LoadedMachine m, Plan plan) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        List<Object> pairs = new ArrayList<>();
        for (int k = 0; k < plan.pairs().size(); k++) {
            PairFix f = plan.pairs().get(k);
            Map<String, Object> pair = new LinkedHashMap<>();
            pair.put("provider", f.now().provider().toString());
            pair.put("client", f.now().client().toString());
            pair.put("map_type_now", f.now().mapType().name());
            pair.put("fixable", f.fixable());
            pair.put("kernel_params", f.kernelParams());
            pair.put("map_type_after", f.after().name());
            List<Object> acs = new ArrayList<>();
            for (ClearedPort c : f.cleared()) {
                Map<String, Object> port = new LinkedHashMap<>();
                port.put("device", c.address().toString());
                port.put("list", c.list());
                port.put("ctrl_now", String.format("0x%04x", c.controlNow()));
                port.put("ctrl_after", String.format("0x%04x", c.controlAfter()));
                port.put("bits_now", Acs.bitNames(c.controlNow()));
                port.put("bits_after", Acs.bitNames(c.controlAfter()));
                acs.add(port);
            }
            pair.put("acs", acs);
            pair.put("groups_before", groupsJson(f.groupsBefore()));
            pair.put("groups_after", groupsJson(f.groupsAfter()));
            pair.put("lose_isolation", f.loseIsolation().stream().map(PciAddress::toString).toList());
            pair.put("why", f.why());
            pairs.add(pair);
        }
        doc.put("pairs", pairs);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("kernel_params", plan.kernelParams());
        all.put("replaces", plan.currentPci());
        all.put("map_types_after", plan.afterAll().stream().map(MapType::name).toList());
        all.put("lose_isolation", plan.loseIsolation().stream().map(PciAddress::toString).toList());
        all.put("ok", plan.allCapable());
        doc.put("combined", all);
        doc.put("assumptions", m.assumptions());
        return doc;
    }

    private static Map<String, List<String>> groupsJson(SortedMap<Integer, List<PciAddress>> groups) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        groups.forEach((n, members) -> out.put(Integer.toString(n), members.stream().map(PciAddress::toString).toList()));
        return out;
    }
}
