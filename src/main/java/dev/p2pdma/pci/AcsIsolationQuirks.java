package dev.p2pdma.pci;

import java.util.List;
import java.util.Optional;

/**
 * Models pci_dev_specific_acs_enabled(): the device-specific answers of the kernel's
 * {@code pci_dev_acs_enabled[]} table (drivers/pci/quirks.c) that decide ACS isolation before the
 * generic rules (spec 5.6 {@code acs_enabled} step 1, 11.8).
 *
 * <p>Only entries whose answer needs nothing but the vendor, device and port type are modelled,
 * and only those checked against the kernel source: multifunction endpoints declared isolated
 * ({@code pci_quirk_mf_endpoint_acs}: Solarflare SFC9020/SFL9021, Intel 82598/82599/X520/X540/
 * 82580/82576/82575/I350/82571/I219 NICs, Emulex BE3-R and Skyhawk-R) and the Intel wildcard for
 * root-complex integrated endpoints ({@code pci_quirk_rciep_acs}). Left out, because they read
 * chipset registers the inputs do not carry or could not be verified: AMD SB700/SB800 ports,
 * Intel PCH root ports (ACS enabled through the chipset's RCBA; such ports are judged by their own
 * ACS capability, normally absent, so not isolated — see {@link IommuGroupReason}), Intel
 * Sunrise Point PCH ports (ACS registers at non-standard offsets), Qualcomm/HXT, Cavium, APM
 * X-Gene/Ampere, Broadcom iProc, Amazon Annapurna, NXP, Zhaoxin, Wangxun and Loongson entries.
 * QEMU's q35 devices match no entry (spec 11.8).
 *
 * <p>Invariant: {@link #ENTRIES} is in the kernel's table order; the first entry that gives an
 * answer wins. Stateless and immutable; thread-safe.
 */
public final class AcsIsolationQuirks {

    /** Matches any device id, as the kernel's PCI_ANY_ID. */
    static final int ANY_DEVICE = -1;
    /** Intel's vendor id. */
    static final int INTEL = 0x8086;
    /** Solarflare's vendor id. */
    static final int SOLARFLARE = 0x1924;

    /** What an entry's function does. */
    enum Kind {
        /** pci_quirk_mf_endpoint_acs(): the device isolates its functions; every requested flag counts as enabled. */
        MF_ENDPOINT(Acs.SV | Acs.TB | Acs.RR | Acs.CR | Acs.UF | Acs.DT,
                "multifunction endpoint declared isolated by the kernel's ACS quirk table"),
        /** pci_quirk_rciep_acs(): Intel RCiEPs allow P2P only on translated addresses; other types fall through. */
        INTEL_RCIEP(Acs.SV | Acs.RR | Acs.CR | Acs.UF,
                "Intel root-complex integrated endpoint: isolated by the kernel's ACS quirk (VT-d 3.16)");

        /** The ACS flags the quirk declares enabled (pci_acs_ctrl_enabled()'s second argument). */
        private final int providedFlags;
        /** Why the device counts as isolated, for people. */
        private final String why;

        Kind(int providedFlags, String why) {
            this.providedFlags = providedFlags;
            this.why = why;
        }

        /** Models pci_acs_ctrl_enabled(): true when every requested flag is among the provided ones. */
        boolean enabled(int requestedFlags) {
            return (requestedFlags & providedFlags) == requestedFlags;
        }

        /** Why the device counts as isolated, for people. */
        String why() {
            return why;
        }
    }

    /**
     * One table row.
     *
     * @param vendorId vendor id
     * @param deviceId device id, or {@link #ANY_DEVICE}
     * @param kind     the quirk function
     */
    record Entry(int vendorId, int deviceId, Kind kind) {
        /** True when the row names this function's ids. */
        boolean matches(PciFunction f) {
            return f.vendorId() == vendorId && (deviceId == ANY_DEVICE || f.deviceId() == deviceId);
        }
    }

    /** The modelled rows, in the kernel's order. */
    static final List<Entry> ENTRIES = List.of(
            new Entry(SOLARFLARE, 0x0903, Kind.MF_ENDPOINT),
            new Entry(SOLARFLARE, 0x0923, Kind.MF_ENDPOINT),
            mf(0x10C6), mf(0x10DB), mf(0x10DD), mf(0x10E1), mf(0x10F1), mf(0x10F7), mf(0x10F8), mf(0x10F9),
            mf(0x10FA), mf(0x10FB), mf(0x10FC), mf(0x1507), mf(0x1514), mf(0x151C), mf(0x1529), mf(0x152A),
            mf(0x154D), mf(0x154F), mf(0x1551), mf(0x1558),
            // 82580
            mf(0x1509), mf(0x150E), mf(0x150F), mf(0x1510), mf(0x1511), mf(0x1516), mf(0x1527),
            // 82576
            mf(0x10C9), mf(0x10E6), mf(0x10E7), mf(0x10E8), mf(0x150A), mf(0x150D), mf(0x1518), mf(0x1526),
            // 82575
            mf(0x10A7), mf(0x10A9), mf(0x10D6),
            // I350
            mf(0x1521), mf(0x1522), mf(0x1523), mf(0x1524),
            // 82571 (the kernel leaves out the quad-port parts)
            mf(0x105E), mf(0x105F), mf(0x1060), mf(0x10D9),
            // I219
            mf(0x15b7), mf(0x15b8),
            new Entry(INTEL, ANY_DEVICE, Kind.INTEL_RCIEP),
            // Emulex BE3-R, Skyhawk-R
            new Entry(0x19a2, 0x0710, Kind.MF_ENDPOINT),
            new Entry(0x10df, 0x0720, Kind.MF_ENDPOINT));

    private AcsIsolationQuirks() {
    }

    private static Entry mf(int intelDevice) {
        return new Entry(INTEL, intelDevice, Kind.MF_ENDPOINT);
    }

    /**
     * Models pci_dev_specific_acs_enabled() for the modelled rows: the first row that answers for
     * this function, or empty when none does (the kernel's -ENOTTY); {@link Kind#enabled(int)}
     * then gives the answer for the requested flags.
     */
    static Optional<Kind> answer(PciFunction f) {
        for (Entry e : ENTRIES) {
            if (!e.matches(f)) {
                continue;
            }
            if (e.kind() == Kind.INTEL_RCIEP && f.portType() != PortType.RC_INTEGRATED_ENDPOINT) {
                continue;
            }
            return Optional.of(e.kind());
        }
        return Optional.empty();
    }
}
