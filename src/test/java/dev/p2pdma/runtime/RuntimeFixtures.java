package dev.p2pdma.runtime;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.util.List;
import java.util.Optional;

/**
 * Hand-built machines for the runtime tests: GPUs, NICs and NVMe controllers under root ports and
 * switches, on host bridges with chosen NUMA nodes. Not thread-safe (a builder).
 */
final class RuntimeFixtures {

    /** NVIDIA's vendor id. */
    static final int NVIDIA = 0x10de;
    /** AMD's GPU vendor id. */
    static final int AMD = 0x1002;

    private RuntimeFixtures() {
    }

    /** A GPU of {@code vendor} (class 0x030200) with a 16 GiB 64-bit prefetchable BAR 1 at {@code barAddress}. */
    static PciFunction gpu(String addr, int vendor, int numa, long barAddress, long barBytes) {
        return PciFunction.builder(PciAddress.parse(addr)).ids(vendor, 0x1db8).classCode(0x030200).headerType(0).portType(PortType.ENDPOINT)
                .acs(AcsState.ABSENT).numaNode(numa).bars(List.of(new Bar(0, 0xf000_0000L, 16L << 20, true, false, false),
                        new Bar(1, barAddress, barBytes, true, true, true))).build();
    }

    /** An NVIDIA GPU with a 16 GiB BAR high in the address space. */
    static PciFunction nvidiaGpu(String addr, int numa) {
        return gpu(addr, NVIDIA, numa, 0x38_0000_0000L, 16L << 30);
    }

    /** A network adapter (class 0x020000). */
    static PciFunction nic(String addr, int numa) {
        return PciFunction.builder(PciAddress.parse(addr)).ids(0x15b3, 0x1017).classCode(0x020000).headerType(0).portType(PortType.ENDPOINT)
                .acs(AcsState.ABSENT).numaNode(numa).build();
    }

    /** A bridge of {@code type} owning bus {@code secondary}. */
    static PciFunction bridge(String addr, PortType type, int secondary, int numa) {
        return PciFunction.builder(PciAddress.parse(addr)).ids(0x10b5, 0x9781).classCode(0x060400).headerType(0x01).portType(type)
                .busRange(secondary, secondary).acs(AcsState.ABSENT).numaNode(numa).build();
    }

    /** On a root bus. */
    static Parent root(String addr) {
        PciAddress a = PciAddress.parse(addr);
        return new Parent.RootBus(new HostBridge(a.domain(), a.bus()));
    }

    /** Below a bridge. */
    static Parent below(String bridge) {
        return new Parent.Bridge(PciAddress.parse(bridge));
    }

    /**
     * The test machine: host bridge 0000:00 (Intel 2030, whitelisted, NUMA {@code numa0}) with a
     * switch 01:00.0 whose downstream ports hold GPU A 03:00.0, GPU B 04:00.0, NIC 05:00.0 and a
     * second switch 06:00.0 with GPU C 08:00.0; a root port 00:02.0 with GPU D 09:00.0 and its
     * function 09:00.1; host bridge 0000:40 (NUMA {@code numa40}) with GPU E 41:00.0; host bridge
     * 0000:80 (NUMA {@code numa80}) with GPU F 81:00.0. Negative NUMA nodes mean unknown.
     */
    static Topo machine(Topo base, int numa0, int numa40, int numa80) {
        return base.hostBridgeDevice("0000:00:00.0", 0x8086, 0x2030)
                .add(bridge("0000:00:01.0", PortType.ROOT_PORT, 0x01, numa0), root("0000:00:01.0"))
                .add(bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 0x02, numa0), below("0000:00:01.0"))
                .add(bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 0x03, numa0), below("0000:01:00.0"))
                .add(nvidiaGpu("0000:03:00.0", numa0), below("0000:02:00.0"))
                .add(bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 0x04, numa0), below("0000:01:00.0"))
                .add(nvidiaGpu("0000:04:00.0", numa0), below("0000:02:01.0"))
                .add(bridge("0000:02:02.0", PortType.DOWNSTREAM_PORT, 0x05, numa0), below("0000:01:00.0"))
                .add(nic("0000:05:00.0", numa0), below("0000:02:02.0"))
                .add(bridge("0000:02:03.0", PortType.DOWNSTREAM_PORT, 0x06, numa0), below("0000:01:00.0"))
                .add(bridge("0000:06:00.0", PortType.UPSTREAM_PORT, 0x07, numa0), below("0000:02:03.0"))
                .add(bridge("0000:07:00.0", PortType.DOWNSTREAM_PORT, 0x08, numa0), below("0000:06:00.0"))
                .add(nvidiaGpu("0000:08:00.0", numa0), below("0000:07:00.0"))
                .add(bridge("0000:00:02.0", PortType.ROOT_PORT, 0x09, numa0), root("0000:00:02.0"))
                .add(nvidiaGpu("0000:09:00.0", numa0).toBuilder().headerType(0x80).build(), below("0000:00:02.0"))
                .add(nvidiaGpu("0000:09:00.1", numa0), below("0000:00:02.0"))
                .hostBridgeDevice("0000:40:00.0", 0x8086, 0x2030)
                .add(bridge("0000:40:01.0", PortType.ROOT_PORT, 0x41, numa40), root("0000:40:01.0"))
                .add(nvidiaGpu("0000:41:00.0", numa40), below("0000:40:01.0"))
                .hostBridgeDevice("0000:80:00.0", 0x8086, 0x2030)
                .add(bridge("0000:80:01.0", PortType.ROOT_PORT, 0x81, numa80), root("0000:80:01.0"))
                .add(nvidiaGpu("0000:81:00.0", numa80), below("0000:80:01.0"));
    }

    /** The machine as the CLI loads it: the topology, the kernel's decision over it, no what-ifs. */
    static LoadedMachine loaded(PciTopology t) {
        return new LoadedMachine(t, P2pDmaDecision.of(t), List.of(), List.of(), Optional.empty());
    }

    /** The same machine booted with {@code cmdline} and an IOMMU on or off. */
    static LoadedMachine loaded(PciTopology t, String cmdline, boolean iommu) {
        PciTopology with = t.withMachine(t.machine().withCmdline(Optional.of(KernelCommandLine.parse(cmdline).toString()))
                .withIommu(Optional.of(iommu), java.util.Map.of()));
        return loaded(with);
    }

    /** Function index of an address. */
    static int at(PciTopology t, String addr) {
        int i = t.indexOf(PciAddress.parse(addr));
        if (i < 0) {
            throw new IllegalArgumentException("no " + addr);
        }
        return i;
    }
}
