package dev.p2pdma.pci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * Whether a topology is a virtual machine's, and what says so. A guest's PCI tree is the one its
 * hypervisor emulates: the guest kernel decides on that tree, but the physical path between two
 * passed-through devices (and the host's ACS, IOMMU and host bridge) is invisible from inside.
 *
 * <p>The rule, in README "Where the answer comes from": evidence is either <em>conclusive</em>
 * (one piece suffices) or <em>supporting</em> (real hardware shows it too, so it counts only with a
 * second kind beside it).
 * <ul>
 *   <li>conclusive: the CPU's {@code hypervisor} flag (CPUID leaf 1, ECX bit 31, which hypervisors set
 *       and Linux lists in {@code /proc/cpuinfo}); a DMI string a hypervisor or cloud VM writes
 *       (vendor strings after systemd's {@code src/basic/virt.c} DMI table); a PCI function with an
 *       ID only hypervisors emulate: vendor 1b36 (Red Hat's QEMU range), 15ad (VMware), 80ee
 *       (VirtualBox), 5853 (XenSource), 1414:5353 (Hyper-V video); and QEMU's subsystem ID
 *       1af4:1100, which QEMU puts on the real hardware it emulates (QEMU docs/specs/pci-ids.rst);</li>
 *   <li>supporting: virtio functions (vendor 1af4), which some DPUs also present to a physical host;
 *       and a host bridge 8086:29c0 (Intel 82G33/Q35) or 8086:1237 (Intel 440FX), real chipsets of
 *       2007 and 1996 that QEMU's q35 and pc machines emulate.</li>
 * </ul>
 * A machine is a virtual machine when it has conclusive evidence, or supporting evidence of both
 * kinds. A hypervisor can hide its CPU flag (KVM's {@code kvm=off}, {@code -hypervisor}), so a
 * missing flag never rules a guest out.
 *
 * <p>Immutable; thread-safe.
 *
 * @param evidence what was seen, conclusive first, in the order above
 */
public record VirtualMachineEvidence(List<Evidence> evidence) {

    /** QEMU's subsystem vendor for emulated hardware (Red Hat / Qumranet). */
    static final int QEMU_SUBSYSTEM_VENDOR = 0x1af4;
    /** QEMU's subsystem device ID for emulated hardware. */
    static final int QEMU_SUBSYSTEM_DEVICE = 0x1100;
    /** The virtio vendor (Red Hat / Qumranet). */
    static final int VIRTIO_VENDOR = 0x1af4;
    /** Intel's vendor ID. */
    static final int INTEL = 0x8086;
    /** Intel 82G33/Q35 DRAM controller, the host bridge of QEMU's q35 machine. */
    static final int Q35 = 0x29c0;
    /** Intel 440FX host bridge, the host bridge of QEMU's pc machine. */
    static final int I440FX = 0x1237;

    public VirtualMachineEvidence {
        evidence = List.copyOf(evidence);
    }

    /** The kinds of evidence, each conclusive or supporting. */
    public enum Kind {
        /** The CPU's hypervisor flag in /proc/cpuinfo. */
        CPU_FLAG(true),
        /** A DMI string written by a hypervisor or cloud VM. */
        DMI(true),
        /** A PCI function whose ID only a hypervisor emulates. */
        HYPERVISOR_DEVICE(true),
        /** QEMU's subsystem ID 1af4:1100 on emulated real hardware. */
        QEMU_SUBSYSTEM(true),
        /** A virtio function (vendor 1af4). */
        VIRTIO_DEVICE(false),
        /** A host bridge of a chipset QEMU emulates (8086:29c0, 8086:1237). */
        EMULATED_CHIPSET(false);

        /** Whether one piece of this kind suffices. */
        private final boolean conclusive;

        Kind(boolean conclusive) {
            this.conclusive = conclusive;
        }

        /** Whether one piece of this kind suffices. */
        public boolean conclusive() {
            return conclusive;
        }
    }

    /**
     * One piece of evidence.
     *
     * @param kind what kind
     * @param text what was seen, for people
     */
    public record Evidence(Kind kind, String text) {
    }

    /** A DMI rule: the field, the text, how it matches, the hypervisor it names. */
    private record DmiRule(String field, String text, boolean prefix, String hypervisor) {

        boolean matches(String value) {
            String v = value.toLowerCase(Locale.ROOT);
            String t = text.toLowerCase(Locale.ROOT);
            return prefix ? v.startsWith(t) : v.equals(t);
        }
    }

    /** DMI strings hypervisors and cloud VMs write; checked in this order, one per field. */
    private static final List<DmiRule> DMI_RULES = List.of(
            new DmiRule("sys_vendor", "QEMU", false, "QEMU"),
            new DmiRule("board_vendor", "QEMU", false, "QEMU"),
            new DmiRule("chassis_vendor", "QEMU", false, "QEMU"),
            new DmiRule("product_name", "Standard PC (", true, "QEMU machine type"),
            new DmiRule("product_name", "KVM", true, "KVM"),
            new DmiRule("product_name", "CloudStack KVM", true, "KVM"),
            new DmiRule("bios_vendor", "EFI Development Kit II / OVMF", false, "QEMU/KVM firmware"),
            new DmiRule("sys_vendor", "VMware", true, "VMware"),
            new DmiRule("product_name", "VMware", true, "VMware"),
            new DmiRule("sys_vendor", "innotek GmbH", false, "VirtualBox"),
            new DmiRule("product_name", "VirtualBox", false, "VirtualBox"),
            new DmiRule("sys_vendor", "Xen", false, "Xen"),
            new DmiRule("product_name", "HVM domU", false, "Xen"),
            new DmiRule("product_name", "Google Compute Engine", false, "Google Compute Engine"),
            new DmiRule("product_name", "OpenStack", true, "OpenStack"),
            new DmiRule("product_name", "KubeVirt", false, "KubeVirt"),
            new DmiRule("sys_vendor", "Parallels", true, "Parallels"),
            new DmiRule("sys_vendor", "Bochs", false, "Bochs"),
            new DmiRule("product_name", "BHYVE", false, "bhyve"),
            new DmiRule("sys_vendor", "Cloud Hypervisor", false, "Cloud Hypervisor"),
            new DmiRule("sys_vendor", "Apple Virtualization", true, "Apple Virtualization"),
            new DmiRule("product_name", "Alibaba Cloud ECS", false, "Alibaba Cloud ECS"));

    /** PCI vendors only hypervisors use, with their names. */
    private static final Map<Integer, String> HYPERVISOR_VENDORS = Map.of(
            0x1b36, "QEMU", 0x15ad, "VMware", 0x80ee, "VirtualBox", 0x5853, "Xen");

    /** Hyper-V's vendor, and its emulated video device (Generation 1 VMs). */
    private static final int MICROSOFT = 0x1414;
    /** Hyper-V's emulated video device. */
    private static final int HYPERV_VIDEO = 0x5353;

    /** Gathers the evidence a topology and its machine facts hold. */
    public static VirtualMachineEvidence of(PciTopology topology) {
        List<Evidence> out = new ArrayList<>();
        PlatformFacts p = topology.machine().platform();
        if (p.cpuHypervisorFlag().orElse(false)) {
            out.add(new Evidence(Kind.CPU_FLAG, "cpu flag hypervisor"));
        }
        dmi(p.dmi(), out);
        Map<String, List<PciAddress>> hypervisorDevices = new LinkedHashMap<>();
        List<PciAddress> qemuSubsystem = new ArrayList<>();
        List<PciAddress> virtio = new ArrayList<>();
        for (PciFunction f : topology.functions()) {
            int v = f.vendorId();
            String name = HYPERVISOR_VENDORS.get(v);
            if (name != null) {
                hypervisorDevices.computeIfAbsent(name + " vendor " + hex4(v), k -> new ArrayList<>()).add(f.address());
            } else if (v == MICROSOFT && f.deviceId() == HYPERV_VIDEO) {
                hypervisorDevices.computeIfAbsent("Hyper-V video 1414:5353", k -> new ArrayList<>()).add(f.address());
            } else if (v == VIRTIO_VENDOR) {
                virtio.add(f.address());
            }
            if (f.subsystemVendorId().orElse(-1) == QEMU_SUBSYSTEM_VENDOR && f.subsystemDeviceId().orElse(-1) == QEMU_SUBSYSTEM_DEVICE) {
                qemuSubsystem.add(f.address());
            }
        }
        hypervisorDevices.forEach((what, at) -> out.add(new Evidence(Kind.HYPERVISOR_DEVICE, what + " on " + functions(at))));
        if (!qemuSubsystem.isEmpty()) {
            out.add(new Evidence(Kind.QEMU_SUBSYSTEM, "QEMU subsystem 1af4:1100 on " + functions(qemuSubsystem)));
        }
        if (!virtio.isEmpty()) {
            out.add(new Evidence(Kind.VIRTIO_DEVICE, "virtio vendor 1af4 on " + functions(virtio)));
        }
        Map<Integer, List<PciAddress>> chipsets = new LinkedHashMap<>();
        for (int h = 0; h < topology.hostBridges().size(); h++) {
            topology.hostBridgeDevice(h).filter(d -> d.vendorId() == INTEL && (d.deviceId() == Q35 || d.deviceId() == I440FX))
                    .ifPresent(d -> chipsets.computeIfAbsent(d.deviceId(), k -> new ArrayList<>()).add(d.address()));
        }
        chipsets.forEach((device, at) -> out.add(new Evidence(Kind.EMULATED_CHIPSET, "host bridge 8086:" + hex4(device)
                + (device == Q35 ? " (the Intel Q35 chipset QEMU's q35 machine emulates)" : " (the Intel 440FX chipset QEMU's pc machine emulates)")
                + " on " + functions(at))));
        return new VirtualMachineEvidence(out);
    }

    private static void dmi(SortedMap<String, String> strings, List<Evidence> out) {
        String vendor = strings.getOrDefault("sys_vendor", "");
        String product = strings.getOrDefault("product_name", "");
        List<String> fieldsSeen = new ArrayList<>();
        for (DmiRule r : DMI_RULES) {
            String value = strings.get(r.field());
            if (value != null && !fieldsSeen.contains(r.field()) && r.matches(value)) {
                fieldsSeen.add(r.field());
                out.add(new Evidence(Kind.DMI, "DMI " + r.field() + " \"" + value + "\" (" + r.hypervisor() + ")"));
            }
        }
        // two vendors that also sell real machines: only their VM product names count
        if (vendor.equals("Microsoft Corporation") && product.equals("Virtual Machine")) {
            out.add(new Evidence(Kind.DMI, "DMI sys_vendor \"Microsoft Corporation\" product_name \"Virtual Machine\" (Hyper-V)"));
        }
        if (vendor.equals("Amazon EC2") && !product.endsWith(".metal")) {
            out.add(new Evidence(Kind.DMI, "DMI sys_vendor \"Amazon EC2\" product_name \"" + product + "\" (an EC2 instance, not .metal)"));
        }
    }

    /** True when the evidence makes the machine a virtual machine: anything conclusive, or supporting evidence of two kinds. */
    public boolean isVirtualMachine() {
        if (evidence.stream().anyMatch(e -> e.kind().conclusive())) {
            return true;
        }
        return evidence.stream().map(Evidence::kind).distinct().count() >= 2;
    }

    /** The note for people, when the machine is a virtual machine. */
    public Optional<String> note() {
        if (!isVirtualMachine()) {
            return Optional.empty();
        }
        return Optional.of("virtual machine (" + evidence.stream().map(Evidence::text).collect(Collectors.joining("; "))
                + "): the PCI tree is the guest's, so these are the guest kernel's verdicts; the physical path between the devices is unknown");
    }

    private static String functions(List<PciAddress> at) {
        return at.size() == 1 ? at.get(0).toString() : at.size() + " functions, first " + at.get(0);
    }

    private static String hex4(int v) {
        return String.format("%04x", v);
    }
}
