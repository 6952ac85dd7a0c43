package dev.p2pdma.pci;

import java.util.Comparator;
import java.util.Optional;

/**
 * A PCI function address, {@code domain:bus:device.function}, as the kernel prints it with
 * {@code pci_name()}.
 *
 * <p>Invariants: {@code domain} is an unsigned 32-bit value (16-bit domains are the common case,
 * some hosts use 32-bit ones such as {@code 10000}); {@code bus} is 0..255, {@code device} 0..31,
 * {@code function} 0..7. Ordering is domain (unsigned), bus, device, function: the order of
 * {@code /sys/bus/pci/devices}.
 *
 * @param domain  PCI segment, unsigned 32-bit
 * @param bus     bus number, 0..255
 * @param device  device (slot) number, 0..31
 * @param function function number, 0..7
 */
public record PciAddress(int domain, int bus, int device, int function) implements Comparable<PciAddress> {

    /** Orders by unsigned domain, then bus, device and function. */
    private static final Comparator<PciAddress> ORDER = Comparator
            .comparing((PciAddress a) -> Integer.toUnsignedLong(a.domain))
            .thenComparingInt(PciAddress::bus)
            .thenComparingInt(PciAddress::device)
            .thenComparingInt(PciAddress::function);

    public PciAddress {
        if (bus < 0 || bus > 0xff) {
            throw new IllegalArgumentException("bus out of range 0..ff: " + bus);
        }
        if (device < 0 || device > 0x1f) {
            throw new IllegalArgumentException("device out of range 0..1f: " + device);
        }
        if (function < 0 || function > 7) {
            throw new IllegalArgumentException("function out of range 0..7: " + function);
        }
    }

    /** Builds an address from a bus number and an 8-bit devfn. */
    public static PciAddress ofDevfn(int domain, int bus, int devfn) {
        return new PciAddress(domain, bus, (devfn >> 3) & 0x1f, devfn & 7);
    }

    /**
     * Parses {@code [domain:]bus:device.function} in hex, as sysfs, lspci and the kernel's
     * parameters write it.
     *
     * @return the address, or empty when {@code text} is not one
     */
    public static Optional<PciAddress> tryParse(String text) {
        String s = text.strip();
        int dot = s.lastIndexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String[] parts = s.substring(0, dot).split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            return Optional.empty();
        }
        try {
            long domain = parts.length == 3 ? parseHex(parts[0], 8) : 0;
            int bus = (int) parseHex(parts[parts.length - 2], 2);
            int dev = (int) parseHex(parts[parts.length - 1], 2);
            int fn = (int) parseHex(s.substring(dot + 1), 1);
            if (dev > 0x1f || fn > 7) {
                return Optional.empty();
            }
            return Optional.of(new PciAddress((int) domain, bus, dev, fn));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses an address or throws {@link IllegalArgumentException} naming the text.
     */
    public static PciAddress parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException(
                "not a PCI address (expected [domain:]bus:device.function in hex): '" + text + "'"));
    }

    private static long parseHex(String s, int maxDigits) {
        if (s.isEmpty() || s.length() > maxDigits || !isAsciiHex(s)) {
            throw new NumberFormatException(s);
        }
        return Long.parseLong(s, 16);
    }

    /**
     * True for {@code 0-9}, {@code a-f} and {@code A-F} only: unlike {@link Character#digit(char, int)}
     * it refuses Unicode digits such as Arabic-Indic or fullwidth ones, which no kernel writes.
     */
    public static boolean isAsciiHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** True when {@code s} is non-empty and every character is an ASCII hex digit. */
    public static boolean isAsciiHex(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isAsciiHexDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The 8-bit devfn: device in bits 7..3, function in bits 2..0. */
    public int devfn() {
        return (device << 3) | function;
    }

    /** The kernel's per-provider cache key: {@code domain << 16 | bus << 8 | devfn}. */
    public long cacheKey() {
        return (Integer.toUnsignedLong(domain) << 16) | ((long) bus << 8) | devfn();
    }

    /** The same slot with another function number. */
    public PciAddress withFunction(int fn) {
        return new PciAddress(domain, bus, device, fn);
    }

    /** The domain as the kernel prints it: at least four lower-case hex digits. */
    public String domainText() {
        if (domain == 0) {
            return "0000";
        }
        String hex = Integer.toHexString(domain);
        return hex.length() >= 4 ? hex : "0".repeat(4 - hex.length()) + hex;
    }

    /** The sysfs name of the root bus directory for a host bridge: {@code pci0000:00}. */
    public static String hostBridgeName(int domain, int bus) {
        return "pci" + new PciAddress(domain, bus, 0, 0).domainText() + ":" + String.format("%02x", bus);
    }

    @Override
    public int compareTo(PciAddress other) {
        return ORDER.compare(this, other);
    }

    /** {@code 0000:00:04.0}. */
    @Override
    public String toString() {
        String d = domainText();
        char[] c = new char[d.length() + 8];
        d.getChars(0, d.length(), c, 0);
        int k = d.length();
        c[k] = ':';
        c[k + 1] = HEX[bus >> 4];
        c[k + 2] = HEX[bus & 0xf];
        c[k + 3] = ':';
        c[k + 4] = HEX[device >> 4];
        c[k + 5] = HEX[device & 0xf];
        c[k + 6] = '.';
        c[k + 7] = (char) ('0' + function);
        return new String(c);
    }

    /** Lower-case hex digits. */
    private static final char[] HEX = "0123456789abcdef".toCharArray();
}
