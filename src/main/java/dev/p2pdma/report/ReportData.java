package dev.p2pdma.report;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.pci.PciTopology;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The report's data blob: the tree's nodes and every matrix cell, as one JSON object the page's
 * script reads. Every cell is there whatever the machine's size, compactly:
 *
 * <ul>
 *   <li>{@code layout}: the {@link TreeLayout} constants the script lays out with;</li>
 *   <li>{@code nodes}: per layout row {@code k} (hb/fn), {@code key}, {@code ids}, {@code name},
 *       {@code detail}, {@code parent} and {@code up} (the row of {@code pci_upstream_bridge()}) rows,
 *       {@code hb} (row of its host bridge), {@code ep} (matrix index or -1), {@code group}, {@code w};</li>
 *   <li>{@code templates}: distinct reason lines with the pair's provider, client and common
 *       upstream addresses replaced by U+0001, U+0002 and U+0003; {@code sets}: distinct lists of
 *       template indexes;</li>
 *   <li>{@code cells}: per provider (matrix row) the run-length-coded cells
 *       {@code LETTERdistance.set*count} joined by commas (letters B, H, X as in {@link MapTypeStyle});</li>
 *   <li>{@code paths}: the route of a cell, keyed {@code "row,column"}, only where it differs from
 *       the route the script derives from the tree (provider chain up to the nearest common upstream
 *       device and down, or across the host bridge(s)); normally empty;</li>
 *   <li>{@code rtLines}, {@code rtSets}, {@code rt}: what each runtime decides for a cell
 *       ({@link RuntimeCells}): distinct lines, distinct sets of them, and per provider row the
 *       run-length-coded set of each cell {@code set*count}.</li>
 * </ul>
 *
 * Deterministic: templates and sets are numbered in first-use order ({@link MatrixCells}). Stateless
 * and thread-safe.
 */
public final class ReportData {

    /** The factory that makes generators (a streaming factory: no object mapper to set up). */
    private static final JsonFactory FACTORY = new JsonFactory();
    /** Stands for the provider's address in a template. */
    static final char PROVIDER_TOKEN = '\u0001';
    /** Stands for the client's address in a template. */
    static final char CLIENT_TOKEN = '\u0002';
    /** Stands for the common upstream device's address in a template. */
    static final char COMMON_TOKEN = '\u0003';

    private ReportData() {
    }

    /**
     * The JSON text of the blob (not yet made safe for a script element: see {@link Markup#scriptSafeJson})
     * with the matrix part already computed ({@link MatrixCells#compute}).
     */
    static String json(ReportModel model, P2pMatrix matrix, boolean fullTable, MatrixCells cells, RuntimeCells runtimes) {
        StringWriter w = new StringWriter(1 << 16);
        try (JsonGenerator g = FACTORY.createGenerator(ObjectWriteContext.empty(), w)) {
            g.writeStartObject();
            g.writeNumberProperty("version", 1);
            g.writeBooleanProperty("fullTable", fullTable);
            g.writeName("layout");
            g.writeStartObject();
            g.writeNumberProperty("row", TreeLayout.ROW_HEIGHT_PX);
            g.writeNumberProperty("box", TreeLayout.BOX_HEIGHT_PX);
            g.writeNumberProperty("indent", TreeLayout.INDENT_PX);
            g.writeNumberProperty("left", TreeLayout.MARGIN_LEFT_PX);
            g.writeNumberProperty("top", TreeLayout.MARGIN_TOP_PX);
            g.writeEndObject();
            writeNodes(model, matrix, g);
            g.writeName("endpoints");
            g.writeStartArray();
            for (int k = 0; k < matrix.size(); k++) {
                g.writeNumber(model.layout().rowOfFunction(matrix.endpoint(k)));
            }
            g.writeEndArray();
            writeCells(cells, g);
            writeRuntimes(runtimes, g);
            g.writeEndObject();
        }
        return w.toString();
    }

