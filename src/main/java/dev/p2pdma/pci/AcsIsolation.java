package dev.p2pdma.pci;

import dev.p2pdma.base.UnknownAcsPolicy;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Models the kernel's ACS isolation tests used for IOMMU groups (drivers/pci/pci.c,
 * pci_acs_enabled(), pci_acs_flags_enabled(), pci_acs_path_enabled(); spec 5.6 with 11.1, 11.3,
 * 11.8), on one topology.
 *
 * <p>The effective ACS control value is the register as read (spec 11.3): captures already hold
 * what the booted kernel programmed, and what-if boots rewrite it before this class sees it.
 * Where the input does not show ACS, the {@link UnknownAcsPolicy} decides: {@code NO_REDIRECT}
 * assumes no ACS capability (not isolated), {@code REDIRECT} assumes a capability with SV, RR, CR
 * and UF enabled (what an IOMMU leaves); each verdict that rests on it says so.
 *
 * <p>Invariants: {@code multifunction[i]} follows spec 11.1 (header bit 7, or a function number
 * other than 0, never for an SR-IOV VF; with the header unknown, any other function in the slot).
 * Immutable after construction; thread-safe.
 */
public final class AcsIsolation {

    /** The flags pci_device_group() requires along the path: SV, RR, CR and UF (spec 5.6). */
    public static final int REQ_ACS_FLAGS = Acs.SV | Acs.RR | Acs.CR | Acs.UF;

    /** The topology examined. */
    private final PciTopology topology;
    /** What to assume where ACS is unknown. */
    private final UnknownAcsPolicy unknownAcs;
    /** Per function index: the kernel's multifunction flag (spec 11.1). */
    private final boolean[] multifunction;

    /** What a verdict rests on. */
    public enum Basis {
        /** A device-specific quirk answered (spec 5.6 step 1, 11.8). */
        QUIRK,
        /** Not PCI Express: shares its bus, never isolated. */
        NOT_PCIE,
        /** A PCIe-to-PCI bridge, PCI-to-PCIe bridge or event collector: never isolated. */
        NEVER_ISOLATED_TYPE,
        /** The port type is not known: assumed not isolated. */
        PORT_TYPE_UNKNOWN,
        /** The ACS capability has every required flag enabled. */
        FLAGS_ENABLED,
        /** The ACS capability lacks some required flags in its control register. */
        FLAGS_MISSING,
        /** No ACS capability. */
        NO_ACS_CAPABILITY,
        /** ACS unknown; assumed absent. */
        ACS_UNKNOWN_ASSUMED_ABSENT,
        /** ACS unknown; assumed enabled by the IOMMU. */
        ACS_UNKNOWN_ASSUMED_ENABLED,
        /** A single-function endpoint or upstream port: ACS does not apply, isolated. */
        SINGLE_FUNCTION,
        /** Any other type: ACS does not apply, isolated. */
        OTHER_TYPE
    }

    /**
     * The answer of pci_acs_enabled() for one function, with its reason.
     *
     * @param device       the function
     * @param enabled      the kernel's answer
     * @param basis        what it rests on
     * @param missingFlags for {@link Basis#FLAGS_MISSING}: the required flags not set, else 0
     * @param detail       one line for people, e.g. "switch downstream port: no ACS capability"
     */
    public record Verdict(PciAddress device, boolean enabled, Basis basis, int missingFlags, String detail) {
        public Verdict {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(basis, "basis");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * The answer of pci_acs_path_enabled().
     *
     * @param enabled whether every device on the path passed (and the walk ended as required)
     * @param failing the first device that failed, when one did
     */
    public record PathVerdict(boolean enabled, Optional<Verdict> failing) {
        public PathVerdict {
            Objects.requireNonNull(failing, "failing");
        }
    }

    /** The tests over {@code topology}, assuming {@code unknownAcs} where ACS is not shown. */
    public AcsIsolation(PciTopology topology, UnknownAcsPolicy unknownAcs) {
        this.topology = Objects.requireNonNull(topology, "topology");
        this.unknownAcs = Objects.requireNonNull(unknownAcs, "unknownAcs");
        this.multifunction = multifunctionFlags(topology);
    }

    /** The tests over {@code topology}, assuming no ACS where it is not shown. */
    public static AcsIsolation of(PciTopology topology) {
        return new AcsIsolation(topology, UnknownAcsPolicy.NO_REDIRECT);
    }

    private static boolean[] multifunctionFlags(PciTopology t) {
        Map<Long, Integer> perSlot = new HashMap<>();
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            if (!f.isVirtfn()) {
                perSlot.merge(slotKey(f.address()), 1, Integer::sum);
            }
        }
        boolean[] out = new boolean[t.size()];
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            if (f.isVirtfn()) {
                continue;
            }
            boolean headerUnknown = f.headerType().isEmpty();
            out[i] = f.multiFunctionBit() || f.address().function() != 0
                    || (headerUnknown && perSlot.get(slotKey(f.address())) > 1);
        }
        return out;
    }

    /** A key for (domain, bus, device). */
    static long slotKey(PciAddress a) {
        return Integer.toUnsignedLong(a.domain()) << 16 | (long) a.bus() << 8 | (long) a.device() << 3;
    }

    /** The topology examined. */
    public PciTopology topology() {
        return topology;
    }

    /** The unknown-ACS assumption in force. */
    public UnknownAcsPolicy unknownAcs() {
        return unknownAcs;
    }

