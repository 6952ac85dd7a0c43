package dev.p2pdma.runtime;

import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.Arrays;
import java.util.OptionalInt;

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
    /** Whether NCCL's fusing changes any function's switch; when not, NCCL's count is the plain count. */
    private final boolean anyFused;
    /** Per function: its upstream chain, itself first ({@link PciTopology#chain}), built once. */
    private final int[][] chains;

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
        boolean fused = false;
        for (int i = 0; i < n; i++) {
            fused |= ncclSwitchOf[i] != switchOf[i];
        }
        this.anyFused = fused;
        this.chains = new int[n][];
        for (int i = 0; i < n; i++) {
            chains[i] = topology.chain(i);
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

    /** The switch function {@code i} belongs to, or -1 (for tests' reference walk). */
    int switchIndexOf(int i) {
        return switchOf[i];
    }

    /** The switch NCCL sees for function {@code i} after fusing, or -1 (for tests' reference walk). */
    int ncclSwitchIndexOf(int i) {
        return ncclSwitchOf[i];
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
        return decode(code(a, b));
    }

    /**
     * The route of {@code a} and {@code b} packed in one long without allocating: the class, both
     * switch counts, both NUMA nodes and whether a node was assumed ({@link #decode} reads it).
     * Equal codes are equal routes.
     */
    public long code(int a, int b) {
        int na = hostBridgeNode[topology.hostBridgeIndexOf(a)];
        int nb = hostBridgeNode[topology.hostBridgeIndexOf(b)];
        if (a == b) {
            return pack(PcieClass.X, 0, 0, na, nb, false);
        }
        int[] ca = chains[a];
        int[] cb = chains[b];
        // both chains end at the root bus; the devices they share are a common tail, whose first is the nearest common one
        int i = ca.length - 1;
        int j = cb.length - 1;
        if (ca[i] == cb[j]) {
            while (i > 0 && j > 0 && ca[i - 1] == cb[j - 1]) {
                i--;
                j--;
            }
            return below(ca, i, cb, j, na, nb);
        }
        if (topology.hostBridgeIndexOf(a) == topology.hostBridgeIndexOf(b)) {
            return pack(PcieClass.PHB, 0, 0, na, nb, false);
        }
        if (na >= 0 && nb >= 0) {
            return pack(na == nb ? PcieClass.NODE : PcieClass.SYS, 0, 0, na, nb, false);
        }
        return pack(PcieClass.NODE, 0, 0, na, nb, true);
    }

    /** Bits per field of a route code. */
    private static final int FIELD_BITS = 16;
    /** Mask of one field. */
    private static final long FIELD = (1L << FIELD_BITS) - 1;

    /** Packs a route: class (3 bits), assumed (1), switches, NCCL switches, nodes + 1 (12 bits each; larger values are clamped by the tree's size). */
    private static long pack(PcieClass c, int switches, int ncclSwitches, int na, int nb, boolean assumed) {
        return c.ordinal() | (assumed ? 8L : 0L) | ((long) (switches & 0xfff) << 4) | ((long) (ncclSwitches & 0xfff) << FIELD_BITS)
                | (((na + 1) & FIELD) << (2 * FIELD_BITS)) | (((nb + 1) & FIELD) << (3 * FIELD_BITS));
    }

    /** The route a {@link #code} stands for. */
    public static PairRoute decode(long code) {
        PcieClass c = PcieClass.values()[(int) (code & 7)];
        int na = (int) ((code >>> (2 * FIELD_BITS)) & FIELD) - 1;
        int nb = (int) ((code >>> (3 * FIELD_BITS)) & FIELD) - 1;
        return new PairRoute(c, (int) ((code >>> 4) & 0xfff), (int) ((code >>> FIELD_BITS) & 0xfff),
                na < 0 ? OptionalInt.empty() : OptionalInt.of(na), nb < 0 ? OptionalInt.empty() : OptionalInt.of(nb), (code & 8) != 0);
    }

    /** A route whose nearest common upstream device is {@code ca[i] == cb[j]}. */
    private long below(int[] ca, int i, int[] cb, int j, int na, int nb) {
        int common = ca[i];
        if (switchOf[common] < 0) {
            return pack(PcieClass.PHB, 0, 0, na, nb, false);
        }
        int n = Math.max(1, distinctSwitches(switchOf, ca, i, cb, j));
        int nn = anyFused ? Math.max(1, distinctSwitches(ncclSwitchOf, ca, i, cb, j)) : n;
        return pack(n == 1 ? PcieClass.PIX : PcieClass.PXB, n, nn, na, nb, false);
    }

    /**
     * How many distinct switches ({@code of}) the bridges {@code ca[1..i]} and {@code cb[1..j]}
     * belong to, with the common device's when one side is the common device itself.
     */
    private static int distinctSwitches(int[] of, int[] ca, int i, int[] cb, int j) {
        int len = i + j + ((i == 0 || j == 0) ? 1 : 0);
        int count = 0;
        for (int k = 0; k < len; k++) {
            int s = switchAt(of, ca, i, cb, j, k);
            if (s < 0) {
                continue;
            }
            boolean seen = false;
            for (int m = 0; m < k && !seen; m++) {
                seen = switchAt(of, ca, i, cb, j, m) == s;
            }
            if (!seen) {
                count++;
            }
        }
        return count;
    }

    /** The k-th element of the sequence ca[1..i], cb[1..j], then the common device ca[i]. */
    private static int switchAt(int[] of, int[] ca, int i, int[] cb, int j, int k) {
        if (k < i) {
            return of[ca[k + 1]];
        }
        if (k < i + j) {
            return of[cb[k - i + 1]];
        }
        return of[ca[i]];
    }
}
