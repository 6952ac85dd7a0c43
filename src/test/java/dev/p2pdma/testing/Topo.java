package dev.p2pdma.testing;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.Optional;

/**
 * A small language for hand-built topologies in tests: host bridges, root ports, switches and
 * endpoints with chosen ACS states. Not thread-safe.
 */
public final class Topo {

    /** Intel's q35 host bridge, not on the whitelist. */
    public static final int Q35_HOST = 0x29c0;

    /** The ACS capability of a QEMU root port. */
    public static final int QEMU_ACS_CAP = 0x005f;

    /** The machine facts. */
    private MachineInfo machine = MachineInfo.unknown("test");
    /** Functions added, kept to rebuild the builder with the final machine. */
    private final java.util.List<Object[]> added = new java.util.ArrayList<>();

    private Topo() {
    }

    /** An empty machine with an Intel family 6 CPU. */
    public static Topo intel() {
        return new Topo().cpu(CpuInfo.INTEL, 6);
    }

    /** An empty machine with an AMD family 0x17 CPU. */
    public static Topo amdZen() {
        return new Topo().cpu(CpuInfo.AMD, 0x17);
    }

    /** An empty machine whose CPU is unknown. */
    public static Topo unknownCpu() {
        return new Topo();
    }

    public Topo cpu(String vendor, int family) {
        machine = machine.withCpu(Optional.of(new CpuInfo(vendor, family, "")));
        return this;
    }

    /** ACS present with the QEMU root port capability and this control value. */
    public static AcsState acs(int ctrl) {
        return new AcsState.Present(QEMU_ACS_CAP, ctrl);
    }

    /** ACS known absent. */
    public static AcsState noAcs() {
        return AcsState.ABSENT;
    }

    /** The host bridge function 00.0 of a root bus with these ids (class 0x060000). */
    public Topo hostBridgeDevice(String addr, int vendor, int device) {
        PciAddress a = PciAddress.parse(addr);
        return add(PciFunction.builder(a).ids(vendor, device).classCode(0x060000).headerType(0).portType(PortType.CONVENTIONAL_PCI)
                .acs(AcsState.ABSENT).build(), new Parent.RootBus(new HostBridge(a.domain(), a.bus())));
    }

    /** A root port on its root bus, owning {@code secondary..secondary}. */
    public Topo rootPort(String addr, int secondary, AcsState acs) {
        PciAddress a = PciAddress.parse(addr);
        return add(bridge(a, PortType.ROOT_PORT, secondary, acs), new Parent.RootBus(new HostBridge(a.domain(), a.bus())));
    }

    /** A bridge (switch port) under {@code parent}. */
    public Topo bridge(String addr, PortType type, int secondary, AcsState acs, String parent) {
        return add(bridge(PciAddress.parse(addr), type, secondary, acs), new Parent.Bridge(PciAddress.parse(parent)));
    }

    /** An endpoint under a bridge, or on the root bus when {@code parent} is empty. */
    public Topo endpoint(String addr, String parent, AcsState acs) {
        return endpoint(addr, parent, acs, false);
    }

    /** An endpoint, optionally with published p2pmem. */
    public Topo endpoint(String addr, String parent, AcsState acs, boolean p2pmem) {
        PciAddress a = PciAddress.parse(addr);
        PciFunction.Builder b = PciFunction.builder(a).ids(0x1b36, 0x0010).classCode(0x010802).headerType(a.function() > 0 ? 0x80 : 0)
                .portType(parent.isEmpty() ? PortType.RC_INTEGRATED_ENDPOINT : PortType.ENDPOINT).acs(acs).driver("nvme");
        if (p2pmem) {
            b.p2pmem(new P2pMemInfo(64 << 20, 64 << 20, true));
        }
        return add(b.build(), parent.isEmpty() ? new Parent.RootBus(new HostBridge(a.domain(), a.bus())) : new Parent.Bridge(PciAddress.parse(parent)));
    }

    /** A virtual function of {@code pf}. */
    public Topo virtfn(String addr, String pf, String parent) {
        PciAddress a = PciAddress.parse(addr);
        return add(PciFunction.builder(a).ids(0x8086, 0x1520).classCode(0x020000).headerType(0).portType(PortType.ENDPOINT)
                .acs(AcsState.ABSENT).physfn(PciAddress.parse(pf)).build(),
                parent.isEmpty() ? new Parent.RootBus(new HostBridge(a.domain(), a.bus())) : new Parent.Bridge(PciAddress.parse(parent)));
    }

    /** Any function and parent. */
    public Topo add(PciFunction f, Parent p) {
        added.add(new Object[] {f, p});
        return this;
    }

    private static PciFunction bridge(PciAddress a, PortType type, int secondary, AcsState acs) {
        return PciFunction.builder(a).ids(0x1b36, 0x000c).classCode(0x060400).headerType(0x01).portType(type).busRange(secondary, secondary)
                .acs(acs).driver("pcieport").build();
    }

    /** Builds the topology. */
    public PciTopology build() {
        PciTopology.Builder b = PciTopology.builder(machine);
        for (Object[] fp : added) {
            b.add((PciFunction) fp[0], (Parent) fp[1]);
        }
        return b.build();
    }
}
