package dev.p2pdma.pci;

import java.util.List;

/**
 * The seven bits of the ACS Capability and Control registers (PCIe base spec 7.7.8) with the rule
 * of Linux 6.12 that reads each (spec 1.8, 5.6): P2PDMA's redirect check reads RR, CR and EC
 * (pci_bridge_has_acs_redir()); IOMMU isolation requires SV, RR, CR and UF enabled
 * (pci_acs_enabled() with REQ_ACS_FLAGS); TB and DT are read by neither. SV alone never redirects
 * peer traffic, a common misreading. Immutable.
 */
public enum AcsBit {
    /** Source Validation. */
    SV(Acs.SV, "Source Validation", "IOMMU isolation requires it; it never redirects peer traffic by itself"),
    /** Translation Blocking. */
    TB(Acs.TB, "Translation Blocking", "read by neither rule"),
    /** P2P Request Redirect. */
    RR(Acs.RR, "P2P Request Redirect", "P2PDMA: set means redirect; IOMMU isolation requires it"),
    /** P2P Completion Redirect. */
    CR(Acs.CR, "P2P Completion Redirect", "P2PDMA: set means redirect; IOMMU isolation requires it"),
    /** Upstream Forwarding. */
    UF(Acs.UF, "Upstream Forwarding", "IOMMU isolation requires it"),
    /** P2P Egress Control. */
    EC(Acs.EC, "P2P Egress Control", "P2PDMA: set means redirect"),
    /** Direct Translated P2P. */
    DT(Acs.DT, "Direct Translated P2P", "read by neither rule");

    /** The bit in both registers. */
    private final int mask;
    /** Its name in the PCIe specification. */
    private final String title;
    /** Which rule of the kernel reads it, in words. */
    private final String readBy;

    AcsBit(int mask, String title, String readBy) {
        this.mask = mask;
        this.title = title;
        this.readBy = readBy;
    }

    /** The bit in both registers. */
    public int mask() {
        return mask;
    }

    /** Its name in the PCIe specification, e.g. "P2P Request Redirect". */
    public String title() {
        return title;
    }

    /** Which rule reads it, in words. */
    public String readBy() {
        return readBy;
    }

    /**
     * The lines that explain a function's ACS: one per bit (capable or not, enabled or not, and
     * the rule that reads it), then what the two rules conclude for this function.
     */
    public static List<String> explain(PciFunction f) {
        String who = "ACS of " + f.address() + " (" + f.portType().label() + ")";
        return switch (f.acs()) {
            case AcsState.Absent a -> List.of(who + ": no ACS capability: P2PDMA sees no redirect here; IOMMU groups fall back on quirks"
                    + " and the bridges above (groups --why)");
            case AcsState.Unknown u -> List.of(who + ": unknown (" + u.reason() + "): P2PDMA takes the --assume-acs policy for it");
            case AcsState.Unreadable u -> List.of(String.format("%s: capability 0x%04x, control unreadable (%s): Linux 6.12 reads all ones"
                    + " (every bit set: P2PDMA sees a redirect, IOMMU isolation holds); the directional rule (--kernel-version next)"
                    + " refuses P2P through it", who, u.capabilityBits(), u.reason()));
            case AcsState.Present p -> present(who, p);
        };
    }

    private static List<String> present(String who, AcsState.Present p) {
        List<String> out = new java.util.ArrayList<>();
        out.add(String.format("%s: capability 0x%04x, control 0x%04x", who, p.capabilityBits(), p.controlBits()));
        for (AcsBit b : values()) {
            boolean capable = (p.capabilityBits() & b.mask) != 0;
            boolean enabled = (p.controlBits() & b.mask) != 0;
            String state = !capable ? (enabled ? "not capable, control set" : "not capable") : enabled ? "capable, enabled" : "capable, disabled";
            out.add(String.format("  %s %-24s %-18s %s", b.name(), b.title, state, b.readBy));
        }
        List<String> redirecting = List.of(RR, CR, EC).stream().filter(b -> (p.controlBits() & b.mask) != 0).map(Enum::name).toList();
        out.add("  -> P2PDMA: " + (redirecting.isEmpty() ? "no redirect (RR, CR and EC clear): peer traffic may stay below this port"
                : "redirect (" + String.join(", ", redirecting) + " set): peer traffic through this port goes up to the root complex"));
        List<String> missing = List.of(SV, RR, CR, UF).stream().filter(b -> (p.controlBits() & b.mask) == 0).map(Enum::name).toList();
        out.add("  -> IOMMU isolation: " + (missing.isEmpty() ? "SV, RR, CR and UF enabled: this function isolates what is below it"
                : "not isolating here: " + String.join(", ", missing) + " not enabled (SV, RR, CR and UF are all required)"));
        return out;
    }
}
