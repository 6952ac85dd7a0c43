package dev.p2pdma.report;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciTopology;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

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
 *       device and down, or across the host bridge(s)); normally empty.</li>
 * </ul>
 *
 * Deterministic: templates and sets are numbered in first-use order. Stateless and thread-safe.
 */
public final class ReportData {

    /** The mapper that makes generators. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    /** Stands for the provider's address in a template. */
    static final char PROVIDER_TOKEN = '\u0001';
    /** Stands for the client's address in a template. */
    static final char CLIENT_TOKEN = '\u0002';
    /** Stands for the common upstream device's address in a template. */
    static final char COMMON_TOKEN = '\u0003';

    private ReportData() {
    }

    /** The JSON text of the blob (not yet made safe for a script element: see {@link Markup#scriptSafeJson}). */
    public static String json(ReportModel model, P2pMatrix matrix, boolean fullTable) {
        StringWriter w = new StringWriter(1 << 16);
        try (JsonGenerator g = MAPPER.createGenerator(w)) {
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
            writeCells(model, matrix, g);
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

    private static void writeCells(ReportModel model, P2pMatrix matrix, JsonGenerator g) {
        Map<String, Integer> templates = new LinkedHashMap<>();
        Map<List<Integer>, Integer> sets = new LinkedHashMap<>();
        Map<String, List<String>> pathOverrides = new LinkedHashMap<>();
        Map<Integer, int[]> chains = new HashMap<>();
        PciTopology t = model.topology();
        String[] names = new String[t.size()];
        for (int f = 0; f < names.length; f++) {
            names[f] = t.function(f).address().toString();
        }
        int n = matrix.size();
        List<String> rows = new ArrayList<>(n);
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < n; i++) {
            row.setLength(0);
            String runKey = null;
            int runCount = 0;
            for (int j = 0; j < n; j++) {
                P2pVerdict v = matrix.verdict(i, j);
                String p = v.provider().toString();
                String c = v.client().toString();
                String u = v.commonUpstream().map(Object::toString).orElse("");
                List<Integer> set = new ArrayList<>(v.reasons().size());
                for (String reason : v.reasons()) {
                    String tpl = template(reason, p, c, u);
                    set.add(templates.computeIfAbsent(tpl, k -> templates.size()));
                }
                int setIndex = sets.computeIfAbsent(List.copyOf(set), k -> sets.size());
                List<String> derived = derivedPath(t, names, matrix.endpoint(i), matrix.endpoint(j), chains);
                if (!derived.equals(v.path())) {
                    pathOverrides.put(i + "," + j, v.path());
                }
                String key = String.valueOf(letter(v.mapType())) + v.distance() + "." + setIndex;
                if (key.equals(runKey)) {
                    runCount++;
                } else {
                    appendRun(row, runKey, runCount);
                    runKey = key;
                    runCount = 1;
                }
            }
            appendRun(row, runKey, runCount);
            rows.add(row.toString());
        }
        g.writeName("templates");
        g.writeStartArray();
        for (String s : templates.keySet()) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeName("sets");
        g.writeStartArray();
        for (List<Integer> s : sets.keySet()) {
            g.writeStartArray();
            for (int x : s) {
                g.writeNumber(x);
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeName("cells");
        g.writeStartArray();
        for (String s : rows) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeName("paths");
        g.writeStartObject();
        for (Map.Entry<String, List<String>> e : pathOverrides.entrySet()) {
            g.writeName(e.getKey());
            g.writeStartArray();
            for (String s : e.getValue()) {
                g.writeString(s);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void appendRun(StringBuilder row, String key, int count) {
        if (key == null) {
            return;
        }
        if (!row.isEmpty()) {
            row.append(',');
        }
        row.append(key).append('*').append(count);
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
    static List<String> derivedPath(PciTopology t, String[] names, int provider, int client, Map<Integer, int[]> chains) {
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
        String hp = t.hostBridgeOf(provider).name();
        String hc = t.hostBridgeOf(client).name();
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
