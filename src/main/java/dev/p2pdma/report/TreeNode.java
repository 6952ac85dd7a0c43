package dev.p2pdma.report;

/**
 * What a node of the drawn tree stands for: a host bridge (a root of the tree) or a PCI function.
 * Values; immutable and thread-safe.
 */
public sealed interface TreeNode {

    /**
     * A host bridge, drawn as the root of its functions.
     *
     * @param hostBridge index into {@code PciTopology.hostBridges()}
     */
    record HostBridgeNode(int hostBridge) implements TreeNode {
        public HostBridgeNode {
            if (hostBridge < 0) {
                throw new IllegalArgumentException("host bridge index must be >= 0, got " + hostBridge);
            }
        }
    }

    /**
     * A PCI function.
     *
     * @param function index into the topology's functions
     */
    record FunctionNode(int function) implements TreeNode {
        public FunctionNode {
            if (function < 0) {
                throw new IllegalArgumentException("function index must be >= 0, got " + function);
            }
        }
    }
}
