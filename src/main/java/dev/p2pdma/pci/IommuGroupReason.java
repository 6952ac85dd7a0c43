package dev.p2pdma.pci;

import java.util.Objects;

/**
 * Why a function joined an existing IOMMU group instead of getting its own: the step of
 * pci_device_group() that found the group (spec 5.6 with 11.5). Values; immutable and thread-safe.
 */
public sealed interface IommuGroupReason {

    /** The function that joined. */
    PciAddress member();

    /** The function whose group it joined. */
    PciAddress joined();

    /** One line for people. */
    String describe();

    /**
     * Step 1, the DMA-alias walk: a bridge above the member that is not a PCIe port (a
     * PCIe-to-PCI, PCI-to-PCIe or conventional PCI bridge) issues the member's DMA under its own
     * requester ID, so the two cannot be told apart.
     *
     * @param member     the function that joined
     * @param joined     the aliasing bridge
     * @param bridgeType the bridge's type
     */
    record AliasBridge(PciAddress member, PciAddress joined, PortType bridgeType) implements IommuGroupReason {
        public AliasBridge {
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(joined, "joined");
            Objects.requireNonNull(bridgeType, "bridgeType");
        }

        @Override
        public String describe() {
            return member + " joins " + joined + ": that " + bridgeType.label()
                    + " issues the DMA of the devices below it under its own requester ID (DMA alias)";
        }
    }

    /**
     * Step 2: the path from a bridge above the member up to the root is not ACS-isolated, so the
     * member shares the bridge's group.
     *
     * @param member  the function that joined
     * @param joined  the bridge whose path failed
     * @param failing the first device on that path that failed pci_acs_enabled(), and why
     */
    record UpstreamNotIsolated(PciAddress member, PciAddress joined, AcsIsolation.Verdict failing) implements IommuGroupReason {
        public UpstreamNotIsolated {
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(joined, "joined");
            Objects.requireNonNull(failing, "failing");
        }

        @Override
        public String describe() {
            return member + " joins " + joined + ": the path from " + joined + " to the root is not ACS-isolated at "
                    + failing.device() + " (" + failing.detail() + ")";
        }
    }

    /**
     * Step 4: the member is a function of a multifunction slot and neither it nor the joined
     * function of the same slot is ACS-isolated.
     *
     * @param member        the function that joined
     * @param joined        the other function of the slot
     * @param memberVerdict why the member is not isolated
     * @param joinedVerdict why the other function is not isolated
     */
    record MultifunctionNotIsolated(PciAddress member, PciAddress joined, AcsIsolation.Verdict memberVerdict,
                                    AcsIsolation.Verdict joinedVerdict) implements IommuGroupReason {
        public MultifunctionNotIsolated {
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(joined, "joined");
            Objects.requireNonNull(memberVerdict, "memberVerdict");
            Objects.requireNonNull(joinedVerdict, "joinedVerdict");
        }

        @Override
        public String describe() {
            return member + " joins " + joined + ": functions of one multifunction slot without isolation: " + member + " ("
                    + memberVerdict.detail() + "), " + joined + " (" + joinedVerdict.detail() + ")";
        }
    }
}
