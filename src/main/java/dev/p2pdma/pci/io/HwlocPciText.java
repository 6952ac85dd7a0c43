package dev.p2pdma.pci.io;

import dev.p2pdma.pci.PciAddress;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the text forms hwloc writes in the PCI attributes of its XML ({@code pci_busid},
 * {@code pci_type}, {@code bridge_pci}, {@code bridge_type}, {@code pci_link_speed}).
 *
 * <p>Each parser returns empty when the text is not in the form hwloc writes; callers turn that
 * into an {@link ImportException} naming the file, line and text. Stateless and thread-safe.
 */
final class HwlocPciText {

    /** {@code DDDD:BB:DD.F}: domain of up to 8 hex digits (32-bit domains), bus and device of 1..2, function 0..7. */
    private static final Pattern BUS_ID = Pattern.compile("([0-9a-fA-F]{1,8}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");
    /**
     * {@code CCCC [VVVV:DDDD] [SSSS:SSSS] RR} and, since hwloc 2.x, {@code PP} (programming
     * interface); anything after that is ignored so that later additions still parse.
     */
    private static final Pattern PCI_TYPE = Pattern.compile(
            "([0-9a-fA-F]{1,4})\\s+\\[([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})]\\s+\\[([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})]"
                    + "\\s+([0-9a-fA-F]{1,2})(?:\\s+([0-9a-fA-F]{1,2}))?(?:\\s+\\S.*)?");
    /** {@code DDDD:[SS-EE]}: domain, secondary and subordinate bus. */
    private static final Pattern BRIDGE_PCI = Pattern.compile("([0-9a-fA-F]{1,8}):\\[([0-9a-fA-F]{1,2})-([0-9a-fA-F]{1,2})]");
    /** {@code U-D}: upstream and downstream bridge type numbers. */
    private static final Pattern BRIDGE_TYPE = Pattern.compile("([0-9]{1,3})-([0-9]{1,3})");

    private HwlocPciText() {
    }

    /**
     * The fields of a {@code pci_type} attribute.
     *
     * @param classId   16-bit base class and sub-class
     * @param vendor    vendor id
     * @param device    device id
     * @param subVendor subsystem vendor id
     * @param subDevice subsystem device id
     * @param revision  revision id
     * @param progIf    programming interface, absent in files written by hwloc 1.x
     */
    record PciType(int classId, int vendor, int device, int subVendor, int subDevice, int revision, OptionalInt progIf) {

        /** The 24-bit class code; prog-if 00 when the file does not record it. */
        int classCode() {
            return classId << 8 | progIf.orElse(0);
        }
    }

    /**
     * The fields of a {@code bridge_pci} attribute.
     *
     * @param domain      PCI domain, unsigned 32-bit
     * @param secondary   the bus directly below the bridge
     * @param subordinate the highest bus below the bridge
     */
    record BusRange(int domain, int secondary, int subordinate) {

        /** True when {@code bus} of {@code busDomain} lies below the bridge. */
        boolean contains(int busDomain, int bus) {
            return busDomain == domain && bus >= secondary && bus <= subordinate;
        }

        /** {@code 0000:[02-03]}, as hwloc writes it. */
        String text() {
            return new PciAddress(domain, 0, 0, 0).domainText() + String.format(":[%02x-%02x]", secondary, subordinate);
        }
    }

    /**
     * The two numbers of a {@code bridge_type} attribute: 0 is a host (CPU side), 1 is PCI.
     *
     * @param upstream   what the bridge sits on
     * @param downstream what the bridge leads to
     */
    record BridgeType(int upstream, int downstream) {

        /** A PCI host bridge: host above, PCI below. */
        static final BridgeType HOST = new BridgeType(0, 1);
        /** A PCI-to-PCI bridge. */
        static final BridgeType PCI = new BridgeType(1, 1);
    }

    /** Parses {@code DDDD:BB:DD.F}; the domain is required. */
    static Optional<PciAddress> busId(String text) {
        Matcher m = BUS_ID.matcher(text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        int device = hex(m.group(3));
        if (device > 0x1f) {
            return Optional.empty();
        }
        return Optional.of(new PciAddress((int) Long.parseLong(m.group(1), 16), hex(m.group(2)), device, hex(m.group(4))));
    }

    /** Parses {@code CCCC [VVVV:DDDD] [SSSS:SSSS] RR [PP ...]}. */
    static Optional<PciType> pciType(String text) {
        Matcher m = PCI_TYPE.matcher(text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        OptionalInt progIf = m.group(7) == null ? OptionalInt.empty() : OptionalInt.of(hex(m.group(7)));
        return Optional.of(new PciType(hex(m.group(1)), hex(m.group(2)), hex(m.group(3)), hex(m.group(4)), hex(m.group(5)),
                hex(m.group(6)), progIf));
    }

    /** Parses {@code DDDD:[SS-EE]}; empty also when the secondary bus is above the subordinate one. */
    static Optional<BusRange> bridgePci(String text) {
        Matcher m = BRIDGE_PCI.matcher(text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        int secondary = hex(m.group(2));
        int subordinate = hex(m.group(3));
        if (secondary > subordinate) {
            return Optional.empty();
        }
        return Optional.of(new BusRange((int) Long.parseLong(m.group(1), 16), secondary, subordinate));
    }

    /** Parses {@code U-D}. */
    static Optional<BridgeType> bridgeType(String text) {
        Matcher m = BRIDGE_TYPE.matcher(text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new BridgeType(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
    }

    /** Parses the link bandwidth in GB/s that hwloc prints with {@code %f}; empty unless finite and not negative. */
    static Optional<Double> linkSpeed(String text) {
        String s = text.strip();
        if (s.isEmpty() || s.length() > 40 || !s.matches("[0-9.eE+-]+")) {
            return Optional.empty();
        }
        try {
            double v = Double.parseDouble(s);
            return Double.isFinite(v) && v >= 0 ? Optional.of(v) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static int hex(String s) {
        return Integer.parseInt(s, 16);
    }
}
