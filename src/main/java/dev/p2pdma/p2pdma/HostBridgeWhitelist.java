package dev.p2pdma.p2pdma;

import dev.p2pdma.pci.CpuInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Models pci_p2pdma_whitelist[] and cpu_supports_p2pdma() (spec 1.10, 11.7, 12.1): which host
 * bridges may carry peer-to-peer traffic, for a kernel version. The rows are data, read once from
 * the resource {@code host-bridge-allowlist.tsv} beside this class (one row per entry: vendor,
 * device or {@code any}, flags, the version that added it, its source); a version's table is the
 * rows whose version it has, in the file's order, which is the kernel's order.
 *
 * <p>Invariant: the resource is well formed, or loading this class fails naming the file and line.
 * Immutable; thread-safe.
 */
public final class HostBridgeWhitelist {

    /** Intel's vendor id. */
    public static final int INTEL = 0x8086;
    /** Google's vendor id. */
    public static final int GOOGLE = 0x1ae0;
    /** NVIDIA's vendor id. */
    public static final int NVIDIA = 0x10de;
    /** Zhaoxin's vendor id. */
    public static final int ZHAOXIN = 0x1d17;
    /** Device id meaning "any device" (PCI_ANY_ID, the Google entry). */
    public static final int ANY_DEVICE = -1;
    /** The lowest AMD family the CPU rule accepts (Zen). */
    public static final int AMD_ZEN_FAMILY = 0x17;
    /** The resource the rows come from, beside this class. */
    public static final String RESOURCE = "host-bridge-allowlist.tsv";
    /** The flag name of REQ_SAME_HOST_BRIDGE in the resource. */
    static final String REQ_SAME_HOST_BRIDGE = "REQ_SAME_HOST_BRIDGE";

    /**
     * One row of the table.
     *
     * @param vendor            vendor id of the host bridge device
     * @param device            device id, or {@link #ANY_DEVICE}
     * @param requireSameBridge REQ_SAME_HOST_BRIDGE: only for traffic that stays below one host bridge
     * @param since             first kernel version that has the row
     * @param sinceApproximate  true when {@code since} comes from commit dates, not a release tag
     * @param source            commit ids and the copies that confirm the row (file ids)
     * @param comment           what the device is
     */
    public record Entry(int vendor, int device, boolean requireSameBridge, KernelVersion since, boolean sinceApproximate, String source,
                        String comment) {

        /** The first version as text, "~" when approximate ("~7.4"). */
        public String sinceText() {
            return (sinceApproximate ? "~" : "") + since;
        }

        /** The id as lspci shows it, "8086:09a2" or "1ae0:any". */
        public String idText() {
            return String.format("%04x:", vendor) + (device == ANY_DEVICE ? "any" : String.format("%04x", device));
        }

        /** True when the row matches a host-bridge device. */
        boolean matches(int v, int d) {
            return vendor == v && (device == ANY_DEVICE || device == d);
        }
    }

    /** Every row the model knows, in the kernel's order. */
    private static final List<Entry> ALL = load();

    /** The rows of the chosen version, in table order. */
    private final List<Entry> entries;
    /** The kernel version. */
    private final KernelVersion version;

    private HostBridgeWhitelist(KernelVersion version) {
        this.version = version;
        this.entries = ALL.stream().filter(e -> version.atLeast(e.since())).toList();
    }

    /** The whitelist of a kernel version. */
    public static HostBridgeWhitelist of(KernelVersion version) {
        return new HostBridgeWhitelist(version);
    }

    /** Every row of the resource, in the kernel's order, whatever its version. */
    public static List<Entry> allRows() {
        return ALL;
    }

    /** The rows this version has, in table order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The kernel version. */
    public KernelVersion version() {
        return version;
    }

