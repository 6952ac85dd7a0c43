package dev.p2pdma.pci;

import java.util.Locale;
import java.util.Optional;

/**
 * The boot CPU as the P2PDMA CPU rule sees it (spec 1.10): vendor id string and family number.
 *
 * @param vendor    {@code vendor_id}, e.g. "AuthenticAMD", "GenuineIntel", "HygonGenuine"
 * @param family    {@code cpu family}, decimal
 * @param modelName {@code model name}, for people; may be empty
 */
public record CpuInfo(String vendor, int family, String modelName) {

    /** The vendor string of AMD processors. */
    public static final String AMD = "AuthenticAMD";
    /** The vendor string of Intel processors. */
    public static final String INTEL = "GenuineIntel";

    /**
     * Reads the first processor of a {@code /proc/cpuinfo} text.
     *
     * @return empty when no {@code vendor_id} line is there (non-x86 machines)
     */
    public static Optional<CpuInfo> parseProcCpuinfo(String text) {
        String vendor = null;
        int family = -1;
        String model = "";
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                if (vendor != null) {
                    break;
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "vendor_id" -> vendor = vendor == null ? value : vendor;
                case "cpu family" -> {
                    if (family < 0) {
                        try {
                            family = Integer.parseInt(value);
                        } catch (NumberFormatException e) {
                            family = -1;
                        }
                    }
                }
                case "model name" -> model = model.isEmpty() ? value : model;
                default -> {
                }
            }
        }
        if (vendor == null || family < 0) {
            return Optional.empty();
        }
        return Optional.of(new CpuInfo(vendor, family, model));
    }

    /**
     * Parses the command-line form {@code VENDOR:FAMILY}: vendor {@code amd}, {@code intel} or a
     * full vendor id string; family decimal or {@code 0x} hex.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static CpuInfo parseFlag(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("--cpu expects VENDOR:FAMILY (e.g. amd:0x19, intel:6), got '" + text + "'");
        }
        String v = text.substring(0, colon).strip();
        String f = text.substring(colon + 1).strip();
        String vendor = switch (v.toLowerCase(Locale.ROOT)) {
            case "amd" -> AMD;
            case "intel" -> INTEL;
            case "hygon" -> "HygonGenuine";
            default -> v;
        };
        int family;
        try {
            family = f.startsWith("0x") || f.startsWith("0X") ? Integer.parseInt(f.substring(2), 16) : Integer.parseInt(f);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--cpu family is not a number: '" + f + "' in '" + text + "'");
        }
        if (family < 0) {
            throw new IllegalArgumentException("--cpu family must not be negative: '" + text + "'");
        }
        return new CpuInfo(vendor, family, "");
    }

    /** {@code AuthenticAMD family 0x17 (AMD EPYC Processor)}. */
    public String describe() {
        return vendor + " family 0x" + Integer.toHexString(family) + (modelName.isEmpty() ? "" : " (" + modelName + ")");
    }
}
