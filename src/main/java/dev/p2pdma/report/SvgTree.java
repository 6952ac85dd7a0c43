package dev.p2pdma.report;

import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciTopology;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The PCI tree as SVG: host bridges, root ports, switches and endpoints as boxes at the places
 * {@link TreeLayout} gives, each with its address, ids, name and facts, a badge for the map-type
 * letter, elbow edges from each bridge to its children, and the captured IOMMU groups outlined
 * (one dashed box per run of consecutive rows in a group, labelled "IOMMU n").
 *
 * <p>Standalone it is a static picture (colours and letters only when a provider is given); inside
 * the HTML report the script recolours it. Every node is a {@code <g class="node">} with
 * {@code data-node} (its row) and {@code data-addr} (function address) or {@code data-hb} (host
 * bridge name). The output is well-formed XML and a function of its inputs (deterministic).
 * Stateless and thread-safe.
 */
public final class SvgTree {

    /** Assumed advance of one character of the 12 px monospace font, in pixels. */
    public static final double CHAR_WIDTH_PX = 7.3;
    /** Where the label starts inside a box, in pixels (after the badge). */
    public static final int TEXT_X_PX = 27;
    /** The stylesheet shared with the report page. */
    static final String CSS = resource("tree.css");

    private SvgTree() {
    }

