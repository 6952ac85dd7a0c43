package dev.p2pdma.sim;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Hand-built machines for the bandwidth model tests: root ports, switch ports and endpoints with
 * a link (current and maximum), a Max Payload Size and a NUMA node each. Not thread-safe.
 */
final class LinkTopo {

    /** ACS control with Request and Completion Redirect (and Source Validation, Upstream Forwarding). */
    static final int REDIRECT = 0x001d;

    /** The machine facts (CPU). */
    private final MachineInfo machine;
    /** Functions and parents, in order. */
    private final List<Object[]> added = new ArrayList<>();

    private LinkTopo(MachineInfo machine) {
        this.machine = machine;
    }

    /** An AMD Zen machine: peer traffic through the host bridge is allowed. */
    static LinkTopo amd() {
        return new LinkTopo(MachineInfo.unknown("test").withCpu(Optional.of(new CpuInfo(CpuInfo.AMD, 0x19, ""))));
    }

    /** An Intel machine without a known host bridge: peer traffic through the host bridge is NOT_SUPPORTED. */
    static LinkTopo intel() {
        return new LinkTopo(MachineInfo.unknown("test").withCpu(Optional.of(new CpuInfo(CpuInfo.INTEL, 6, ""))));
    }

    /** A link that trained to its maximum. */
    static LinkInfo link(double gtps, int lanes) {
        return new LinkInfo(gtps, lanes, gtps, lanes);
    }

    /** A root port on its host bridge's root bus. */
    LinkTopo rootPort(String addr, int secondary, LinkInfo link, int mps, int node) {
        PciAddress a = PciAddress.parse(addr);
        return add(port(a, PortType.ROOT_PORT, secondary, link, mps, node, 0), new Parent.RootBus(new HostBridge(a.domain(), a.bus())));
    }

    /** A switch upstream port below {@code parent}. */
    LinkTopo upstreamPort(String addr, int secondary, String parent, LinkInfo link, int mps, int node) {
        return add(port(PciAddress.parse(addr), PortType.UPSTREAM_PORT, secondary, link, mps, node, -1), new Parent.Bridge(PciAddress.parse(parent)));
    }

    /** A switch downstream port below {@code parent} with ACS control {@code acsCtrl}. */
    LinkTopo downstreamPort(String addr, int secondary, String parent, LinkInfo link, int mps, int node, int acsCtrl) {
        return add(port(PciAddress.parse(addr), PortType.DOWNSTREAM_PORT, secondary, link, mps, node, acsCtrl),
                new Parent.Bridge(PciAddress.parse(parent)));
    }

    /** An endpoint below {@code parent}; {@code mps} -1 for unknown. */
    LinkTopo endpoint(String addr, String parent, LinkInfo link, int mps, int node) {
        PciAddress a = PciAddress.parse(addr);
        PciFunction f = PciFunction.builder(a).ids(0x10de, 0x2330).classCode(0x030200).headerType(0).portType(PortType.ENDPOINT)
                .acs(AcsState.ABSENT).link(link).maxPayloadBytes(mps).maxReadRequestBytes(mps < 0 ? -1 : 512).numaNode(node).build();
        return add(f, new Parent.Bridge(PciAddress.parse(parent)));
    }

    private static PciFunction port(PciAddress a, PortType type, int secondary, LinkInfo link, int mps, int node, int acsCtrl) {
        return PciFunction.builder(a).ids(0x1000, 0xc030).classCode(0x060400).headerType(0x01).portType(type).busRange(secondary, secondary + 8)
                .acs(acsCtrl < 0 ? AcsState.ABSENT : new AcsState.Present(0x005f, acsCtrl)).link(link).maxPayloadBytes(mps)
                .maxReadRequestBytes(mps < 0 ? -1 : 512).numaNode(node).driver("pcieport").build();
    }

    private LinkTopo add(PciFunction f, Parent p) {
        added.add(new Object[] {f, p});
        return this;
    }

    /** The machine booted with no kernel parameters. */
    LoadedMachine boot() {
        PciTopology.Builder b = PciTopology.builder(machine);
        for (Object[] fp : added) {
            b.add((PciFunction) fp[0], (Parent) fp[1]);
        }
        return LoadedMachine.boot(b.build(), List.of(), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
    }

    /** A stream written by {@code from} (posted writes), {@code ioSize} bytes per I/O. */
    static BandwidthPredictor.Stream write(String name, String from, String to, long ioSize, int queueDepth, boolean bothWays) {
        PciAddress f = PciAddress.parse(from);
        return new BandwidthPredictor.Stream(name, f, PciAddress.parse(to), f, ioSize, queueDepth, 1, bothWays);
    }
}
