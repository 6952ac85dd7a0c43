package dev.p2pdma.p2pdma;

import dev.p2pdma.pci.CpuInfo;
import java.util.List;
import java.util.Optional;

/**
 * Models pci_p2pdma_whitelist[] and cpu_supports_p2pdma() (spec 1.10, 11.7): which host bridges
 * may carry peer-to-peer traffic. Immutable; thread-safe.
 */
public final class HostBridgeWhitelist {

    /** Intel's vendor id. */
    public static final int INTEL = 0x8086;
    /** Google's vendor id. */
    public static final int GOOGLE = 0x1ae0;
    /** Device id meaning "any device" (IOVA25 Google entry). */
    public static final int ANY_DEVICE = -1;
    /** The lowest AMD family the CPU rule accepts (Zen). */
    public static final int AMD_ZEN_FAMILY = 0x17;

    /**
     * One whitelist row.
     *
     * @param vendor              vendor id of the host bridge device
     * @param device              device id, or {@link #ANY_DEVICE}
     * @param requireSameBridge   REQ_SAME_HOST_BRIDGE: only for traffic that stays below one host bridge
     * @param since               first era that has the row
     * @param comment             what the device is
     */
    public record Entry(int vendor, int device, boolean requireSameBridge, Era since, String comment) {
    }

    /** Every row the model knows, with the era that introduced it. */
    private static final List<Entry> ALL = List.of(
            new Entry(INTEL, 0x3c00, true, Era.PRE, "Xeon E5 / Core i7"),
            new Entry(INTEL, 0x3c01, true, Era.PRE, "Xeon E5 / Core i7"),
            new Entry(INTEL, 0x2f00, true, Era.PRE, "Xeon E7 v3 / E5 v3"),
            new Entry(INTEL, 0x2f01, true, Era.PRE, "Xeon E7 v3 / E5 v3"),
            new Entry(INTEL, 0x2030, false, Era.PRE, "Skylake-E root port"),
            new Entry(INTEL, 0x2031, false, Era.PRE, "Skylake-E root port"),
            new Entry(INTEL, 0x2032, false, Era.PRE, "Skylake-E root port"),
            new Entry(INTEL, 0x2033, false, Era.PRE, "Skylake-E root port"),
            new Entry(INTEL, 0x2020, false, Era.PRE, "Skylake-E root port"),
            new Entry(INTEL, 0x09a2, false, Era.SG, "Ice Lake and later Xeon"),
            new Entry(GOOGLE, ANY_DEVICE, false, Era.IOVA25, "Google SoCs"),
            new Entry(INTEL, 0x0b25, false, Era.NEXT, "DSA (Sapphire Rapids)"),
            new Entry(INTEL, 0x0cfe, false, Era.NEXT, "IAX (Sapphire Rapids)"),
            new Entry(INTEL, 0x11fb, false, Era.NEXT, "DSA (Granite Rapids-D)"),
            new Entry(INTEL, 0x1212, false, Era.NEXT, "DSA (Diamond Rapids)"),
            new Entry(INTEL, 0x1216, false, Era.NEXT, "IAA (Diamond Rapids)"),
            new Entry(INTEL, 0x4940, false, Era.NEXT, "QAT 4xxx"),
            new Entry(INTEL, 0x4942, false, Era.NEXT, "QAT 401xx"),
            new Entry(INTEL, 0x4944, false, Era.NEXT, "QAT 402xx"),
            new Entry(INTEL, 0x4946, false, Era.NEXT, "QAT 420xx"),
            new Entry(INTEL, 0x4948, false, Era.NEXT, "QAT 6xxx"));

    /** The rows of the chosen era, in table order. */
    private final List<Entry> entries;
    /** The era. */
    private final Era era;

    private HostBridgeWhitelist(Era era) {
        this.era = era;
        this.entries = ALL.stream().filter(e -> era.atLeast(e.since())).toList();
    }

    /** The whitelist of an era. */
    public static HostBridgeWhitelist of(Era era) {
        return new HostBridgeWhitelist(era);
    }

    public List<Entry> entries() {
        return entries;
    }

    public Era era() {
        return era;
    }

    /**
     * The row that admits a host bridge device, if any (first match in table order; exact device
     * match, or any device for the Google row).
     */
    public Optional<Entry> lookup(int vendor, int device) {
        for (Entry e : entries) {
            if (e.vendor() == vendor && (e.device() == ANY_DEVICE || e.device() == device)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Models cpu_supports_p2pdma(): an AMD CPU of family 0x17 (Zen) or later. Hygon and older AMD
     * families fall through to the whitelist.
     */
    public static boolean cpuSupportsP2pdma(Optional<CpuInfo> cpu) {
        return cpu.map(c -> CpuInfo.AMD.equals(c.vendor()) && c.family() >= AMD_ZEN_FAMILY).orElse(false);
    }
}
