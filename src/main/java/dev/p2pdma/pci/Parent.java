package dev.p2pdma.pci;

/**
 * Where a function hangs in the tree, as an importer knows it.
 */
public sealed interface Parent {

    /** Directly on the root bus of a host bridge. */
    record RootBus(HostBridge hostBridge) implements Parent {
    }

    /** On the secondary bus of this bridge. */
    record Bridge(PciAddress bridge) implements Parent {
    }

    /**
     * Not stated by the input: found from the bridges' secondary/subordinate bus numbers (the
     * bridge whose secondary bus is the function's bus; none means a root bus).
     */
    record FromBusNumbers() implements Parent {
    }

    /** The shared instance of {@link FromBusNumbers}. */
    Parent FROM_BUS_NUMBERS = new FromBusNumbers();
}
