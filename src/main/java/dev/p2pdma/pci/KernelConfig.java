package dev.p2pdma.pci;

import java.util.Optional;

/**
 * What the running kernel's build configuration says about P2PDMA: whether
 * {@code CONFIG_PCI_P2PDMA} was built in. The option is a bool (drivers/pci/Kconfig in Linux
 * 6.12: {@code depends on ZONE_DEVICE} and {@code 64BIT}), so it is either {@code =y} or not
 * built; a configuration in which it is absent altogether (its dependencies unmet) is "not built"
 * too. Without it, include/linux/pci-p2pdma.h replaces the whole API with stubs:
 * {@code pci_p2pdma_distance_many()} returns -1 for every pair, {@code pci_p2pdma_add_resource()}
 * returns -EOPNOTSUPP and {@code pci_has_p2pmem()} false.
 *
 * <p>Immutable; thread-safe.
 *
 * @param source    the file the configuration came from, for people ({@code proc/config.gz}, {@code boot/config})
 * @param pciP2pdma true when the configuration has {@code CONFIG_PCI_P2PDMA=y}
 */
public record KernelConfig(String source, boolean pciP2pdma) {

    /** The option this class looks for, with its assignment. */
    private static final String P2PDMA_BUILT_IN = "CONFIG_PCI_P2PDMA=y";

    /** The reason every verdict gives when the kernel has no P2PDMA. */
    public static final String NOT_BUILT_REASON = "kernel built without CONFIG_PCI_P2PDMA";

    /**
     * Reads a kernel {@code .config} text (as {@code /proc/config.gz} holds it uncompressed, or
     * {@code /boot/config-<release>}).
     *
     * @return empty when the text holds no {@code CONFIG_} line at all (it is no kernel configuration)
     */
    public static Optional<KernelConfig> parse(String source, String text) {
        boolean anyOption = false;
        boolean p2pdma = false;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("CONFIG_") || line.startsWith("# CONFIG_")) {
                anyOption = true;
            }
            if (line.equals(P2PDMA_BUILT_IN)) {
                p2pdma = true;
            }
        }
        return anyOption ? Optional.of(new KernelConfig(source, p2pdma)) : Optional.empty();
    }

    /** The note for people when the kernel has no P2PDMA; empty when it has. */
    public Optional<String> note() {
        if (pciP2pdma) {
            return Optional.empty();
        }
        return Optional.of(NOT_BUILT_REASON + " (" + source + "): no P2PDMA happens at all: pci_p2pdma_distance_many() is a stub "
                + "returning -1, so every pair is NOT_SUPPORTED, and no device can register peer-to-peer memory");
    }
}
