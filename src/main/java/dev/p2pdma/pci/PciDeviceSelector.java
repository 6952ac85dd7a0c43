package dev.p2pdma.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A device list of the kernel's PCI parameters ({@code pci=disable_acs_redir=}, {@code pci=config_acs=}):
 * entries separated by {@code ;} or {@code ,}, each either an id match
 * {@code pci:<vendor>:<device>[:<subvendor>:<subdevice>]} (0 matches anything) or a path
 * {@code [<domain>:]<bus>:<dev>.<fn>[/<dev>.<fn>]*} whose last element is the device and each
 * element before it the next upstream bridge.
 *
 * <p>Models pci_dev_str_match() as the ACS setup loop uses it: entries are tried in order and the
 * first match wins; an entry that does not parse ends the list there (entries before it still
 * count) and {@link #parseError()} tells which. Immutable.
 */
public final class PciDeviceSelector {

    /** The parsed entries up to the first bad one. */
    private final List<Entry> entries;
    /** The entry text that did not parse, if any. */
    private final Optional<String> parseError;
    /** The list as given. */
    private final String text;

    private PciDeviceSelector(String text, List<Entry> entries, Optional<String> parseError) {
        this.text = text;
        this.entries = List.copyOf(entries);
        this.parseError = parseError;
    }

    /** Parses a device list; never throws: a bad entry is reported by {@link #parseError()}. */
    public static PciDeviceSelector parse(String text) {
        List<Entry> out = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            int end = pos;
            Entry e;
            if (text.startsWith("pci:", pos)) {
                // the id form stops at the first character that is not part of it
                end = pos + 4;
                while (end < text.length() && (PciAddress.isAsciiHexDigit(text.charAt(end)) || text.charAt(end) == ':')) {
                    end++;
                }
                e = parseIds(text.substring(pos + 4, end)).orElse(null);
            } else {
                // the path form runs to the next ';' (a ',' ends the whole pci= option before we get here)
                end = text.indexOf(';', pos);
                if (end < 0) {
                    end = text.length();
                }
                e = parsePath(text.substring(pos, end)).orElse(null);
            }
            if (e == null) {
                return new PciDeviceSelector(text, out, Optional.of(text.substring(pos, end)));
            }
            out.add(e);
            if (end >= text.length()) {
                break;
            }
            char sep = text.charAt(end);
            if (sep != ';' && sep != ',') {
                // end of the list or a malformed separator: the kernel stops looking here
                return new PciDeviceSelector(text, out, Optional.of(text.substring(end)));
            }
            pos = end + 1;
        }
        return new PciDeviceSelector(text, out, Optional.empty());
    }

    private static Optional<Entry> parseIds(String s) {
        String[] parts = s.split(":", -1);
        if (parts.length != 2 && parts.length != 4) {
            return Optional.empty();
        }
        int[] v = new int[4];
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].length() > 4 || !PciAddress.isAsciiHex(parts[i])) {
                return Optional.empty();
            }
            try {
                v[i] = Integer.parseInt(parts[i], 16);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.of(new IdEntry(v[0], v[1], v[2], v[3]));
    }

    private static Optional<Entry> parsePath(String s) {
        String[] parts = s.split("/", -1);
        Optional<PciAddress> top = PciAddress.tryParse(parts[0]);
        if (top.isEmpty() || parts[0].isBlank() || !parts[0].equals(parts[0].strip())) {
            return Optional.empty();
        }
        int[] below = new int[parts.length - 1];
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int dot = p.indexOf('.');
            if (dot <= 0 || dot == p.length() - 1 || !PciAddress.isAsciiHex(p.substring(0, dot)) || !PciAddress.isAsciiHex(p.substring(dot + 1))) {
                return Optional.empty();
            }
            try {
                int dev = Integer.parseInt(p.substring(0, dot), 16);
                int fn = Integer.parseInt(p.substring(dot + 1), 16);
                if (dev > 0x1f || fn > 7) {
                    return Optional.empty();
                }
                below[i - 1] = dev << 3 | fn;
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.of(new PathEntry(top.get(), below));
    }

    /** The list text as given. */
    public String text() {
        return text;
    }

    /** The entries that parsed, in order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The first entry (or trailing text) that did not parse; the kernel ignores the list from there on. */
    public Optional<String> parseError() {
        return parseError;
    }

    /** True when some entry matches the function at {@code index}. */
    public boolean matches(PciTopology topology, int index) {
        for (Entry e : entries) {
            if (e.matches(topology, index)) {
                return true;
            }
        }
        return false;
    }

    /** One entry of a device list. */
    public sealed interface Entry {
        /** True when the entry selects the function at {@code index}. */
        boolean matches(PciTopology topology, int index);
    }

    /**
     * {@code pci:vendor:device[:subvendor:subdevice]}; zero fields match anything.
     *
     * @param vendor          vendor id or 0
     * @param device          device id or 0
     * @param subsystemVendor subsystem vendor id or 0
     * @param subsystemDevice subsystem device id or 0
     */
    public record IdEntry(int vendor, int device, int subsystemVendor, int subsystemDevice) implements Entry {
        @Override
        public boolean matches(PciTopology topology, int index) {
            PciFunction f = topology.function(index);
            return (vendor == 0 || vendor == f.vendorId())
                    && (device == 0 || device == f.deviceId())
                    && (subsystemVendor == 0 || subsystemVendor == f.subsystemVendorId().orElse(0))
                    && (subsystemDevice == 0 || subsystemDevice == f.subsystemDeviceId().orElse(0));
        }
    }

    /**
     * {@code [domain:]bus:dev.fn[/dev.fn]*}: the last devfn is the device, each earlier one its
     * upstream bridge, and the first element the topmost device in full.
     *
     * @param top    the first element
     * @param below  devfns of the elements after the first, top to bottom
     */
    public record PathEntry(PciAddress top, int[] below) implements Entry {
        @Override
        public boolean matches(PciTopology topology, int index) {
            int dev = index;
            for (int k = below.length - 1; k >= 0; k--) {
                if (topology.function(dev).address().devfn() != below[k]) {
                    return false;
                }
                dev = topology.upstream(dev);
                if (dev < 0) {
                    return false;
                }
            }
            return topology.function(dev).address().equals(top);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PathEntry p && p.top.equals(top) && java.util.Arrays.equals(p.below, below);
        }

        @Override
        public int hashCode() {
            return top.hashCode() * 31 + java.util.Arrays.hashCode(below);
        }

        @Override
        public String toString() {
            return "PathEntry[" + top + java.util.Arrays.toString(below) + "]";
        }
    }
}
