package dev.p2pdma.runtime;

/**
 * The PCIe part of {@code nvidia-smi topo -m}'s connection legend (NVML's
 * {@code nvmlGpuTopologyLevel_t}): how far apart two devices are in the PCI tree. NVLink classes
 * ({@code NV#}) are out of scope: the PCI tree does not show NVLink.
 *
 * <p>Sources: the legend {@code nvidia-smi topo -m} prints (quoted in rapidsai/ucx-py pull request
 * 624, docs/source/ucx-debug.rst) and the NVML enum comments (NVML_TOPOLOGY_SINGLE "only need
 * traverse a single PCIe switch", MULTIPLE "need not traverse a host bridge", HOSTBRIDGE "connected
 * to the same host bridge", NODE "same NUMA node but possibly multiple host bridges").
 */
public enum PcieClass {
    /** The same device. */
    X("the same device"),
    /** At most a single PCIe bridge (switch). */
    PIX("traversing at most a single PCIe bridge"),
    /** Several PCIe bridges (switches), no host bridge. */
    PXB("traversing multiple PCIe bridges, without the PCIe host bridge"),
    /** Through one PCIe host bridge (the CPU's root complex). */
    PHB("traversing PCIe and a PCIe host bridge (typically the CPU)"),
    /** Between host bridges of one NUMA node. */
    NODE("traversing PCIe and the interconnect between PCIe host bridges within a NUMA node"),
    /** Between NUMA nodes. */
    SYS("traversing PCIe and the SMP interconnect between NUMA nodes (QPI/UPI, Infinity Fabric)");

    /** The legend's words. */
    private final String legend;

    PcieClass(String legend) {
        this.legend = legend;
    }

    /** What the class means, in the legend's words. */
    public String legend() {
        return legend;
    }
}
