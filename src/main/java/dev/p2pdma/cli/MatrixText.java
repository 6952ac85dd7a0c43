package dev.p2pdma.cli;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.machine.LoadedMachine;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The text matrix: a grid in the spirit of {@code nvidia-smi topo -m} with kernel map types, a
 * summary line counting each map type, a legend, and the reasons for every "no" grouped by cause.
 *
 * <p>Rows are computed one at a time and "no" pairs are kept per cause as a count and the first
 * few pairs, so memory is linear in the number of columns whatever the number of pairs. Row
 * labels carry device names when the whole grid with them fits the given width. Stateless.
 */
final class MatrixText {

    /** Separates the lines of one cause in its grouping key (a character no reason line contains). */
    private static final String CAUSE_LINE_BREAK = "\u0000";

    /** Pairs listed per cause before "and N more". */
    private static final int PAIRS_SHOWN = 6;
    /** Widest grid drawn without --force, in client columns. */
    static final int MAX_GRID_COLUMNS = 200;
    /** Device names longer than this are cut (with "...") in row labels. */
    static final int MAX_NAME_CHARS = 48;
    /** Narrowest cell. */
    private static final int CELL_CHARS = 7;

    /**
     * The NOT_SUPPORTED pairs of one cause: how many, and the first few. Not thread-safe.
     */
    private static final class Cause {
        /** Pairs with this cause. */
        private long count;
        /** The first {@link #PAIRS_SHOWN} of them, "provider->client". */
        private final List<String> first = new ArrayList<>(PAIRS_SHOWN);
    }

    private MatrixText() {
    }