    /**
     * The row that admits a host bridge device, if any (first match in table order; exact device
     * match, or any device for the Google row).
     */
    public Optional<Entry> lookup(int vendor, int device) {
        for (Entry e : entries) {
            if (e.matches(vendor, device)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Models __host_bridge_whitelist() without its warning: whether the table admits a host bridge
     * whose first device is {@code vendor:device}, for traffic that stays below it
     * ({@code sameHostBridge}) or as one of two host bridges.
     */
    public boolean admits(int vendor, int device, boolean sameHostBridge) {
        return lookup(vendor, device).map(e -> sameHostBridge || !e.requireSameBridge()).orElse(false);
    }

    /**
     * The first kernel version whose table admits a host bridge device (as {@link #admits}), if any
     * version the model knows does; for "a newer kernel whose allowlist has that host bridge".
     */
    public static Optional<KernelVersion> firstVersionAdmitting(int vendor, int device, boolean sameHostBridge) {
        TreeSet<KernelVersion> candidates = new TreeSet<>();
        for (Entry e : ALL) {
            if (e.matches(vendor, device)) {
                candidates.add(e.since());
            }
        }
        return candidates.stream().filter(v -> of(v).admits(vendor, device, sameHostBridge)).findFirst();
    }

    /**
     * Models cpu_supports_p2pdma(): an AMD CPU of family 0x17 (Zen) or later. Hygon and older AMD
     * families fall through to the whitelist.
     */
    public static boolean cpuSupportsP2pdma(Optional<CpuInfo> cpu) {
        return cpu.map(c -> CpuInfo.AMD.equals(c.vendor()) && c.family() >= AMD_ZEN_FAMILY).orElse(false);
    }

    /** Reads the resource; a missing or malformed one stops the class from loading, naming file and line. */
    private static List<Entry> load() {
        try (InputStream in = HostBridgeWhitelist.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing beside " + HostBridgeWhitelist.class.getName());
            }
            return parse(RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /**
     * Parses the table's lines: blank lines and lines starting with '#' are skipped, every other
     * line is one row of six tab-separated fields.
     *
     * @param name  the file name used in messages
     * @param lines the lines
     * @throws IllegalArgumentException naming the file, the line number and the field at the first malformed line
     */
    static List<Entry> parse(String name, List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String where = name + " line " + (n + 1) + ": ";
            String[] f = line.split("\t", -1);
            if (f.length != 6) {
                throw new IllegalArgumentException(where + "expected 6 tab-separated fields (vendor, device, flags, since, source, comment), found "
                        + f.length);
            }
            int vendor = hexId(where, "vendor", f[0]);
            int device = f[1].equals("any") ? ANY_DEVICE : hexId(where, "device", f[1]);
            boolean same = switch (f[2]) {
                case "-" -> false;
                case REQ_SAME_HOST_BRIDGE -> true;
                default -> throw new IllegalArgumentException(where + "flags '" + f[2] + "': expected '-' or " + REQ_SAME_HOST_BRIDGE);
            };
            boolean approximate = f[3].startsWith("~");
            KernelVersion since;
            try {
                since = KernelVersion.parse(approximate ? f[3].substring(1) : f[3]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + "since: " + e.getMessage(), e);
            }
            if (since.isNext() || !f[3].matches("~?\\d+\\.\\d+")) {
                throw new IllegalArgumentException(where + "since '" + f[3] + "': expected MAJOR.MINOR, '~' before it when approximate");
            }
            if (f[4].isBlank() || f[5].isBlank()) {
                throw new IllegalArgumentException(where + "every row needs a source and a comment");
            }
            out.add(new Entry(vendor, device, same, since, approximate, f[4], f[5]));
        }
        return List.copyOf(out);
    }

    /** A 4-digit hexadecimal id. */
    private static int hexId(String where, String field, String text) {
        if (!text.matches("[0-9a-fA-F]{4}")) {
            throw new IllegalArgumentException(where + field + " '" + text + "': expected 4 hexadecimal digits" + (field.equals("device") ? " or 'any'" : ""));
        }
        return Integer.parseInt(text, 16);
    }
}
