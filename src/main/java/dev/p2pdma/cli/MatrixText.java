package dev.p2pdma.cli;

import dev.p2pdma.sim.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciAddress;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text matrix: a grid in the spirit of {@code nvidia-smi topo -m} with kernel map types, a
 * legend, and the reasons for every "no" grouped by cause.
 */
final class MatrixText {

    /** Pairs listed per cause before "and N more". */
    private static final int PAIRS_SHOWN = 6;

    private MatrixText() {
    }

    static void write(LoadedMachine a, P2pMatrix m, PrintWriter out) {
        Header.write(a, out);
        out.println();
        int n = m.size();
        if (n == 0) {
            out.println("no non-bridge PCI functions");
            return;
        }
        boolean allDomainZero = true;
        for (int k = 0; k < n; k++) {
            allDomainZero &= m.topology().function(m.endpoint(k)).address().domain() == 0;
        }
        String[] names = new String[n];
        int width = 0;
        for (int k = 0; k < n; k++) {
            PciAddress ad = m.topology().function(m.endpoint(k)).address();
            names[k] = allDomainZero ? ad.toString().substring(5) : ad.toString();
            width = Math.max(width, names[k].length());
        }
        int cell = 7;
        StringBuilder head = new StringBuilder(pad("provider\\client", width + 2));
        for (int k = 0; k < n; k++) {
            head.append(pad(names[k], Math.max(cell, names[k].length() + 1)));
        }
        out.println(head.toString().stripTrailing());
        for (int i = 0; i < n; i++) {
            StringBuilder row = new StringBuilder(pad(names[i], width + 2));
            for (int j = 0; j < n; j++) {
                row.append(pad(code(m.mapType(i, j)) + m.distance(i, j), Math.max(cell, names[j].length() + 1)));
            }
            out.println(row.toString().stripTrailing());
        }
        out.println();
        out.println("Legend (Linux pci_p2pdma_map_type; the number is the kernel's distance):");
        out.println("  BUS = BUS_ADDR          through PCIe switches only: the client is given PCI bus addresses");
        out.println("  HB  = THRU_HOST_BRIDGE  through the host bridge, allowed: mapped like RAM (CPU address or IOVA)");
        out.println("  NO  = NOT_SUPPORTED     through a host bridge the kernel does not allow: dma_map_sg fails with -EREMOTEIO");
        writeReasons(m, out);
    }

    static String code(MapType t) {
        return switch (t) {
            case BUS_ADDR -> "BUS";
            case THRU_HOST_BRIDGE -> "HB";
            case NOT_SUPPORTED -> "NO";
            default -> "?";
        };
    }

    /** Groups the NOT_SUPPORTED pairs by their explanation and prints each cause once. */
    private static void writeReasons(P2pMatrix m, PrintWriter out) {
        Map<String, List<String>> byCause = new LinkedHashMap<>();
        int n = m.size();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (m.mapType(i, j) != MapType.NOT_SUPPORTED) {
                    continue;
                }
                P2pVerdict v = m.verdict(i, j);
                String cause = String.join("\n    ", causeLines(v));
                byCause.computeIfAbsent(cause, k -> new ArrayList<>()).add(v.provider() + "->" + v.client());
            }
        }
        if (byCause.isEmpty()) {
            return;
        }
        out.println();
        out.println("Why not:");
        for (Map.Entry<String, List<String>> e : byCause.entrySet()) {
            List<String> pairs = e.getValue();
            out.println("  " + pairs.size() + " pair(s): " + String.join(", ", pairs.subList(0, Math.min(PAIRS_SHOWN, pairs.size())))
                    + (pairs.size() > PAIRS_SHOWN ? ", and " + (pairs.size() - PAIRS_SHOWN) + " more" : ""));
            out.println("    " + e.getKey());
        }
        out.println("  (p2pdma explain PROVIDER CLIENT shows the walk and the kernel's own log lines for one pair)");
    }

    /** The explanation lines of a verdict without the pair-specific kernel lines. */
    private static List<String> causeLines(P2pVerdict v) {
        List<String> out = new ArrayList<>();
        for (String r : v.reasons()) {
            if (!v.kernelLog().contains(r)) {
                out.add(r);
            }
        }
        v.kernelLog().stream().filter(l -> l.contains("pci=disable_acs_redir=")).findFirst()
                .ifPresent(l -> out.add("fix: add the kernel parameter " + l.substring(l.indexOf("pci=disable_acs_redir="))));
        return out;
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s + " " : s + " ".repeat(w - s.length());
    }
}
