package dev.p2pdma.runtime;

import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.Arrays;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Computes {@link PairRoute}s over one topology: the {@code nvidia-smi topo -m} class of a pair and
 * the switch counts NCCL's path types come from.
 *
 * <p>The rule: the same function is X. When the two functions have a nearest common upstream device
 * that is not a root port, the route stays below a switch: the bridges on it (the endpoints
 * excluded) are grouped into switches (a downstream port belongs to the switch of its upstream
 * port; any other non-root bridge is a bridge of its own) and one switch is PIX, more are PXB. A
 * common root port, or no common device on one host bridge, is PHB: NVML and NCCL fold root ports
 * into the host bridge (NCCL's {@code xml.cc} walks two sysfs levels at a time from an endpoint and
 * stops at the {@code pciDDDD:BB} directory). Two host bridges are NODE when their NUMA nodes are
 * equal or unknown (assumed one node) and SYS when they differ. A host bridge's NUMA node is the
 * first one known among the functions below it (Linux gives every function of a root bus's tree
 * its host bridge's node).
 *
 * <p>NCCL fuses a Broadcom PEX Gen4 or Gen5 switch (vendor 0x1000, device 0xc010 or 0xc030,
 * subsystem vendor 0x1000) into its parent switch when both have the same ids
 * ({@code ncclTopoFlattenBcmSwitches}, NVIDIA/nccl src/graph/topo.cc); {@link PairRoute#ncclSwitches}
 * counts after that.
 *
 * <p>Immutable after construction; safe to share between threads.
 */
public final class PcieRoutes {

    /** No switch: the function is a root port (part of the host bridge) or not a bridge. */
    private static final int NONE = -1;

    /** The topology. */
    private final PciTopology topology;
    /** Per function: the index of the switch (upstream port or lone bridge) it belongs to, or {@link #NONE}. */
    private final int[] switchOf;
    /** Per function: the switch NCCL sees after fusing Broadcom levels, or {@link #NONE}. */
    private final int[] ncclSwitchOf;
    /** Per host bridge index: its NUMA node, -1 when unknown. */
    private final int[] hostBridgeNode;

    private PcieRoutes(PciTopology topology) {
        this.topology = topology;
        int n = topology.size();
        this.switchOf = new int[n];
        for (int i = 0; i < n; i++) {
            switchOf[i] = switchOf(topology, i);
        }
        this.ncclSwitchOf = new int[n];
        for (int i = 0; i < n; i++) {
            ncclSwitchOf[i] = fused(i);
        }
        this.hostBridgeNode = new int[topology.hostBridges().size()];
        Arrays.fill(hostBridgeNode, -1);
        for (int i = 0; i < n; i++) {
            int hb = topology.hostBridgeIndexOf(i);
            OptionalInt node = topology.function(i).numaNode();
            if (hostBridgeNode[hb] < 0 && node.isPresent()) {
                hostBridgeNode[hb] = node.getAsInt();
            }
        }
    }

    /** The routes of {@code topology}. */
    public static PcieRoutes of(PciTopology topology) {
        return new PcieRoutes(topology);
    }

    private static int switchOf(PciTopology t, int i) {
        PciFunction f = t.function(i);
        if (!f.isBridge()) {
            return NONE;
        }
        int parent = t.parent(i);
        PortType type = f.portType();
        if (type == PortType.DOWNSTREAM_PORT && parent >= 0 && t.function(parent).portType() == PortType.UPSTREAM_PORT) {
            return parent;
        }
        if (type == PortType.UPSTREAM_PORT || type == PortType.DOWNSTREAM_PORT) {
            return i;
        }
        if (type == PortType.ROOT_PORT || parent < 0) {
            return NONE;
        }
        return i;
    }

    /** The switch of {@code i} after NCCL's Broadcom fusing: a same-id Broadcom switch below another is the parent switch. */
    private int fused(int i) {
        int s = switchOf[i];
        while (s >= 0) {
            int above = topology.parent(s);
            int parentSwitch = above < 0 ? NONE : switchOf[above];
            if (parentSwitch < 0 || !isBroadcomGen4or5(topology.function(s)) || !sameIds(topology.function(s), topology.function(parentSwitch))) {
                return s;
            }
            s = parentSwitch;
        }
        return s;
    }

    /** Vendor 0x1000, device 0xc010 (Gen4) or 0xc030 (Gen5), subsystem vendor 0x1000: the switches NCCL flattens. */
    static boolean isBroadcomGen4or5(PciFunction f) {
        return f.vendorId() == 0x1000 && (f.deviceId() == 0xc010 || f.deviceId() == 0xc030) && f.subsystemVendorId().orElse(-1) == 0x1000;
    }

    private static boolean sameIds(PciFunction a, PciFunction b) {
        return a.vendorId() == b.vendorId() && a.deviceId() == b.deviceId() && a.subsystemVendorId().equals(b.subsystemVendorId())
                && a.subsystemDeviceId().equals(b.subsystemDeviceId());
    }

    /** The topology the routes are over. */
    public PciTopology topology() {
        return topology;
    }

    /** The NUMA node of function {@code i}'s host bridge, when known. */
    public OptionalInt numaNode(int i) {
        int n = hostBridgeNode[topology.hostBridgeIndexOf(i)];
        return n < 0 ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /** Models how {@code nvidia-smi topo -m} and NCCL place functions {@code a} and {@code b} (indexes) relative to each other. */
    public PairRoute route(int a, int b) {
        OptionalInt na = numaNode(a);
        OptionalInt nb = numaNode(b);
        if (a == b) {
            return new PairRoute(PcieClass.X, 0, 0, na, nb, false);
        }
        int[] ca = topology.chain(a);
        int[] cb = topology.chain(b);
        for (int i = 0; i < ca.length; i++) {
            for (int j = 0; j < cb.length; j++) {
                if (ca[i] == cb[j]) {
                    return below(ca, i, cb, j, na, nb);
                }
            }
        }
        int ha = topology.hostBridgeIndexOf(a);
        int hb = topology.hostBridgeIndexOf(b);
        if (ha == hb) {
            return new PairRoute(PcieClass.PHB, 0, 0, na, nb, false);
        }
        if (na.isPresent() && nb.isPresent()) {
            boolean same = na.getAsInt() == nb.getAsInt();
            return new PairRoute(same ? PcieClass.NODE : PcieClass.SYS, 0, 0, na, nb, false);
        }
        return new PairRoute(PcieClass.NODE, 0, 0, na, nb, true);
    }

    /** A route whose nearest common upstream device is {@code ca[i] == cb[j]}. */
    private PairRoute below(int[] ca, int i, int[] cb, int j, OptionalInt na, OptionalInt nb) {
        int common = ca[i];
        if (switchOf[common] < 0) {
            return new PairRoute(PcieClass.PHB, 0, 0, na, nb, false);
        }
        Set<Integer> switches = new HashSet<>();
        Set<Integer> ncclSwitches = new HashSet<>();
        for (int k = 1; k <= i; k++) {
            addSwitch(ca[k], switches, ncclSwitches);
        }
        for (int k = 1; k <= j; k++) {
            addSwitch(cb[k], switches, ncclSwitches);
        }
        if (i == 0 || j == 0) {
            addSwitch(common, switches, ncclSwitches);
        }
        int n = Math.max(1, switches.size());
        int nn = Math.max(1, ncclSwitches.size());
        return new PairRoute(n == 1 ? PcieClass.PIX : PcieClass.PXB, n, nn, na, nb, false);
    }

    private void addSwitch(int f, Set<Integer> switches, Set<Integer> ncclSwitches) {
        if (switchOf[f] >= 0) {
            switches.add(switchOf[f]);
            ncclSwitches.add(ncclSwitchOf[f]);
        }
    }
}
