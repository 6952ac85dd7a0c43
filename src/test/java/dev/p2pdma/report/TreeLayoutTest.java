package dev.p2pdma.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sim.SyntheticHost;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tree layout: host bridge, root ports, switches, endpoints; one row each, children below and right of their parent. */
class TreeLayoutTest {

    @Test
    void everyFunctionAndHostBridgeGetsOneRowInDepthFirstOrder() {
        PciTopology t = SyntheticHost.build(2);
        TreeLayout l = TreeLayout.of(t);
        assertThat(l.rows()).isEqualTo(t.size() + t.hostBridges().size());
        assertThat(l.nodes().get(0).node()).isEqualTo(new TreeNode.HostBridgeNode(0));
        for (int f = 0; f < t.size(); f++) {
            TreeLayout.Placed p = l.nodes().get(l.rowOfFunction(f));
            assertThat(p.node()).isEqualTo(new TreeNode.FunctionNode(f));
            int parentRow = t.parent(f) < 0 ? l.rowOfHostBridge(t.hostBridgeIndexOf(f)) : l.rowOfFunction(t.parent(f));
            assertThat(p.parent()).isEqualTo(parentRow);
            assertThat(p.parent()).isLessThan(l.rowOfFunction(f));
            TreeLayout.Placed parent = l.nodes().get(parentRow);
            assertThat(p.depth()).isEqualTo(parent.depth() + 1);
            assertThat(p.xPx()).isEqualTo(parent.xPx() + TreeLayout.INDENT_PX);
            assertThat(p.yPx()).isGreaterThan(parent.yPx());
        }
    }

    @Test
    void rowsNeverOverlapAndTheDrawingIsTallEnough() {
        TreeLayout l = TreeLayout.of(SyntheticHost.build(1));
        List<TreeLayout.Placed> n = l.nodes();
        for (int r = 1; r < n.size(); r++) {
            assertThat(n.get(r).yPx() - n.get(r - 1).yPx()).isEqualTo(TreeLayout.ROW_HEIGHT_PX);
        }
        assertThat(TreeLayout.ROW_HEIGHT_PX).isGreaterThan(TreeLayout.BOX_HEIGHT_PX);
        assertThat(l.heightPx()).isGreaterThan(n.get(n.size() - 1).yPx() + TreeLayout.BOX_HEIGHT_PX);
        // root port, switch upstream, downstream, upstream, downstream, upstream, downstream, endpoint below a host bridge
        assertThat(l.maxDepth()).isEqualTo(8);
    }

    @Test
    void theLayoutIsAFunctionOfTheTopology() {
        assertThat(TreeLayout.of(SyntheticHost.build(2)).nodes()).isEqualTo(TreeLayout.of(SyntheticHost.build(2)).nodes());
    }
}
