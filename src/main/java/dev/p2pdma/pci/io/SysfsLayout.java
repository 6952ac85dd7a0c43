package dev.p2pdma.pci.io;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The capture format of the conformance cases (shared/conformance/README.md, section 1): which
 * paths and files a sysfs capture holds. Shared by {@link SysfsImporter} and
 * {@link SysfsCaptureWriter} so the two cannot drift apart. Constants only.
 */
final class SysfsLayout {

    /** The directory of per-function links. */
    static final String PCI_DEVICES = "sys/bus/pci/devices";
    /** Where function directories live. */
    static final String DEVICES_PREFIX = "sys/devices/";
    /** The IOMMU groups directory. */
    static final String IOMMU_GROUPS = "sys/kernel/iommu_groups";
    /** The boot CPU description. */
    static final String CPUINFO = "proc/cpuinfo";
    /** The kernel command line. */
    static final String CMDLINE = "proc/cmdline";
    /** The kernel release. */
    static final String OSRELEASE = "proc/sys/kernel/osrelease";
    /** The firmware's DMI strings (a link to sys/devices/virtual/dmi/id on a live machine; a plain directory in a capture). */
    static final String DMI_DIR = "sys/class/dmi/id";
    /** Where the DMI strings really are; read when a dump has no sys/class/dmi/id (some of hwloc's test dumps). */
    static final String DMI_DEVICE_DIR = "sys/devices/virtual/dmi/id";
    /** The DMI directories, in the order they are looked for. */
    static final List<String> DMI_DIRS = List.of(DMI_DIR, DMI_DEVICE_DIR);
    /** The DMI strings a capture holds: the names that tell a vendor and a product, never serial numbers or UUIDs. */
    static final List<String> DMI_FILES = List.of("sys_vendor", "product_name", "product_version", "product_family",
            "board_vendor", "board_name", "bios_vendor", "bios_version", "chassis_vendor");
    /** The running kernel's configuration, when built with CONFIG_IKCONFIG_PROC (gzip'd text). */
    static final String PROC_CONFIG = "proc/config.gz";
    /** The kernel configuration in a capture when it came from /boot (plain text). */
    static final String BOOT_CONFIG = "boot/config";
    /** The kernel configuration on a live machine, followed by the release: {@code boot/config-6.12.117}. */
    static final String BOOT_CONFIG_PREFIX = "boot/config-";
    /** The p2pmem attribute directory inside a function directory. */
    static final String P2PMEM = "p2pmem";

    /** Regular files of a function directory that a capture holds, when the kernel provides them. */
    static final List<String> FUNCTION_FILES = List.of(
            "vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision", "config", "resource",
            "numa_node", "local_cpulist", "current_link_speed", "current_link_width", "max_link_speed", "max_link_width",
            "secondary_bus_number", "subordinate_bus_number", "sriov_totalvfs", "sriov_numvfs");
    /** Symbolic links of a function directory that a capture holds (besides {@code virtfn<N>}). */
    static final List<String> FUNCTION_LINKS = List.of("driver", "iommu_group", "physfn");
    /** Files of the {@code p2pmem/} directory that a capture holds ({@code allocate} never). */
    static final List<String> P2PMEM_FILES = List.of("size", "available", "published");
    /** The procfs files a capture holds. */
    static final List<String> PROC_FILES = List.of(CPUINFO, CMDLINE, OSRELEASE);

    /** A virtual-function link: {@code virtfn<N>}. */
    static final Pattern VIRTFN = Pattern.compile("virtfn(\\d{1,5})");
    /** A host bridge directory: {@code pci<domain>:<bus>}, hex. */
    static final Pattern HOST_BRIDGE = Pattern.compile("pci([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2})");

    /** Last path components whose bytes an importer needs from a tarball. */
    static final Set<String> IMPORTED_FILE_NAMES = Set.of(
            "vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision", "config", "resource",
            "numa_node", "current_link_speed", "current_link_width", "max_link_speed", "max_link_width",
            "secondary_bus_number", "subordinate_bus_number", "size", "available", "published",
            "cpuinfo", "cmdline", "osrelease", "config.gz",
            "sys_vendor", "product_name", "product_version", "product_family", "board_vendor", "board_name", "bios_vendor",
            "bios_version", "chassis_vendor");

    private SysfsLayout() {
    }
}
