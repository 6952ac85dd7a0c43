package dev.p2pdma.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The device kinds {@code --class} selects by PCI class code (base class, or base class and
 * sub-class for NVMe). Immutable; thread-safe.
 */
enum DeviceClass {
    /** NVMe controllers: class 0x0108xx. */
    NVME("nvme", "", 0x0108, true),
    /** Mass storage controllers (NVMe, SATA, SAS, RAID): base class 0x01. */
    STORAGE("storage", "", 0x01, false),
    /** Network controllers (Ethernet, InfiniBand): base class 0x02. */
    NIC("nic", "network", 0x02, false),
    /** Display controllers (VGA, 3D: GPUs): base class 0x03. */
    GPU("gpu", "display", 0x03, false),
    /** Multimedia controllers: base class 0x04. */
    MULTIMEDIA("multimedia", "", 0x04, false),
    /** Memory controllers (CXL memory): base class 0x05. */
    MEMORY("memory", "", 0x05, false),
    /** Serial bus controllers (USB, SMBus): base class 0x0c. */
    SERIAL("serial", "", 0x0c, false),
    /** Processing accelerators: base class 0x12. */
    ACCELERATOR("accelerator", "", 0x12, false);

    /** The name on the command line. */
    private final String flagName;
    /** Another accepted name, empty when none. */
    private final String alias;
    /** The base class, or base class and sub-class when {@code withSubclass}. */
    private final int code;
    /** Whether {@code code} includes the sub-class byte. */
    private final boolean withSubclass;

    DeviceClass(String flagName, String alias, int code, boolean withSubclass) {
        this.flagName = flagName;
        this.alias = alias;
        this.code = code;
        this.withSubclass = withSubclass;
    }

    /** The name on the command line. */
    String flagName() {
        return flagName;
    }

    /** Whether a function of this 24-bit class code is of this kind. */
    boolean matches(int classCode) {
        return (withSubclass ? classCode >>> 8 : classCode >>> 16) == code;
    }

    /** The kind a command-line word names (name or alias, any case). */
    static Optional<DeviceClass> parse(String word) {
        String w = word.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(c -> c.flagName.equals(w) || (!c.alias.isEmpty() && c.alias.equals(w))).findFirst();
    }

    /** The accepted names, for messages: "nvme, storage, nic (network), ...". */
    static String names() {
        return Arrays.stream(values()).map(c -> c.alias.isEmpty() ? c.flagName : c.flagName + " (" + c.alias + ")")
                .collect(Collectors.joining(", "));
    }
}
