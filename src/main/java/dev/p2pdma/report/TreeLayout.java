package dev.p2pdma.report;

import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An indented tidy layout of the PCI tree: each host bridge is a root, then its root-bus functions
 * (root ports, integrated endpoints), switches and endpoints below their bridges. A node's x is
 * its depth times {@link #INDENT_PX}; its y is its row in depth-first pre-order (host bridges in
 * firmware order, children in address order) times {@link #ROW_HEIGHT_PX}. Rows never overlap and
 * every child lies below and to the right of its parent, so subtrees can be folded by removing
 * rows, which the report's script does with the same formulas.
 *
 * <p>Invariants: node 0.. are in row order; a node's parent has a smaller row; the layout is a
 * function of the topology alone (deterministic). Immutable and thread-safe.
 */
public final class TreeLayout {

    /** Height of one row in pixels. */
    public static final int ROW_HEIGHT_PX = 30;
    /** Height of a node's box in pixels (the rest of the row is the gap). */
    public static final int BOX_HEIGHT_PX = 24;
    /** Horizontal step per tree level in pixels. */
    public static final int INDENT_PX = 26;
    /** Left margin in pixels. */
    public static final int MARGIN_LEFT_PX = 8;
    /** Top margin in pixels. */
    public static final int MARGIN_TOP_PX = 8;

    /**
     * One placed node.
     *
     * @param node   what it stands for
     * @param parent the row of the parent node, -1 for a host bridge
     * @param depth  0 for host bridges, 1 for functions on a root bus, and so on
     * @param xPx    left edge of its box
     * @param yPx    top edge of its box
     */
    public record Placed(TreeNode node, int parent, int depth, int xPx, int yPx) {
    }

    /** The nodes in row order. */
    private final List<Placed> nodes;
    /** Row of each topology function. */
    private final int[] rowOfFunction;
    /** Row of each host bridge. */
    private final int[] rowOfHostBridge;

    private TreeLayout(List<Placed> nodes, int[] rowOfFunction, int[] rowOfHostBridge) {
        this.nodes = Collections.unmodifiableList(nodes);
        this.rowOfFunction = rowOfFunction;
        this.rowOfHostBridge = rowOfHostBridge;
    }

    /** Lays out the whole tree, every subtree unfolded. */
    public static TreeLayout of(PciTopology t) {
        List<Placed> out = new ArrayList<>(t.size() + t.hostBridges().size());
        int[] rowOfFunction = new int[t.size()];
        int[] rowOfHostBridge = new int[t.hostBridges().size()];
        for (int h = 0; h < t.hostBridges().size(); h++) {
            int row = out.size();
            rowOfHostBridge[h] = row;
            out.add(place(new TreeNode.HostBridgeNode(h), -1, 0, row));
            for (int f : t.rootChildren(h)) {
                walk(t, f, row, 1, out, rowOfFunction);
            }
        }
        if (out.size() != t.size() + t.hostBridges().size()) {
            throw new IllegalStateException("layout placed " + out.size() + " nodes for " + t.size() + " functions");
        }
        return new TreeLayout(out, rowOfFunction, rowOfHostBridge);
    }

    private static void walk(PciTopology t, int f, int parentRow, int depth, List<Placed> out, int[] rowOfFunction) {
        int row = out.size();
        rowOfFunction[f] = row;
        out.add(place(new TreeNode.FunctionNode(f), parentRow, depth, row));
        for (int c : t.children(f)) {
            walk(t, c, row, depth + 1, out, rowOfFunction);
        }
    }

    private static Placed place(TreeNode n, int parentRow, int depth, int row) {
        return new Placed(n, parentRow, depth, xOf(depth), yOf(row));
    }

    /** The x of a box at this depth. */
    public static int xOf(int depth) {
        return MARGIN_LEFT_PX + depth * INDENT_PX;
    }

    /** The y of a box in this row. */
    public static int yOf(int row) {
        return MARGIN_TOP_PX + row * ROW_HEIGHT_PX;
    }

    /** The nodes in row order. */
    public List<Placed> nodes() {
        return nodes;
    }

    /** Number of rows (host bridges plus functions). */
    public int rows() {
        return nodes.size();
    }

    /** The row of a topology function. */
    public int rowOfFunction(int function) {
        return rowOfFunction[function];
    }

    /** The row of a host bridge. */
    public int rowOfHostBridge(int hostBridge) {
        return rowOfHostBridge[hostBridge];
    }

    /** Height of the drawing in pixels. */
    public int heightPx() {
        return yOf(nodes.size()) + MARGIN_TOP_PX;
    }

    /** The deepest level used. */
    public int maxDepth() {
        int d = 0;
        for (Placed p : nodes) {
            d = Math.max(d, p.depth());
        }
        return d;
    }
}
