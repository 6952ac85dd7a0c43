package dev.p2pdma.runtime;

import dev.p2pdma.pci.PciFunction;

/** What a function is to the runtimes: which vendor's GPU, a network adapter, NVMe, or something else. */
public enum DeviceKind {
    /** An NVIDIA display controller or 3D/processing accelerator (vendor 0x10de, base class 0x03 or 0x12). */
    NVIDIA_GPU("an NVIDIA GPU"),
    /** An AMD GPU (vendor 0x1002, base class 0x03 or 0x12). */
    AMD_GPU("an AMD GPU"),
    /** An Intel GPU (vendor 0x8086, base class 0x03). */
    INTEL_GPU("an Intel GPU"),
    /** A network or InfiniBand adapter (base class 0x02, or 0x0c06). */
    NIC("a network adapter"),
    /** An NVMe controller (class 0x010802). */
    NVME("an NVMe controller"),
    /** Anything else. */
    OTHER("not a GPU, NIC or NVMe controller");

    /** "an NVIDIA GPU", for reason lines. */
    private final String words;

    DeviceKind(String words) {
        this.words = words;
    }

    /** The kind in words, with its article. */
    public String words() {
        return words;
    }

    /** The kind of {@code f}, from its vendor and class code. */
    public static DeviceKind of(PciFunction f) {
        int base = f.baseClass();
        boolean gpuClass = base == 0x03 || base == 0x12;
        if (gpuClass && f.vendorId() == 0x10de) {
            return NVIDIA_GPU;
        }
        if (gpuClass && f.vendorId() == 0x1002) {
            return AMD_GPU;
        }
        if (base == 0x03 && f.vendorId() == 0x8086) {
            return INTEL_GPU;
        }
        if (f.classCode() == 0x010802) {
            return NVME;
        }
        if (base == 0x02 || (f.classCode() >>> 8) == 0x0c06) {
            return NIC;
        }
        return OTHER;
    }
}
