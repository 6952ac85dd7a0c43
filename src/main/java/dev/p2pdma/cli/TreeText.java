package dev.p2pdma.cli;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The tree view of {@code p2pdma topo}: host bridges, then each function with its type, ids,
 * ACS state (redirect flagged), link, driver, p2pmem and IOMMU group, indented below its bridge.
 * Names from the input are shown escaped ({@link TerminalText}).
 */
final class TreeText {

    private TreeText() {
    }

    static void write(LoadedMachine a, PrintWriter stream) {
        PrintWriter out = TerminalText.writer(stream);
        Header.write(a, out);
        PciTopology t = a.topology();
        for (int h = 0; h < t.hostBridges().size(); h++) {
            HostBridge hb = t.hostBridges().get(h);
            out.println();
            String dev = t.hostBridgeDevice(h).map(f -> "host bridge device " + f.address() + " " + f.idText()).orElse("no host bridge device (whitelist never matches)");
            out.println(hb.name() + "  [" + dev + "]");
            int[] kids = t.rootChildren(h);
            for (int k = 0; k < kids.length; k++) {
                walk(a, kids[k], "", k == kids.length - 1, out);
            }
        }
        out.flush();
    }

    private static void walk(LoadedMachine a, int i, String prefix, boolean last, PrintWriter out) {
        PciTopology t = a.topology();
        out.println(prefix + (last ? "└─ " : "├─ ") + describe(a, i));
        int[] kids = t.children(i);
        for (int k = 0; k < kids.length; k++) {
            walk(a, kids[k], prefix + (last ? "   " : "│  "), k == kids.length - 1, out);
        }
    }

    /** One line about a function. */
    static String describe(LoadedMachine a, int i) {
        PciFunction f = a.topology().function(i);
        List<String> parts = new ArrayList<>();
        parts.add(f.address() + " " + f.idText());
        parts.add(f.portType().label());
        f.description().ifPresent(d -> parts.add("\"" + d + "\""));
        f.busRange().ifPresent(r -> parts.add(String.format("bus %02x-%02x", r.secondary(), r.subordinate())));
        parts.add(switch (f.acs()) {
            case AcsState.Present p -> "ACS ctrl " + Acs.describe(p.controlBits()) + (Acs.redirects(p.controlBits()) ? " REDIRECT" : "");
            case AcsState.Absent x -> "no ACS";
            case AcsState.Unreadable u -> "ACS ctrl unreadable (" + u.reason() + ")";
            case AcsState.Unknown u -> "ACS unknown" + (a.decision().hasAcsRedirect(i) ? " (assumed REDIRECT)" : "");
        });
        if (!f.link().isUnknown()) {
            parts.add(f.link().describe());
        }
        f.driver().ifPresent(d -> parts.add("driver " + d));
        f.physfn().ifPresent(pf -> parts.add("VF of " + pf));
        if (!f.virtfns().isEmpty()) {
            parts.add(f.virtfns().size() + " VFs");
        }
        f.p2pmem().ifPresent(p -> parts.add("p2pmem " + (p.sizeBytes() >> 20) + " MiB (" + (p.availableBytes() >> 20) + " MiB free)"
                + (p.published() ? " published" : "")));
        f.iommuGroup().ifPresent(g -> parts.add("iommu group " + g));
        f.numaNode().ifPresent(n -> parts.add("numa " + n));
        return String.join("  ", parts);
    }
}
