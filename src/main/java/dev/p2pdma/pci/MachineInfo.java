package dev.p2pdma.pci;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an importer learnt about the machine besides its PCI functions: the boot CPU, the kernel
 * command line, and the IOMMU groups the running kernel made.
 *
 * @param source        where the topology came from, for people ("sysfs /sys", "hwloc foo.xml")
 * @param cpu           the boot CPU, when the input says
 * @param cmdline       the kernel command line as booted ({@code /proc/cmdline}), when known
 * @param kernelRelease {@code /proc/sys/kernel/osrelease}, when known
 * @param iommuActive   whether the kernel had IOMMU groups, when known
 * @param iommuGroups   captured IOMMU groups: number to sorted members; empty when none or unknown
 * @param notes         importer remarks for people (what was missing, what was assumed)
 * @param platform      the CPU hypervisor flag, DMI strings and kernel configuration, as far as the input has them
 */
public record MachineInfo(String source, Optional<CpuInfo> cpu, Optional<String> cmdline, Optional<String> kernelRelease,
                          Optional<Boolean> iommuActive, SortedMap<Integer, List<PciAddress>> iommuGroups, List<String> notes,
                          PlatformFacts platform) {

    public MachineInfo {
        iommuGroups = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(iommuGroups));
        notes = List.copyOf(notes);
    }

    /** A machine of which nothing is known beyond the source. */
    public static MachineInfo unknown(String source) {
        return new MachineInfo(source, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                new TreeMap<>(), List.of(), PlatformFacts.UNKNOWN);
    }

    /** The same facts with another source, e.g. the file a topology was read from. */
    public MachineInfo withSource(String s) {
        return new MachineInfo(s, cpu, cmdline, kernelRelease, iommuActive, iommuGroups, notes, platform);
    }

    public MachineInfo withCpu(Optional<CpuInfo> c) {
        return new MachineInfo(source, c, cmdline, kernelRelease, iommuActive, iommuGroups, notes, platform);
    }

    public MachineInfo withCmdline(Optional<String> c) {
        return new MachineInfo(source, cpu, c, kernelRelease, iommuActive, iommuGroups, notes, platform);
    }

    public MachineInfo withKernelRelease(Optional<String> r) {
        return new MachineInfo(source, cpu, cmdline, r, iommuActive, iommuGroups, notes, platform);
    }

    public MachineInfo withIommu(Optional<Boolean> active, Map<Integer, List<PciAddress>> groups) {
        return new MachineInfo(source, cpu, cmdline, kernelRelease, active, new TreeMap<>(groups), notes, platform);
    }

    /** The same facts with these platform facts (hypervisor flag, DMI, kernel configuration). */
    public MachineInfo withPlatform(PlatformFacts p) {
        return new MachineInfo(source, cpu, cmdline, kernelRelease, iommuActive, iommuGroups, notes, p);
    }

    public MachineInfo withNote(String note) {
        List<String> n = new java.util.ArrayList<>(notes);
        n.add(note);
        return new MachineInfo(source, cpu, cmdline, kernelRelease, iommuActive, iommuGroups, n, platform);
    }
}