    /** The kernel's {@code pci_dev->multifunction} flag for a function (spec 11.1). */
    public boolean isMultifunction(int index) {
        return multifunction[index];
    }

    /** Models pci_acs_enabled(): whether the function provides isolation for {@code flags}. */
    public Verdict acsEnabled(int index, int flags) {
        PciFunction f = topology.function(index);
        PciAddress a = f.address();
        PortType type = f.portType();
        Optional<AcsIsolationQuirks.Kind> quirk = AcsIsolationQuirks.answer(f);
        if (quirk.isPresent()) {
            boolean on = quirk.get().enabled(flags);
            return new Verdict(a, on, Basis.QUIRK, 0, quirk.get().why() + (on ? "" : " (not for the requested flags)"));
        }
        switch (type) {
            case CONVENTIONAL_PCI -> {
                return new Verdict(a, false, Basis.NOT_PCIE, 0, "conventional PCI: no ACS, the bus is shared");
            }
            case UNKNOWN -> {
                return new Verdict(a, false, Basis.PORT_TYPE_UNKNOWN, 0, "port type unknown: assumed not isolated");
            }
            case PCIE_TO_PCI_BRIDGE, PCI_TO_PCIE_BRIDGE, RC_EVENT_COLLECTOR -> {
                return new Verdict(a, false, Basis.NEVER_ISOLATED_TYPE, 0, type.label() + ": never isolated by ACS");
            }
            case ROOT_PORT, DOWNSTREAM_PORT -> {
                return flagsEnabled(index, flags);
            }
            case ENDPOINT, UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT -> {
                if (multifunction[index]) {
                    Verdict v = flagsEnabled(index, flags);
                    return new Verdict(a, v.enabled(), v.basis(), v.missingFlags(), "multifunction " + v.detail());
                }
                return new Verdict(a, true, Basis.SINGLE_FUNCTION, 0, "single-function " + type.label() + ": ACS not needed");
            }
            default -> {
                return new Verdict(a, true, Basis.OTHER_TYPE, 0, type.label() + ": ACS not applicable");
            }
        }
    }

    /**
     * Models pci_acs_flags_enabled(): without an ACS capability false; otherwise the requested
     * flags the capability lists (plus EC, which is never assumed hard-wired) must all be set in
     * the control register.
     */
    public Verdict flagsEnabled(int index, int flags) {
        PciFunction f = topology.function(index);
        PciAddress a = f.address();
        String type = f.portType().label();
        return switch (f.acs()) {
            case AcsState.Absent ignored -> new Verdict(a, false, Basis.NO_ACS_CAPABILITY, 0, type + ": no ACS capability"
                    + (isIntelRootPort(f) ? "; an Intel PCH root port may isolate through chipset registers the model cannot read:"
                            + " assumed not" : ""));
            case AcsState.Unknown u -> unknownAcs == UnknownAcsPolicy.REDIRECT
                    ? new Verdict(a, (flags & Acs.EC) == 0, Basis.ACS_UNKNOWN_ASSUMED_ENABLED, 0,
                            type + ": ACS unknown (" + u.reason() + "); assumed SV RR CR UF enabled (--assume-acs redirect)")
                    : new Verdict(a, false, Basis.ACS_UNKNOWN_ASSUMED_ABSENT, 0,
                            type + ": ACS unknown (" + u.reason() + "); assumed absent (--assume-acs no-redirect)");
            case AcsState.Unreadable u -> {
                // 6.12 ignores the failed read and tests the all-ones error response, which has every flag
                yield new Verdict(a, true, Basis.FLAGS_ENABLED, 0, type + ": ACS ctrl unreadable (" + u.reason()
                        + "); the failed read leaves all ones, so every requested flag counts as enabled");
            }
            case AcsState.Present p -> {
                int required = flags & (p.capabilityBits() | Acs.EC);
                int missing = required & ~p.controlBits();
                yield missing == 0
                        ? new Verdict(a, true, Basis.FLAGS_ENABLED, 0, type + ": ACS ctrl " + Acs.describe(p.controlBits()))
                        : new Verdict(a, false, Basis.FLAGS_MISSING, missing, type + ": ACS ctrl " + Acs.describe(p.controlBits())
                                + " lacks " + String.join(" ", Acs.bitNames(missing)));
            }
        };
    }

    /**
     * True for an Intel root port: the kernel judges those on its PCH list by chipset registers
     * (pci_quirk_intel_pch_acs()), which no input carries; the model uses the port's own ACS.
     */
    private static boolean isIntelRootPort(PciFunction f) {
        return f.vendorId() == AcsIsolationQuirks.INTEL && f.portType() == PortType.ROOT_PORT;
    }

    /**
     * Models pci_acs_path_enabled(): from {@code start} up through each bus's bridge, every device
     * must pass {@link #acsEnabled}; reaching a device on a root bus succeeds only when {@code end}
     * is -1 (the kernel's NULL); reaching {@code end} succeeds.
     */
    public PathVerdict acsPathEnabled(int start, int end, int flags) {
        int dev = start;
        while (true) {
            Verdict v = acsEnabled(dev, flags);
            if (!v.enabled()) {
                return new PathVerdict(false, Optional.of(v));
            }
            int up = topology.upstream(dev);
            if (up < 0) {
                return new PathVerdict(end < 0, Optional.empty());
            }
            if (dev == end) {
                return new PathVerdict(true, Optional.empty());
            }
            dev = up;
        }
    }
}
