package dev.p2pdma.pci;

import dev.p2pdma.base.UnknownAcsPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An independent reference for pci_device_group() over a whole topology, written from spec 5.6
 * with the corrections 11.1, 11.2, 11.5 and 11.8 and nothing of the production {@link AcsIsolation}
 * or {@link IommuGroups}: its own ACS bit values, its own multifunction rule, its own quirk rows and
 * its own processing order (by depth, then address: every bridge before what is below it, which
 * spec 11.2 says gives the kernel's partition). It answers only the partition, as sets of
 * addresses. DMA-alias quirks (steps 1 and 3 beyond the bridge walk) are not modelled: the
 * property test's topologies have none. Stateless; thread-safe.
 */
final class ReferenceIommuGroups {

    /** ACS Source Validation (PCIe spec, ACS control register bit 0). */
    private static final int SV = 1;
    /** ACS P2P Request Redirect (bit 2). */
    private static final int RR = 1 << 2;
    /** ACS P2P Completion Redirect (bit 3). */
    private static final int CR = 1 << 3;
    /** ACS Upstream Forwarding (bit 4). */
    private static final int UF = 1 << 4;
    /** ACS P2P Egress Control (bit 5): never assumed hard-wired (spec 5.6 flags_enabled). */
    private static final int EC = 1 << 5;
    /** The flags pci_device_group() asks for along the path (spec 5.6 REQ_ACS_FLAGS). */
    private static final int REQ = SV | RR | CR | UF;
    /** Intel's vendor id, for the quirk rows of spec 11.8. */
    private static final int INTEL = 0x8086;
    /**
     * Multifunction endpoints the kernel's quirk table declares isolated (spec 11.8 "several
     * vendors' multifunction endpoints"): the few rows the property test uses, Intel 82576 and
     * I350 NICs, taken from the kernel's table by hand.
     */
    private static final Set<Integer> INTEL_ISOLATED_MF_ENDPOINTS = Set.of(0x10C9, 0x1521);

    private ReferenceIommuGroups() {
    }

    /** The partition pci_device_group() gives, as sets of addresses. */
    static Set<Set<PciAddress>> partition(PciTopology t, UnknownAcsPolicy unknownAcs) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingInt(i -> depth(t, i)).thenComparing(i -> t.function(i).address()));
        Map<Integer, Set<PciAddress>> groupOf = new HashMap<>();
        for (int dev : order) {
            Set<PciAddress> group = findGroup(t, dev, unknownAcs, groupOf);
            group.add(t.function(dev).address());
            groupOf.put(dev, group);
        }
        Set<Set<PciAddress>> out = new HashSet<>();
        for (Set<PciAddress> g : groupOf.values()) {
            out.add(Set.copyOf(g));
        }
        return out;
    }

    /** Spec 5.6 pci_device_group() steps 1, 2, 4 and 5 for one device; groups are mutable sets shared by their members. */
    private static Set<PciAddress> findGroup(PciTopology t, int dev, UnknownAcsPolicy unknownAcs, Map<Integer, Set<PciAddress>> groupOf) {
        // step 1 (11.5): the device, then every bridge above that is not a PCIe root, upstream or downstream port
        for (int b = t.parent(dev); b >= 0; b = t.parent(b)) {
            PortType type = t.function(b).portType();
            boolean pciePort = type == PortType.ROOT_PORT || type == PortType.UPSTREAM_PORT || type == PortType.DOWNSTREAM_PORT;
            if (!pciePort && groupOf.containsKey(b)) {
                return groupOf.get(b);
            }
        }
        // step 2: bus by bus up to the root bus; stop at the first bridge whose path to the root is isolated
        for (int b = t.parent(dev); b >= 0; b = t.parent(b)) {
            if (pathIsolated(t, b, unknownAcs)) {
                break;
            }
            if (groupOf.containsKey(b)) {
                return groupOf.get(b);
            }
        }
        // step 4: a multifunction device that is not isolated joins a non-isolated function of its slot that has a group
        if (multifunction(t, dev) && !isolated(t, dev, unknownAcs)) {
            PciAddress a = t.function(dev).address();
            for (Map.Entry<Integer, Set<PciAddress>> e : groupOf.entrySet()) {
                PciAddress o = t.function(e.getKey()).address();
                boolean sameSlot = o.domain() == a.domain() && o.bus() == a.bus() && o.device() == a.device();
                if (sameSlot && !isolated(t, e.getKey(), unknownAcs)) {
                    return e.getValue();
                }
            }
        }
        return new HashSet<>();
    }

    /** Spec 5.6 acs_path_enabled(start, NULL, REQ): every device from start to the one on the root bus is isolated. */
    private static boolean pathIsolated(PciTopology t, int start, UnknownAcsPolicy unknownAcs) {
        for (int d = start; d >= 0; d = t.parent(d)) {
            if (!isolated(t, d, unknownAcs)) {
                return false;
            }
        }
        return true;
    }

    /** Spec 5.6 acs_enabled(dev, REQ) with 11.8's quirk rows. */
    private static boolean isolated(PciTopology t, int i, UnknownAcsPolicy unknownAcs) {
        PciFunction f = t.function(i);
        if (f.vendorId() == INTEL && f.portType() == PortType.RC_INTEGRATED_ENDPOINT) {
            return true;
        }
        if (f.vendorId() == INTEL && INTEL_ISOLATED_MF_ENDPOINTS.contains(f.deviceId())) {
            return true;
        }
        return switch (f.portType()) {
            case CONVENTIONAL_PCI, UNKNOWN, PCIE_TO_PCI_BRIDGE, PCI_TO_PCIE_BRIDGE, RC_EVENT_COLLECTOR -> false;
            case ROOT_PORT, DOWNSTREAM_PORT -> flagsEnabled(f, unknownAcs);
            case ENDPOINT, UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT -> !multifunction(t, i) || flagsEnabled(f, unknownAcs);
        };
    }

    /** Spec 5.6 flags_enabled(dev, REQ); unknown ACS is absent, or SV RR CR UF enabled, as the policy says. */
    private static boolean flagsEnabled(PciFunction f, UnknownAcsPolicy unknownAcs) {
        return switch (f.acs()) {
            case AcsState.Absent a -> false;
            case AcsState.Unknown u -> unknownAcs == UnknownAcsPolicy.REDIRECT;
            case AcsState.Unreadable u -> true; // a failed read leaves all ones (6.12 ignores the error)
            case AcsState.Present p -> {
                int required = REQ & (p.capabilityBits() | EC);
                yield (p.controlBits() & required) == required;
            }
        };
    }

    /** Spec 11.1: header bit 7, or a function number other than 0; never an SR-IOV VF. */
    private static boolean multifunction(PciTopology t, int i) {
        PciFunction f = t.function(i);
        if (f.physfn().isPresent()) {
            return false;
        }
        return f.address().function() != 0 || (f.headerType().orElse(0) & 0x80) != 0;
    }

    private static int depth(PciTopology t, int i) {
        int d = 0;
        for (int b = t.parent(i); b >= 0; b = t.parent(b)) {
            d++;
        }
        return d;
    }
}
