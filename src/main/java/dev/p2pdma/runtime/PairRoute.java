package dev.p2pdma.runtime;

import java.util.OptionalInt;

/**
 * Where two functions sit relative to each other in the PCI tree, as the runtimes' topology code
 * sees it: the {@code nvidia-smi} class, how many PCIe switches the route crosses (as NVML counts
 * them and as NCCL counts them after it fuses Broadcom switch levels), and the NUMA nodes of the two
 * host bridges.
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param pcieClass       the class {@code nvidia-smi topo -m} prints
 * @param switches        distinct PCIe switches (or other non-root bridges) on the route, when it stays below one; 0 otherwise
 * @param ncclSwitches    the same after NCCL's fusing of Broadcom PEX Gen4/Gen5 switch levels
 * @param providerNode    the NUMA node of the provider's host bridge, when known
 * @param clientNode      the NUMA node of the client's host bridge, when known
 * @param numaAssumed     true when the route crosses host bridges and a NUMA node was unknown: one node was assumed
 */
public record PairRoute(PcieClass pcieClass, int switches, int ncclSwitches, OptionalInt providerNode, OptionalInt clientNode,
                        boolean numaAssumed) {

    /** The path type NCCL's {@code ncclTopoSetPaths} gives the route (NCCL has no NODE: host bridges of one NUMA node share a CPU node). */
    public NcclLevel ncclPathType() {
        return switch (pcieClass) {
            case X -> NcclLevel.LOC;
            case PIX, PXB -> ncclSwitches <= 1 ? NcclLevel.PIX : NcclLevel.PXB;
            case PHB, NODE -> NcclLevel.PHB;
            case SYS -> NcclLevel.SYS;
        };
    }

    /** The route in words for a reason line: "1 PCIe switch", "host bridges on NUMA nodes 0 and 1". */
    public String describe() {
        return switch (pcieClass) {
            case X -> "the same function";
            case PIX, PXB -> switches + " PCIe switch" + (switches == 1 ? "" : "es") + " and no host bridge";
            case PHB -> "through one host bridge";
            case NODE -> numaAssumed ? "across host bridges, NUMA nodes unknown (assumed one node)"
                    : "across host bridges on NUMA node " + providerNode.orElse(-1);
            case SYS -> "across host bridges on NUMA nodes " + providerNode.orElse(-1) + " and " + clientNode.orElse(-1);
        };
    }
}