    /**
     * Writes the matrix.
     *
     * @param names    the device name of a topology index, when known
     * @param width    the terminal width in characters: names are shown only when the grid with them fits
     * @param drawGrid whether to draw the grid (false: summary and reasons only, with a line saying why)
     */
    static void write(LoadedMachine a, P2pMatrix m, Function<Integer, Optional<String>> names, int width, boolean drawGrid, PrintWriter out) {
        Header.write(a, out);
        out.println();
        if (m.rows() == 0 || m.columns() == 0) {
            out.println("no non-bridge PCI functions");
            return;
        }
        boolean allDomainZero = true;
        for (int k = 0; k < m.rows(); k++) {
            allDomainZero &= m.topology().function(m.provider(k)).address().domain() == 0;
        }
        for (int k = 0; k < m.columns(); k++) {
            allDomainZero &= m.topology().function(m.client(k)).address().domain() == 0;
        }
        int[] columnWidths = new int[m.columns()];
        String[] columnNames = new String[m.columns()];
        long gridChars = 0;
        for (int k = 0; k < m.columns(); k++) {
            columnNames[k] = shortName(m.topology().function(m.client(k)).address(), allDomainZero);
            columnWidths[k] = Math.max(CELL_CHARS, columnNames[k].length() + 1);
            gridChars += columnWidths[k];
        }
        String[] rowNames = new String[m.rows()];
        int labelChars = 0;
        int labelWithNamesChars = 0;
        for (int k = 0; k < m.rows(); k++) {
            rowNames[k] = shortName(m.topology().function(m.provider(k)).address(), allDomainZero);
            labelChars = Math.max(labelChars, rowNames[k].length());
            labelWithNamesChars = Math.max(labelWithNamesChars, rowNames[k].length() + names.apply(m.provider(k)).map(n -> 2 + cut(n).length()).orElse(0));
        }
        boolean withNames = labelWithNamesChars > labelChars && labelWithNamesChars + 2 + gridChars <= width;
        if (withNames) {
            labelChars = labelWithNamesChars;
            for (int k = 0; k < m.rows(); k++) {
                String addr = rowNames[k];
                rowNames[k] = names.apply(m.provider(k)).map(n -> addr + "  " + cut(n)).orElse(addr);
            }
        }
        if (drawGrid) {
            StringBuilder head = new StringBuilder(pad("provider\\client", labelChars + 2));
            for (int k = 0; k < m.columns(); k++) {
                head.append(pad(columnNames[k], columnWidths[k]));
            }
            out.println(head.toString().stripTrailing());
        }
        long[] counts = new long[MapType.values().length];
        Map<String, Cause> byCause = new LinkedHashMap<>();
        long[] row = new long[m.columns()];
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < m.rows(); i++) {
            m.row(i, row);
            line.setLength(0);
            line.append(pad(rowNames[i], labelChars + 2));
            for (int j = 0; j < m.columns(); j++) {
                MapType t = P2pDmaDecision.mapTypeOf(row[j]);
                counts[t.ordinal()]++;
                if (drawGrid) {
                    line.append(pad(code(t) + P2pDmaDecision.distanceOf(row[j]), columnWidths[j]));
                }
                if (t == MapType.NOT_SUPPORTED) {
                    addCause(m.verdict(i, j), byCause);
                }
            }
            if (drawGrid) {
                out.println(line.toString().stripTrailing());
            }
        }
        if (!drawGrid) {
            out.println(String.format(java.util.Locale.ROOT, "grid not drawn: %,d clients are more than %d columns "
                    + "(select with --client BDF or --class nvme|gpu|nic|..., or add --force)", m.columns(), MAX_GRID_COLUMNS));
        }
        out.println();
        out.println(String.format(java.util.Locale.ROOT, "pairs: %,d (BUS %,d, HB %,d, NO %,d)", m.pairCount(), counts[MapType.BUS_ADDR.ordinal()],
                counts[MapType.THRU_HOST_BRIDGE.ordinal()], counts[MapType.NOT_SUPPORTED.ordinal()]));
        out.println();
        out.println("Legend (Linux pci_p2pdma_map_type; the number is the kernel's distance):");
        out.println("  BUS = BUS_ADDR          through PCIe switches only: the client is given PCI bus addresses");
        out.println("  HB  = THRU_HOST_BRIDGE  through the host bridge, allowed: mapped like RAM (CPU address or IOVA)");
        out.println("  NO  = NOT_SUPPORTED     through a host bridge the kernel does not allow: dma_map_sg fails with -EREMOTEIO");
        writeReasons(byCause, out);
    }

    static String code(MapType t) {
        return switch (t) {
            case BUS_ADDR -> "BUS";
            case THRU_HOST_BRIDGE -> "HB";
            case NOT_SUPPORTED -> "NO";
            default -> "?";
        };
    }

    private static String shortName(PciAddress a, boolean allDomainZero) {
        return allDomainZero ? a.toString().substring(5) : a.toString();
    }

    private static String cut(String name) {
        return name.length() <= MAX_NAME_CHARS ? name : name.substring(0, MAX_NAME_CHARS - 3) + "...";
    }

    /** Counts a NOT_SUPPORTED pair under its cause, keeping only the first few pairs. */
    private static void addCause(P2pVerdict v, Map<String, Cause> byCause) {
        Cause c = byCause.computeIfAbsent(String.join(CAUSE_LINE_BREAK, causeLines(v)), k -> new Cause());
        c.count++;
        if (c.first.size() < PAIRS_SHOWN) {
            c.first.add(v.provider() + "->" + v.client());
        }
    }

    /** Prints each cause of the NOT_SUPPORTED pairs once. */
    private static void writeReasons(Map<String, Cause> byCause, PrintWriter out) {
        if (byCause.isEmpty()) {
            return;
        }
        out.println();
        out.println("Why not:");
        for (Map.Entry<String, Cause> e : byCause.entrySet()) {
            Cause c = e.getValue();
            out.println("  " + c.count + " pair(s): " + String.join(", ", c.first) + (c.count > c.first.size() ? ", and " + (c.count - c.first.size()) + " more" : ""));
            for (String line : e.getKey().split(CAUSE_LINE_BREAK, -1)) {
                out.println("    " + line);
            }
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
