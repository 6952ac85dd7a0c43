package dev.p2pdma.runtime;

/**
 * Models the PCIe class {@code nvidia-smi topo -m} prints for a pair (NVML's common-ancestor level):
 * derived from the tree, the host bridges and their NUMA nodes by {@link PcieRoutes}. A class, not a
 * decision: it never disagrees with the kernel, whose verdict it does not consult. Stateless.
 */
public final class NvidiaSmiTopo {

    private NvidiaSmiTopo() {
    }

    /** The class of {@code route}, with the legend's words and the route in numbers. */
    public static RuntimeDecision decide(PairRoute route) {
        PcieClass c = route.pcieClass();
        String reason = c == PcieClass.X ? c.legend() : c.legend() + " (" + route.describe() + ")";
        return RuntimeDecision.agreeing(Runtime.NVIDIA_SMI, Outcome.CLASS, c.name(), reason);
    }
}