    private static void writeNodes(ReportModel model, P2pMatrix matrix, JsonGenerator g) {
        PciTopology t = model.topology();
        TreeLayout layout = model.layout();
        int[] endpointIndex = new int[t.size()];
        java.util.Arrays.fill(endpointIndex, -1);
        for (int k = 0; k < matrix.size(); k++) {
            endpointIndex[matrix.endpoint(k)] = k;
        }
        g.writeName("nodes");
        g.writeStartArray();
        for (int r = 0; r < layout.rows(); r++) {
            TreeLayout.Placed p = layout.nodes().get(r);
            NodeLabel l = model.label(r);
            g.writeStartObject();
            switch (p.node()) {
                case TreeNode.HostBridgeNode h -> {
                    g.writeStringProperty("k", "hb");
                    g.writeNumberProperty("up", -1);
                    g.writeNumberProperty("hb", r);
                    g.writeNumberProperty("ep", -1);
                    g.writeNumberProperty("group", -1);
                }
                case TreeNode.FunctionNode f -> {
                    int i = f.function();
                    g.writeStringProperty("k", "fn");
                    g.writeNumberProperty("up", t.upstream(i) < 0 ? -1 : layout.rowOfFunction(t.upstream(i)));
                    g.writeNumberProperty("hb", layout.rowOfHostBridge(t.hostBridgeIndexOf(i)));
                    g.writeNumberProperty("ep", endpointIndex[i]);
                    g.writeNumberProperty("group", model.iommuGroupOf(i));
                }
            }
            g.writeStringProperty("key", l.key());
            g.writeStringProperty("ids", l.ids());
            g.writeStringProperty("name", l.name());
            g.writeStringProperty("detail", l.detail());
            g.writeNumberProperty("parent", p.parent());
            g.writeNumberProperty("depth", p.depth());
            g.writeNumberProperty("w", SvgTree.boxWidthPx(l));
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeCells(MatrixCells cells, JsonGenerator g) {
        g.writeName("templates");
        g.writeStartArray();
        for (String s : cells.templates()) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeName("sets");
        g.writeStartArray();
        for (List<Integer> s : cells.sets()) {
            g.writeStartArray();
            for (int x : s) {
                g.writeNumber(x);
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeName("cells");
        g.writeStartArray();
        for (String s : cells.rows()) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeName("paths");
        g.writeStartObject();
        for (Map.Entry<String, List<String>> e : cells.paths().entrySet()) {
            g.writeName(e.getKey());
            g.writeStartArray();
            for (String s : e.getValue()) {
                g.writeString(s);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeRuntimes(RuntimeCells runtimes, JsonGenerator g) {
        g.writeName("rtLines");
        g.writeStartArray();
        for (String s : runtimes.lines()) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeName("rtSets");
        g.writeStartArray();
        for (List<Integer> set : runtimes.sets()) {
            g.writeStartArray();
            for (int x : set) {
                g.writeNumber(x);
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeName("rt");
        g.writeStartArray();
        for (String s : runtimes.rows()) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    /** The letter of a matrix map type. */
    static char letter(MapType t) {
        return MapTypeStyle.of(t).letter();
    }

    /**
     * A reason line with the pair's addresses replaced by tokens. Token characters already in the
     * line (the decision writes no control characters, so never in practice) become U+FFFD so
     * that the script's substitution cannot misread them.
     */
    static String template(String reason, String provider, String client, String common) {
        String s = reason.replace(PROVIDER_TOKEN, '\uFFFD').replace(CLIENT_TOKEN, '\uFFFD').replace(COMMON_TOKEN, '\uFFFD')
                .replace(provider, String.valueOf(PROVIDER_TOKEN)).replace(client, String.valueOf(CLIENT_TOKEN));
        return common.isEmpty() ? s : s.replace(common, String.valueOf(COMMON_TOKEN));
    }

    /** The route the page's script derives from the tree; the same rule as the decision's path. */
    static List<String> derivedPath(PciTopology t, String[] names, String[] hostBridgeNames, int provider, int client,
                                    Map<Integer, int[]> chains) {
        int[] pc = chains.computeIfAbsent(provider, t::chain);
        int[] cc = chains.computeIfAbsent(client, t::chain);
        List<String> out = new ArrayList<>(pc.length + cc.length + 2);
        for (int i = 0; i < pc.length; i++) {
            for (int j = 0; j < cc.length; j++) {
                if (pc[i] == cc[j]) {
                    for (int a = 0; a <= i; a++) {
                        out.add(names[pc[a]]);
                    }
                    for (int b = j - 1; b >= 0; b--) {
                        out.add(names[cc[b]]);
                    }
                    return out;
                }
            }
        }
        for (int a : pc) {
            out.add(names[a]);
        }
        String hp = hostBridgeNames[t.hostBridgeIndexOf(provider)];
        String hc = hostBridgeNames[t.hostBridgeIndexOf(client)];
        out.add(hp);
        if (!hp.equals(hc)) {
            out.add(hc);
        }
        for (int b = cc.length - 1; b >= 0; b--) {
            out.add(names[cc[b]]);
        }
        return out;
    }
}
