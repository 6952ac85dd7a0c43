package dev.p2pdma.pci;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an input says about the platform beneath the PCI tree: the CPU's {@code hypervisor} flag,
 * the firmware's DMI strings and the kernel's build configuration. The first two are evidence of a
 * virtual machine ({@link VirtualMachineEvidence}), the last decides whether P2PDMA exists at all.
 * Each is optional: captures made before they were recorded, hwloc XML and lspci dumps know only
 * some of them.
 *
 * <p>Immutable; thread-safe.
 *
 * @param cpuHypervisorFlag whether the first processor's {@code flags} in {@code /proc/cpuinfo} hold {@code hypervisor};
 *                          empty when there is no {@code flags} line or no cpuinfo
 * @param dmi               DMI strings by their sysfs name ({@code sys_vendor}, {@code product_name},
 *                          {@code bios_vendor}...), as {@code /sys/class/dmi/id} shows them, stripped; empty when unknown
 * @param kernelConfig      the kernel's build configuration, when the input has it
 */
public record PlatformFacts(Optional<Boolean> cpuHypervisorFlag, SortedMap<String, String> dmi, Optional<KernelConfig> kernelConfig) {

    /** Nothing known. */
    public static final PlatformFacts UNKNOWN = new PlatformFacts(Optional.empty(), new TreeMap<>(), Optional.empty());

    public PlatformFacts {
        dmi = Collections.unmodifiableSortedMap(new TreeMap<>(dmi));
    }

    /** The same facts with the hypervisor flag. */
    public PlatformFacts withCpuHypervisorFlag(Optional<Boolean> flag) {
        return new PlatformFacts(flag, dmi, kernelConfig);
    }

    /** The same facts with these DMI strings. */
    public PlatformFacts withDmi(Map<String, String> strings) {
        return new PlatformFacts(cpuHypervisorFlag, new TreeMap<>(strings), kernelConfig);
    }

    /** The same facts with this kernel configuration. */
    public PlatformFacts withKernelConfig(Optional<KernelConfig> config) {
        return new PlatformFacts(cpuHypervisorFlag, dmi, config);
    }

    /** True when the kernel is known to have been built without CONFIG_PCI_P2PDMA. */
    public boolean p2pdmaNotBuilt() {
        return kernelConfig.isPresent() && !kernelConfig.get().pciP2pdma();
    }

    /**
     * Models the CPUID "hypervisor present" bit as Linux lists it: whether the {@code flags} line
     * of the first processor in a {@code /proc/cpuinfo} text holds {@code hypervisor}.
     *
     * @return empty when the first processor has no {@code flags} line (non-x86 machines)
     */
    public static Optional<Boolean> hypervisorFlag(String cpuinfo) {
        boolean seenProcessor = false;
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank()) {
                if (seenProcessor) {
                    break;
                }
                continue;
            }
            seenProcessor = true;
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals("flags")) {
                for (String flag : line.substring(colon + 1).strip().split("\\s+")) {
                    if (flag.equals("hypervisor")) {
                        return Optional.of(true);
                    }
                }
                return Optional.of(false);
            }
        }
        return Optional.empty();
    }
}
