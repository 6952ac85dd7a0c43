package dev.p2pdma.pci;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable PCI tree: host bridges, the functions below them and their parent relations, plus
 * what is known of the machine.
 *
 * <p>Functions are numbered 0..n-1 in address order; the hot paths of the P2PDMA decision use
 * these indexes and the int arrays behind {@link #upstream(int)}. Invariants: every function has
 * exactly one parent (a bridge in the topology or a host bridge's root bus); the parent relation
 * has no cycles; a virtual function's physical function is in the topology. Immutable after
 * {@link Builder#build()}, so safe to share between threads without locking.
 */
public final class PciTopology {

    /** Machine facts. */
    private final MachineInfo machine;
    /** Functions in address order. */
    private final PciFunction[] functions;
    /** Address to index. */
    private final Map<PciAddress, Integer> indexOf;
    /** Index of the bridge whose secondary bus holds the function, -1 on a root bus. */
    private final int[] parent;
    /** Models pci_upstream_bridge(): the parent of the function, or of its PF for a VF. */
    private final int[] upstream;
    /** Number of devices in the upstream chain, the function itself included. */
    private final int[] chainLength;
    /** Index into {@link #hostBridges} of each function's host bridge. */
    private final int[] hostBridgeOf;
    /** Host bridges in firmware (domain, bus) order. */
    private final List<HostBridge> hostBridges;
    /** Per host bridge: the function host_bridge_dev() picks, -1 when none. */
    private final int[] hostBridgeDevice;
    /** Children of each function, in address order. */
    private final int[][] children;
    /** Functions directly on each host bridge's root bus. */
    private final int[][] rootChildren;

    private PciTopology(MachineInfo machine, PciFunction[] functions, int[] parent, List<HostBridge> hostBridges, int[] hostBridgeOf) {
        this.machine = machine;
        this.functions = functions;
        this.parent = parent;
        this.hostBridges = List.copyOf(hostBridges);
        this.hostBridgeOf = hostBridgeOf;
        int n = functions.length;
        Map<PciAddress, Integer> idx = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            idx.put(functions[i].address(), i);
        }
        this.indexOf = Collections.unmodifiableMap(idx);
        this.upstream = new int[n];
        for (int i = 0; i < n; i++) {
            int pf = functions[i].physfn().map(idx::get).orElse(i);
            upstream[i] = parent[pf];
        }
        this.chainLength = new int[n];
        for (int i = 0; i < n; i++) {
            int len = 0;
            for (int a = i; a >= 0; a = upstream[a]) {
                len++;
            }
            chainLength[i] = len;
        }
        List<List<Integer>> kids = new ArrayList<>();
        List<List<Integer>> roots = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            kids.add(new ArrayList<>());
        }
        for (int i = 0; i < hostBridges.size(); i++) {
            roots.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            if (parent[i] >= 0) {
                kids.get(parent[i]).add(i);
            } else {
                roots.get(hostBridgeOf[i]).add(i);
            }
        }
        this.children = kids.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
        this.rootChildren = roots.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
        this.hostBridgeDevice = new int[hostBridges.size()];
        for (int h = 0; h < hostBridges.size(); h++) {
            hostBridgeDevice[h] = pickHostBridgeDevice(h);
        }
    }

    /** Models host_bridge_dev() (spec 1.7, SG): the first device on the root bus if it is 00.0 or a root port. */
    private int pickHostBridgeDevice(int h) {
        int first = -1;
        int rootBus = hostBridges.get(h).rootBus();
        for (int i : rootChildren[h]) {
            PciFunction f = functions[i];
            if (f.isVirtfn() || f.address().bus() != rootBus) {
                continue;
            }
            if (first < 0 || f.address().devfn() < functions[first].address().devfn()) {
                first = i;
            }
        }
        if (first < 0) {
            return -1;
        }
        PciFunction f = functions[first];
        return f.address().devfn() == 0 || f.portType() == PortType.ROOT_PORT ? first : -1;
    }

    /** A builder for a machine. */
    public static Builder builder(MachineInfo machine) {
        return new Builder(machine);
    }

    public MachineInfo machine() {
        return machine;
    }

    /** The same tree with other machine facts. */
    public PciTopology withMachine(MachineInfo m) {
        return new PciTopology(m, functions, parent, hostBridges, hostBridgeOf);
    }

    /** The same tree with some functions replaced (same addresses; relations are kept). */
    public PciTopology withFunctions(Map<PciAddress, PciFunction> replacements) {
        PciFunction[] fs = functions.clone();
        replacements.forEach((a, f) -> {
            Integer i = indexOf.get(a);
            if (i == null || !f.address().equals(a)) {
                throw new TopologyException("no function " + a + " to replace");
            }
            fs[i] = f;
        });
        return new PciTopology(machine, fs, parent, hostBridges, hostBridgeOf);
    }

    /** Number of functions. */
    public int size() {
        return functions.length;
    }

    public PciFunction function(int index) {
        return functions[index];
    }

    /** All functions in address order. */
    public List<PciFunction> functions() {
        return List.of(functions);
    }

    public Optional<PciFunction> function(PciAddress address) {
        Integer i = indexOf.get(address);
        return i == null ? Optional.empty() : Optional.of(functions[i]);
    }

    /** The index of a function, or -1. */
    public int indexOf(PciAddress address) {
        Integer i = indexOf.get(address);
        return i == null ? -1 : i;
    }

    /** The structural parent bridge index, -1 on a root bus. */
    public int parent(int index) {
        return parent[index];
    }

    /** Models pci_upstream_bridge(): the parent, or the PF's parent for a VF; -1 on a root bus. */
    public int upstream(int index) {
        return upstream[index];
    }

    /** The number of devices on the function's upstream chain, itself included. */
    public int chainLength(int index) {
        return chainLength[index];
    }

    /** The chain [f, upstream(f), ...] up to the device on the root bus, as indexes. */
    public int[] chain(int index) {
        int[] out = new int[chainLength[index]];
        int k = 0;
        for (int a = index; a >= 0; a = upstream[a]) {
            out[k++] = a;
        }
        return out;
    }

    public HostBridge hostBridgeOf(int index) {
        return hostBridges.get(hostBridgeOf[index]);
    }

    /** Index into {@link #hostBridges()} of the function's host bridge. */
    public int hostBridgeIndexOf(int index) {
        return hostBridgeOf[index];
    }

    public List<HostBridge> hostBridges() {
        return hostBridges;
    }

    /** Models host_bridge_dev(): the function the whitelist looks at for a host bridge. */
    public Optional<PciFunction> hostBridgeDevice(int hostBridgeIndex) {
        int i = hostBridgeDevice[hostBridgeIndex];
        return i < 0 ? Optional.empty() : Optional.of(functions[i]);
    }

    /** Children of a function (on its secondary bus), in address order. */
    public int[] children(int index) {
        return children[index].clone();
    }

    /** Functions directly on a host bridge's root bus, in address order. */
    public int[] rootChildren(int hostBridgeIndex) {
        return rootChildren[hostBridgeIndex].clone();
    }

    /**
     * Functions in PCI scan order: each root bus in firmware order; on a bus all functions in
     * devfn order, then each bridge's secondary bus in turn, depth first (spec 11.2).
     */
    public int[] scanOrder() {
        int[] out = new int[functions.length];
        int[] k = {0};
        for (int h = 0; h < hostBridges.size(); h++) {
            scanBus(rootChildren[h], out, k);
        }
        return out;
    }

    private void scanBus(int[] bus, int[] out, int[] k) {
        for (int i : bus) {
            out[k[0]++] = i;
        }
        for (int i : bus) {
            if (children[i].length > 0) {
                scanBus(children[i], out, k);
            }
        }
    }

    /**
     * True for functions the matrix pairs: every function whose class is not a bridge (base class
     * 0x06), as the conformance cases' {@code calc} lists them.
     */
    public boolean isMatrixEndpoint(int index) {
        return functions[index].baseClass() != 0x06;
    }

    /** Indexes of the matrix endpoints, in address order. */
    public int[] matrixEndpoints() {
        return java.util.stream.IntStream.range(0, functions.length).filter(this::isMatrixEndpoint).toArray();
    }

    /**
     * Collects functions and their parents; checks the whole tree in {@link #build()}. Not
     * thread-safe.
     */
    public static final class Builder {
        private final MachineInfo machine;
        private final Map<PciAddress, PciFunction> functions = new LinkedHashMap<>();
        private final Map<PciAddress, Parent> parents = new HashMap<>();
        private final TreeSet<HostBridge> hostBridges = new TreeSet<>();

        private Builder(MachineInfo machine) {
            this.machine = machine;
        }

        /** Declares a host bridge even if nothing sits below it. */
        public Builder hostBridge(HostBridge hb) {
            hostBridges.add(hb);
            return this;
        }

        /**
         * Adds a function.
         *
         * @throws TopologyException when the address is already present
         */
        public Builder add(PciFunction f, Parent parent) {
            if (functions.putIfAbsent(f.address(), f) != null) {
                throw new TopologyException("duplicate PCI address " + f.address());
            }
            parents.put(f.address(), parent);
            if (parent instanceof Parent.RootBus rb) {
                hostBridges.add(rb.hostBridge());
            }
            return this;
        }

        /** True when a function with this address was added. */
        public boolean contains(PciAddress a) {
            return functions.containsKey(a);
        }

        /**
         * Checks and freezes the tree.
         *
         * @throws TopologyException naming the first device whose parent is missing, not a
         *                           bridge, ambiguous or looping, a VF whose PF is missing, is itself or is a VF
         */
        public PciTopology build() {
            TreeMap<PciAddress, PciFunction> sorted = new TreeMap<>(functions);
            PciFunction[] fs = sorted.values().toArray(PciFunction[]::new);
            Map<PciAddress, Integer> idx = new HashMap<>();
            for (int i = 0; i < fs.length; i++) {
                idx.put(fs[i].address(), i);
            }
            Map<Long, List<Integer>> bySecondary = new HashMap<>();
            for (int i = 0; i < fs.length; i++) {
                final int bridge = i;
                fs[i].busRange().ifPresent(r -> bySecondary
                        .computeIfAbsent(busKey(fs[bridge].address().domain(), r.secondary()), k -> new ArrayList<>()).add(bridge));
            }
            for (PciFunction f : fs) {
                f.physfn().ifPresent(pf -> {
                    if (pf.equals(f.address())) {
                        throw new TopologyException(f.address() + ": is its own physical function");
                    }
                    if (!idx.containsKey(pf)) {
                        throw new TopologyException(f.address() + ": its physical function " + pf + " is missing");
                    }
                    fs[idx.get(pf)].physfn().ifPresent(grand -> {
                        throw new TopologyException(f.address() + ": its physical function " + pf
                                + " is itself a virtual function (of " + grand + "); SR-IOV virtual functions have no virtual functions");
                    });
                });
            }
            int[] parent = new int[fs.length];
            HostBridge[] host = new HostBridge[fs.length];
            Arrays.fill(parent, -2);
            for (int i = 0; i < fs.length; i++) {
                resolve(i, fs, idx, bySecondary, parent, host, 0);
            }
            // cycles: walk up from each function; more steps than functions means a loop
            for (int i = 0; i < fs.length; i++) {
                int steps = 0;
                for (int a = parent[i]; a >= 0; a = parent[a]) {
                    if (++steps > fs.length) {
                        throw new TopologyException(fs[i].address() + ": its chain of parent bridges loops");
                    }
                }
            }
            // host bridge of each function = host bridge of its root ancestor
            TreeSet<HostBridge> hbs = new TreeSet<>(hostBridges);
            for (int i = 0; i < fs.length; i++) {
                int top = i;
                while (parent[top] >= 0) {
                    top = parent[top];
                }
                host[i] = host[top];
                hbs.add(host[i]);
            }
            List<HostBridge> hbList = new ArrayList<>(hbs);
            Map<HostBridge, Integer> hbIdx = new HashMap<>();
            for (int h = 0; h < hbList.size(); h++) {
                hbIdx.put(hbList.get(h), h);
            }
            int[] hostOf = new int[fs.length];
            for (int i = 0; i < fs.length; i++) {
                hostOf[i] = hbIdx.get(host[i]);
            }
            return new PciTopology(machine, fs, parent, hbList, hostOf);
        }

        private static long busKey(int domain, int bus) {
            return Integer.toUnsignedLong(domain) << 8 | bus;
        }

        private void resolve(int i, PciFunction[] fs, Map<PciAddress, Integer> idx, Map<Long, List<Integer>> bySecondary,
                             int[] parent, HostBridge[] host, int depth) {
            if (parent[i] != -2) {
                return;
            }
            PciFunction f = fs[i];
            if (depth > fs.length) {
                throw new TopologyException(f.address() + ": its chain of parent bridges loops");
            }
            Parent p = parents.get(f.address());
            switch (p) {
                case Parent.RootBus rb -> {
                    parent[i] = -1;
                    host[i] = rb.hostBridge();
                }
                case Parent.Bridge b -> {
                    Integer pi = idx.get(b.bridge());
                    if (pi == null) {
                        throw new TopologyException(f.address() + ": its parent bridge " + b.bridge() + " is missing");
                    }
                    if (pi == i) {
                        throw new TopologyException(f.address() + ": is its own parent");
                    }
                    if (!fs[pi].isBridge()) {
                        throw new TopologyException(f.address() + ": its parent " + b.bridge() + " is not a bridge");
                    }
                    parent[i] = pi;
                }
                case Parent.FromBusNumbers ignored -> {
                    Optional<PciAddress> pf = f.physfn();
                    if (pf.isPresent()) {
                        int pfi = idx.get(pf.get());
                        resolve(pfi, fs, idx, bySecondary, parent, host, depth + 1);
                        parent[i] = parent[pfi];
                        host[i] = host[pfi];
                        return;
                    }
                    List<Integer> owners = bySecondary.getOrDefault(busKey(f.address().domain(), f.address().bus()), List.of())
                            .stream().filter(o -> o != i).toList();
                    if (owners.size() > 1) {
                        throw new TopologyException(f.address() + ": bridges " + owners.stream().map(o -> fs[o].address().toString()).toList()
                                + " all claim bus " + String.format("%02x", f.address().bus()) + " as their secondary bus");
                    }
                    if (owners.isEmpty()) {
                        parent[i] = -1;
                        host[i] = new HostBridge(f.address().domain(), f.address().bus());
                    } else {
                        parent[i] = owners.get(0);
                    }
                }
            }
        }
    }
}
