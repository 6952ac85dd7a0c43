package dev.p2pdma.pci;

import dev.p2pdma.base.UnknownAcsPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The IOMMU groups Linux makes for a PCI topology: pci_device_group() run for every function in
 * PCI scan order, each decision depending on the groups made before it, groups numbered from 0 in
 * creation order (spec 5.6 with corrections 11.1, 11.2, 11.5, 11.8).
 *
 * <p>Computing is always possible; whether the groups exist is the caller's question: with the
 * IOMMU off the kernel makes none ({@code MachineInfo.iommuActive()}). ACS is taken as the
 * registers read (what the booted kernel, or a what-if boot, programmed: spec 11.3); where it is
 * unknown the {@link UnknownAcsPolicy} decides and {@link #assumptions()} says so.
 *
 * <p>Not modelled: device-specific DMA-alias quirks (pci_devs_are_dma_aliases(), step 3, is then a
 * no-op), bridges marked as IOMMU translation roots, and the late arrival of SR-IOV VFs (VFs are
 * grouped in scan order with the rest, which gives the same partition but may number later
 * groups differently from a kernel that enabled SR-IOV after boot).
 *
 * <p>Invariants: every function has exactly one group; groups are numbered 0..n-1 without gaps;
 * members are sorted; a group with more than one member has one reason per joining member.
 * Immutable; thread-safe.
 */
public final class IommuGroups {

    /** Per function index (topology order): its group number. */
    private final int[] groupOf;
    /** The topology grouped. */
    private final PciTopology topology;
    /** Group number to sorted members. */
    private final SortedMap<Integer, List<PciAddress>> groups;
    /** Group number to the reasons its members joined it, in scan order; empty lists for single groups. */
    private final SortedMap<Integer, List<IommuGroupReason>> reasons;
    /** What was assumed, in words. */
    private final List<String> assumptions;

    private IommuGroups(PciTopology topology, int[] groupOf, SortedMap<Integer, List<PciAddress>> groups,
                        SortedMap<Integer, List<IommuGroupReason>> reasons, List<String> assumptions) {
        this.topology = topology;
        this.groupOf = groupOf;
        this.groups = groups;
        this.reasons = reasons;
        this.assumptions = assumptions;
    }

    /** Models iommu_group creation by pci_device_group() for every function, assuming no ACS where it is unknown. */
    public static IommuGroups compute(PciTopology topology) {
        return compute(topology, UnknownAcsPolicy.NO_REDIRECT);
    }

    /** Models iommu_group creation by pci_device_group() for every function in scan order. */
    public static IommuGroups compute(PciTopology topology, UnknownAcsPolicy unknownAcs) {
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(unknownAcs, "unknownAcs");
        return new Grouping(new AcsIsolation(topology, unknownAcs)).run();
    }

    /** The topology grouped. */
    public PciTopology topology() {
        return topology;
    }

    /** The number of groups. */
    public int size() {
        return groups.size();
    }

    /** Group number to its members, sorted; numbers in creation order from 0. */
    public SortedMap<Integer, List<PciAddress>> groups() {
        return groups;
    }

    /** The group of a function, or empty when the topology has no such function. */
    public OptionalInt groupOf(PciAddress address) {
        int i = topology.indexOf(address);
        return i < 0 ? OptionalInt.empty() : OptionalInt.of(groupOf[i]);
    }

    /** Why each member after the first joined the group, in scan order; empty for a single-member or unknown group. */
    public List<IommuGroupReason> reasons(int group) {
        return reasons.getOrDefault(group, List.of());
    }

    /** What was assumed because the input did not show it, in words. */
    public List<String> assumptions() {
        return assumptions;
    }

    /** True when {@code other} has the same groups as this, numbers included. */
    public boolean sameAs(SortedMap<Integer, List<PciAddress>> other) {
        return groups.equals(other);
    }

    /** True when {@code other} splits the functions the same way, whatever the numbers. */
    public boolean samePartitionAs(SortedMap<Integer, List<PciAddress>> other) {
        return Set.copyOf(groups.values()).equals(Set.copyOf(other.values().stream().map(l -> l.stream().sorted().toList()).toList()));
    }

    /** One pass of pci_device_group() over the functions in scan order; not thread-safe, used once. */
    private static final class Grouping {
        /** The ACS tests. */
        private final AcsIsolation acs;
        /** The topology. */
        private final PciTopology t;
        /** Group per function index, -1 before the function is added. */
        private final int[] group;
        /** Functions of each slot (domain, bus, device), in scan order, VFs excluded. */
        private final Map<Long, List<Integer>> slots = new HashMap<>();
        /** Reasons per group. */
        private final List<List<IommuGroupReason>> reasons = new ArrayList<>();
        /** Assumptions met while deciding. */
        private final Set<String> assumptions = new LinkedHashSet<>();

        Grouping(AcsIsolation acs) {
            this.acs = acs;
            this.t = acs.topology();
            this.group = new int[t.size()];
            Arrays.fill(group, -1);
        }

        IommuGroups run() {
            int[] order = t.scanOrder();
            for (int k = 0; k < order.length; k++) {
                PciFunction f = t.function(order[k]);
                if (!f.isVirtfn()) {
                    slots.computeIfAbsent(AcsIsolation.slotKey(f.address()), x -> new ArrayList<>()).add(order[k]);
                }
            }
            for (int i : order) {
                group[i] = deviceGroup(i);
                noteAssumption(i);
            }
            SortedMap<Integer, List<PciAddress>> members = new TreeMap<>();
            for (int i = 0; i < t.size(); i++) {
                members.computeIfAbsent(group[i], g -> new ArrayList<>()).add(t.function(i).address());
            }
            SortedMap<Integer, List<PciAddress>> frozen = new TreeMap<>();
            members.forEach((g, l) -> frozen.put(g, List.copyOf(l.stream().sorted().toList())));
            SortedMap<Integer, List<IommuGroupReason>> why = new TreeMap<>();
            for (int g = 0; g < reasons.size(); g++) {
                why.put(g, List.copyOf(reasons.get(g)));
            }
            return new IommuGroups(t, group.clone(), Collections.unmodifiableSortedMap(frozen), Collections.unmodifiableSortedMap(why),
                    List.copyOf(assumptions));
        }

        /** Models pci_device_group() for one function; returns its group, creating one when no step finds one. */
        private int deviceGroup(int i) {
            // step 1: the DMA-alias walk through bridges that are not PCIe ports (spec 11.5)
            int d = i;
            for (int b = t.upstream(i); b >= 0; b = t.upstream(b)) {
                PortType type = t.function(b).portType();
                if (type.isPciePort() || type == PortType.UNKNOWN) {
                    continue;
                }
                d = b;
                if (group[b] >= 0) {
                    return join(group[b], new IommuGroupReason.AliasBridge(address(i), address(b), type));
                }
            }
            // step 2: up to where the path to the root is ACS-isolated
            for (int b = t.upstream(d); b >= 0; b = t.upstream(b)) {
                AcsIsolation.PathVerdict pv = acs.acsPathEnabled(b, -1, AcsIsolation.REQ_ACS_FLAGS);
                if (pv.enabled()) {
                    break;
                }
                d = b;
                if (group[b] >= 0) {
                    return join(group[b], new IommuGroupReason.UpstreamNotIsolated(address(i), address(b), pv.failing().orElseThrow()));
                }
            }
            // step 3 (DMA-alias quirks on d's bus) is not modelled: without quirks it finds nothing.
            // step 4: other functions of a multifunction slot, when neither is isolated
            if (acs.isMultifunction(d)) {
                AcsIsolation.Verdict mine = acs.acsEnabled(d, AcsIsolation.REQ_ACS_FLAGS);
                if (!mine.enabled()) {
                    for (int s : slots.getOrDefault(AcsIsolation.slotKey(t.function(d).address()), List.of())) {
                        if (s == d || group[s] < 0) {
                            continue;
                        }
                        AcsIsolation.Verdict theirs = acs.acsEnabled(s, AcsIsolation.REQ_ACS_FLAGS);
                        if (!theirs.enabled()) {
                            return join(group[s], new IommuGroupReason.MultifunctionNotIsolated(address(i), address(s), mine, theirs));
                        }
                    }
                }
            }
            reasons.add(new ArrayList<>());
            return reasons.size() - 1;
        }

        private int join(int g, IommuGroupReason reason) {
            reasons.get(g).add(reason);
            return g;
        }

        private PciAddress address(int i) {
            return t.function(i).address();
        }

        /** Records what was assumed for a function whose ACS verdict rests on input it lacks. */
        private void noteAssumption(int i) {
            AcsIsolation.Verdict v = acs.acsEnabled(i, AcsIsolation.REQ_ACS_FLAGS);
            switch (v.basis()) {
                case ACS_UNKNOWN_ASSUMED_ABSENT -> assumptions.add("ACS unknown on ports and multifunction devices: assumed no ACS"
                        + " capability, so not isolated (--assume-acs redirect assumes SV RR CR UF enabled, as an IOMMU leaves them)");
                case ACS_UNKNOWN_ASSUMED_ENABLED -> assumptions.add("ACS unknown on ports and multifunction devices: assumed SV RR CR UF"
                        + " enabled, as an IOMMU leaves them (--assume-acs redirect)");
                case PORT_TYPE_UNKNOWN -> assumptions.add("port type unknown for some functions: assumed not isolated");
                default -> {
                }
            }
        }
    }
}
