package dev.p2pdma.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A kernel command line as {@code /proc/cmdline} shows it, with the parts the PCI core reads:
 * {@code pci=} options (comma-separated, each option processed in order, the last
 * {@code disable_acs_redir=} / {@code config_acs=} winning) and the IOMMU switches.
 *
 * <p>Immutable. {@link #withOverride(String)} gives the what-if line for {@code --kernel-param}.
 */
public final class KernelCommandLine {

    /** Whitespace-separated parameters in order. */
    private final List<String> tokens;

    private KernelCommandLine(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    /** Splits a command line on white space (double quotes group, as the kernel's parser does). */
    public static KernelCommandLine parse(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                continue;
            }
            if (Character.isWhitespace(c) && !quoted) {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return new KernelCommandLine(out);
    }

    /** An empty command line. */
    public static KernelCommandLine empty() {
        return new KernelCommandLine(List.of());
    }

    /** The parameters in order. */
    public List<String> tokens() {
        return tokens;
    }

    /** The values of every {@code key=value} parameter with this key, in order. */
    public List<String> values(String key) {
        List<String> out = new ArrayList<>();
        for (String t : tokens) {
            if (t.startsWith(key + "=")) {
                out.add(t.substring(key.length() + 1));
            }
        }
        return out;
    }

    /** True when a bare flag or {@code key=...} parameter with this key is present. */
    public boolean has(String key) {
        return tokens.stream().anyMatch(t -> t.equals(key) || t.startsWith(key + "="));
    }

    /** Every {@code pci=} option in order (each {@code pci=} value split on commas). */
    public List<String> pciOptions() {
        List<String> out = new ArrayList<>();
        for (String v : values("pci")) {
            for (String o : v.split(",", -1)) {
                if (!o.isEmpty()) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    /** The last value of a {@code pci=<name>=<value>} option, as the kernel keeps it. */
    public Optional<String> pciOption(String name) {
        String found = null;
        for (String o : pciOptions()) {
            if (o.startsWith(name + "=")) {
                found = o.substring(name.length() + 1);
            }
        }
        return Optional.ofNullable(found);
    }

    /** True when a bare {@code pci=<flag>} option is present (e.g. {@code noats}). */
    public boolean pciFlag(String name) {
        return pciOptions().contains(name);
    }

    /**
     * Whether this command line asks for a DMA-remapping IOMMU, when it says: {@code intel_iommu=on}
     * or {@code amd_iommu=on} → true; {@code intel_iommu=off}, {@code amd_iommu=off} or
     * {@code iommu=off} → false; otherwise empty (firmware and kernel defaults decide).
     */
    public Optional<Boolean> iommuRequested() {
        Optional<Boolean> out = Optional.empty();
        for (String t : tokens) {
            int eq = t.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String k = t.substring(0, eq);
            List<String> opts = List.of(t.substring(eq + 1).split(","));
            if (k.equals("intel_iommu") || k.equals("amd_iommu")) {
                if (opts.contains("on")) {
                    out = Optional.of(true);
                } else if (opts.contains("off")) {
                    out = Optional.of(false);
                }
            } else if (k.equals("iommu") && opts.contains("off")) {
                out = Optional.of(false);
            }
        }
        return out;
    }

    /**
     * The what-if line for {@code --kernel-param KEY=VALUE}: every parameter with that key is
     * replaced by the new one (appended when there was none); {@code KEY=} with an empty value
     * removes the key.
     *
     * @throws IllegalArgumentException when the text has no {@code =} or an empty key
     */
    public KernelCommandLine withOverride(String keyValue) {
        int eq = keyValue.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--kernel-param expects KEY=VALUE (e.g. pci=disable_acs_redir=0000:00:04.0), got '" + keyValue + "'");
        }
        String key = keyValue.substring(0, eq);
        String value = keyValue.substring(eq + 1);
        if (key.chars().anyMatch(Character::isWhitespace) || value.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("--kernel-param must be one parameter without spaces: '" + keyValue + "'");
        }
        List<String> out = new ArrayList<>();
        boolean placed = false;
        for (String t : tokens) {
            if (t.equals(key) || t.startsWith(key + "=")) {
                if (!placed && !value.isEmpty()) {
                    out.add(keyValue);
                }
                placed = true;
            } else {
                out.add(t);
            }
        }
        if (!placed && !value.isEmpty()) {
            out.add(keyValue);
        }
        return new KernelCommandLine(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelCommandLine k && k.tokens.equals(tokens);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return String.join(" ", tokens);
    }
}