    /** The SVG document (with XML declaration) of the tree; with a provider, every function is coloured by its map type to it. */
    public static String document(ReportModel model, Optional<Integer> provider) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element(model, provider, false);
    }

    /**
     * The {@code <svg>} element. {@code interactive} adds the ARIA tree roles and keyboard focus
     * stops the report's script drives.
     */
    static String element(ReportModel model, Optional<Integer> provider, boolean interactive) {
        PciTopology t = model.topology();
        provider.ifPresent(p -> {
            if (p < 0 || p >= t.size() || !t.isMatrixEndpoint(p)) {
                throw new IllegalArgumentException("provider must be a non-bridge function, got index " + p);
            }
        });
        TreeLayout layout = model.layout();
        int rows = layout.rows();
        int[] widths = new int[rows];
        int right = 0;
        for (int r = 0; r < rows; r++) {
            widths[r] = boxWidthPx(model.label(r));
            right = Math.max(right, layout.nodes().get(r).xPx() + widths[r]);
        }
        int width = right + 110;
        int height = layout.heightPx();
        StringBuilder sb = new StringBuilder(rows * 600 + 4096);
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tree\" id=\"tree\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" data-rows=\"").append(rows).append("\">\n");
        sb.append("<title>PCI tree of ").append(Markup.escape(t.machine().source())).append("</title>\n");
        sb.append("<defs>\n<style>\n").append(CSS).append("</style>\n")
                .append("<pattern id=\"pat-X\" width=\"7\" height=\"7\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">")
                .append("<rect width=\"2.5\" height=\"7\" fill=\"#a33a00\" fill-opacity=\"0.35\"/></pattern>\n")
                .append("<pattern id=\"pat-H\" width=\"7\" height=\"7\" patternUnits=\"userSpaceOnUse\">")
                .append("<circle cx=\"3.5\" cy=\"3.5\" r=\"1.4\" fill=\"#8a5a00\" fill-opacity=\"0.45\"/></pattern>\n</defs>\n");
        writeGroups(model, widths, sb);
        sb.append("<g class=\"edges\">\n");
        for (int r = 0; r < rows; r++) {
            TreeLayout.Placed p = layout.nodes().get(r);
            if (p.parent() >= 0) {
                sb.append("<path class=\"edge\" id=\"e").append(r).append("\" d=\"").append(edgePath(layout.nodes().get(p.parent()), p))
                        .append("\"/>\n");
            }
        }
        sb.append("</g>\n<g class=\"route\" id=\"route\"></g>\n");
        sb.append("<g class=\"nodes\"").append(interactive ? " role=\"tree\" aria-label=\"PCI tree\"" : "").append(">\n");
        P2pDmaDecision d = model.machine().decision();
        for (int r = 0; r < rows; r++) {
            writeNode(model, r, widths[r], provider, d, interactive, sb);
        }
        sb.append("</g>\n</svg>\n");
        return sb.toString();
    }

    /** The width of a node's box for its label. */
    static int boxWidthPx(NodeLabel label) {
        return TEXT_X_PX + (int) Math.ceil(label.line().codePointCount(0, label.line().length()) * CHAR_WIDTH_PX) + 8;
    }

    /** The elbow from a parent's box down its left side and across to the child's box. */
    static String edgePath(TreeLayout.Placed parent, TreeLayout.Placed child) {
        int x = parent.xPx() + 11;
        return "M" + x + " " + (parent.yPx() + TreeLayout.BOX_HEIGHT_PX) + "V" + (child.yPx() + TreeLayout.BOX_HEIGHT_PX / 2) + "H" + child.xPx();
    }

    private static void writeNode(ReportModel model, int r, int w, Optional<Integer> provider, P2pDmaDecision d, boolean interactive,
                                  StringBuilder sb) {
        TreeLayout layout = model.layout();
        TreeLayout.Placed p = layout.nodes().get(r);
        NodeLabel label = model.label(r);
        PciTopology t = model.topology();
        boolean hasChildren = r + 1 < layout.rows() && layout.nodes().get(r + 1).parent() == r;
        String kind;
        String keyAttr;
        Optional<MapTypeStyle> style = Optional.empty();
        switch (p.node()) {
            case TreeNode.HostBridgeNode h -> {
                kind = "hb";
                keyAttr = " data-hb=\"" + Markup.escape(label.key()) + "\"";
            }
            case TreeNode.FunctionNode f -> {
                boolean ep = t.isMatrixEndpoint(f.function());
                kind = ep ? "fn ep" : "fn br";
                keyAttr = " data-addr=\"" + label.key() + "\"";
                if (provider.isPresent()) {
                    style = Optional.of(!ep ? MapTypeStyle.NOT_A_CLIENT : f.function() == provider.get() ? MapTypeStyle.PROVIDER
                            : MapTypeStyle.of(P2pDmaDecision.mapTypeOf(d.calc(provider.get(), f.function()))));
                }
            }
        }
        sb.append("<g class=\"node ").append(kind).append(style.map(s -> " " + s.cssClass()).orElse("")).append("\" id=\"n").append(r)
                .append("\" data-node=\"").append(r).append('"').append(keyAttr).append(" data-w=\"").append(w)
                .append("\" transform=\"translate(").append(p.xPx()).append(',').append(p.yPx()).append(")\"");
        if (interactive) {
            sb.append(" role=\"treeitem\" aria-level=\"").append(p.depth() + 1).append("\" tabindex=\"").append(r == 0 ? 0 : -1).append('"');
            if (hasChildren) {
                sb.append(" aria-expanded=\"true\"");
            }
            sb.append(" aria-label=\"").append(Markup.escape(label.line())).append('"');
        }
        sb.append(">\n");
        sb.append("<title>").append(Markup.escape(label.line())).append("</title>\n");
        sb.append("<rect class=\"box\" width=\"").append(w).append("\" height=\"").append(TreeLayout.BOX_HEIGHT_PX).append("\" rx=\"4\"/>");
        sb.append("<rect class=\"pat\" width=\"").append(w).append("\" height=\"").append(TreeLayout.BOX_HEIGHT_PX).append("\" rx=\"4\"/>");
        sb.append("<rect class=\"focusring\" x=\"-3\" y=\"-3\" width=\"").append(w + 6).append("\" height=\"")
                .append(TreeLayout.BOX_HEIGHT_PX + 6).append("\" rx=\"6\"/>\n");
        sb.append("<rect class=\"badge\" x=\"3\" y=\"3\" width=\"18\" height=\"18\" rx=\"3\"/>");
        String letter = hasChildren ? "\u25be" : style.map(s -> String.valueOf(s.letter())).orElse("");
        sb.append("<text class=\"letter\" x=\"12\" y=\"12.5\">").append(Markup.escape(letter)).append("</text>\n");
        sb.append("<text class=\"lbl\" x=\"").append(TEXT_X_PX).append("\" y=\"12.5\" xml:space=\"preserve\"><tspan class=\"addr\">")
                .append(Markup.escape(label.key())).append("</tspan>");
        if (!label.ids().isEmpty()) {
            sb.append("  <tspan class=\"ids\">").append(Markup.escape(label.ids())).append("</tspan>");
        }
        if (!label.name().isEmpty()) {
            sb.append("  <tspan class=\"name\">").append(Markup.escape(label.name())).append("</tspan>");
        }
        if (!label.detail().isEmpty()) {
            sb.append("  <tspan class=\"detail\">").append(Markup.escape(label.detail())).append("</tspan>");
        }
        sb.append("</text>\n</g>\n");
    }

    /** One dashed outline per run of consecutive rows that share a captured IOMMU group. */
    private static void writeGroups(ReportModel model, int[] widths, StringBuilder sb) {
        TreeLayout layout = model.layout();
        sb.append("<g class=\"groups\" id=\"groups\">\n");
        int r = 0;
        while (r < layout.rows()) {
            int g = groupOfRow(model, r);
            if (g < 0) {
                r++;
                continue;
            }
            int end = r;
            while (end + 1 < layout.rows() && groupOfRow(model, end + 1) == g) {
                end++;
            }
            int left = Integer.MAX_VALUE;
            int right = 0;
            for (int k = r; k <= end; k++) {
                TreeLayout.Placed p = layout.nodes().get(k);
                left = Math.min(left, p.xPx());
                right = Math.max(right, p.xPx() + widths[k]);
            }
            int top = layout.nodes().get(r).yPx() - 2;
            int bottom = layout.nodes().get(end).yPx() + TreeLayout.BOX_HEIGHT_PX + 2;
            sb.append("<rect class=\"grp\" data-group=\"").append(g).append("\" x=\"").append(left - 3).append("\" y=\"").append(top)
                    .append("\" width=\"").append(right - left + 6).append("\" height=\"").append(bottom - top).append("\" rx=\"6\"/>")
                    .append("<text class=\"grp-lbl\" x=\"").append(right + 8).append("\" y=\"").append(top + 14).append("\">IOMMU ")
                    .append(g).append("</text>\n");
            r = end + 1;
        }
        sb.append("</g>\n");
    }

    private static int groupOfRow(ReportModel model, int row) {
        return model.layout().nodes().get(row).node() instanceof TreeNode.FunctionNode f ? model.iommuGroupOf(f.function()) : -1;
    }

    /** A text resource next to this class. */
    static String resource(String name) {
        try (InputStream in = SvgTree.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the build");
            }
            String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (name.endsWith(".css") && (s.contains("<") || s.contains("&"))) {
                throw new IllegalStateException(name + " must not contain '<' or '&': it is embedded in XML");
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
