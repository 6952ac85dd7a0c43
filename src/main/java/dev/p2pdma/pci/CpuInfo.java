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
    /** The largest family CPUID can report: base family 0xf plus the 8-bit extended family. */
    public static final int MAX_FAMILY = 0xf + 0xff;

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
                    if (family < 0 && value.matches("[0-9]{1,9}")) {
                        family = Integer.parseInt(value);
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
        boolean hex = f.startsWith("0x") || f.startsWith("0X");
        String digits = hex ? f.substring(2) : f;
        if (f.startsWith("-") || f.startsWith("0x-") || f.startsWith("0X-")) {
            throw new IllegalArgumentException("--cpu family must not be negative: '" + text + "'");
        }
        if (digits.isEmpty() || digits.length() > 8 || !(hex ? PciAddress.isAsciiHex(digits) : digits.chars().allMatch(c -> c >= '0' && c <= '9'))) {
            throw new IllegalArgumentException("--cpu family is not a number: '" + f + "' in '" + text + "'");
        }
        int family = Integer.parseInt(digits, hex ? 16 : 10);
        if (family > MAX_FAMILY) {
            throw new IllegalArgumentException("--cpu family must be 0x0..0x" + Integer.toHexString(MAX_FAMILY) + " (what CPUID can report), got '"
                    + text + "'");
        }
        return new CpuInfo(vendor, family, "");
    }

    /** {@code AuthenticAMD family 0x17 (AMD EPYC Processor)}. */
    public String describe() {
        return vendor + " family 0x" + Integer.toHexString(family) + (modelName.isEmpty() ? "" : " (" + modelName + ")");
    }
}
