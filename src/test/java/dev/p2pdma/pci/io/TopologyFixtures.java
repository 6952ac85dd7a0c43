package dev.p2pdma.pci.io;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;

/**
 * Synthetic topologies for the topology file tests, built with the builders so that every field
 * of {@link PciFunction} and {@link MachineInfo} takes a non-default value somewhere.
 */
final class TopologyFixtures {

    /** Text that YAML could misread or mangle, for strings. */
    static final String AWKWARD = "Quote \" and 'single', colon: x, # hash, {braces} [brackets], *star &amp, ~, yes,\n"
            + "second line\twith tab, unicode \u00b5 \u2713 \ud83d\ude00 ";

    private TopologyFixtures() {
    }

    static PciAddress a(String text) {
        return PciAddress.parse(text);
    }

    /** Config bytes with a recognisable pattern, all rows non-zero except a gap. */
    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) ((i * 31 + seed) & 0xff);
        }
        for (int i = 0x40; i < Math.min(length, 0x80); i++) {
            b[i] = 0;
        }
        return b;
    }

    /**
     * Three host bridges (one in a 32-bit domain) plus an empty one; a root port, a switch with two
     * downstream ports, an SR-IOV PF with three VFs (one on the next bus), p2pmem, BARs of every
     * kind, ACS present/absent/unknown, links, config of several lengths, problems, awkward text.
     */
    static PciTopology rich() {
        HostBridge hb0 = new HostBridge(0, 0);
        HostBridge hb80 = new HostBridge(0, 0x80);
        HostBridge hbBig = new HostBridge(0x10000, 0);
        MachineInfo machine = MachineInfo.unknown("synthetic: " + AWKWARD)
                .withCpu(Optional.of(new CpuInfo(CpuInfo.AMD, 0x17, "AMD EPYC 7502 32-Core Processor")))
                .withCmdline(Optional.of("console=ttyS0 intel_iommu=on pci=disable_acs_redir=0000:00:04.0"))
                .withKernelRelease(Optional.of("6.10"))
                .withIommu(Optional.of(true), Map.of(0, List.of(a("0000:00:00.0")), 1, List.of(a("0000:00:04.0"), a("0000:01:00.0")),
                        17, List.of(a("10000:01:00.0"))))
                .withNote("first note")
                .withNote("")
                .withNote("0x10")
                .withNote(AWKWARD);
        PciTopology.Builder t = PciTopology.builder(machine);
        t.hostBridge(new HostBridge(1, 0));
        t.add(PciFunction.builder(a("0000:00:00.0")).ids(0x8086, 0x29c0).subsystem(0x1af4, 0x1100).classCode(0x060000).revision(0x02)
                .headerType(0x00).portType(PortType.CONVENTIONAL_PCI).acs(AcsState.ABSENT).description("Intel 82G33 DRAM Controller")
                .config(pattern(256, 1)).build(), new Parent.RootBus(hb0));
        t.add(PciFunction.builder(a("0000:00:04.0")).ids(0x1b36, 0x000c).classCode(0x060400).revision(0).headerType(0x01)
                .portType(PortType.ROOT_PORT).acs(new AcsState.Present(0x015f, 0x001d)).busRange(0x01, 0x05)
                .link(new LinkInfo(16, 16, 8, 4)).driver("pcieport").numaNode(0).iommuGroup(1)
                .config(pattern(4096, 2)).build(), new Parent.RootBus(hb0));
        t.add(PciFunction.builder(a("0000:01:00.0")).ids(0x104c, 0x8232).classCode(0x060400).revision(2).headerType(0x01)
                .portType(PortType.UPSTREAM_PORT).acs(new AcsState.Unknown("config space is 64 bytes: capability list not captured"))
                .busRange(0x02, 0x05).link(new LinkInfo(2.5, 1, 0, 0)).numaNode(1).iommuGroup(1)
                .config(pattern(64, 3)).problem("config space is 64 bytes: capability list not captured").build(),
                new Parent.Bridge(a("0000:00:04.0")));
        t.add(PciFunction.builder(a("0000:02:00.0")).ids(0x104c, 0x8233).classCode(0x060400).headerType(0x01)
                .portType(PortType.DOWNSTREAM_PORT).acs(new AcsState.Present(0x001f, 0x0000)).busRange(0x03, 0x04)
                .link(new LinkInfo(0, 0, 5.0, 0)).build(), new Parent.Bridge(a("0000:01:00.0")));
        t.add(PciFunction.builder(a("0000:02:01.0")).ids(0x104c, 0x8233).classCode(0x060400).headerType(0x81)
                .portType(PortType.DOWNSTREAM_PORT).acs(new AcsState.Present(0, 0)).busRange(0x05, -1)
                .link(new LinkInfo(0, 8, 0, 0)).build(), new Parent.Bridge(a("0000:01:00.0")));
        t.add(PciFunction.builder(a("0000:03:00.0")).ids(0x1b36, 0x0010).subsystem(0x1af4, 0x1100).classCode(0x010802).revision(0x02)
                .headerType(0x80).portType(PortType.ENDPOINT).acs(AcsState.ABSENT).link(new LinkInfo(8, 4, 8, 4))
                .driver("nvme").numaNode(0).iommuGroup(4).virtfns(List.of(a("0000:03:00.1"), a("0000:03:00.2"), a("0000:04:00.0")))
                .p2pmem(new P2pMemInfo(67108864L, 67043328L, true)).description(AWKWARD)
                .bars(List.of(new Bar(0, 0xfe000000L, 0x4000, true, true, false),
                        new Bar(2, 0xffff800000000000L, 0x4000000, true, true, true),
                        new Bar(4, 0xc000, 0x40, false, false, false),
                        new Bar(5, 0xfd000000L, 0x1000, true, false, false)))
                .config(pattern(200, 4)).problem("first problem").problem(AWKWARD).build(), new Parent.Bridge(a("0000:02:00.0")));
        for (String vf : List.of("0000:03:00.1", "0000:03:00.2", "0000:04:00.0")) {
            t.add(PciFunction.builder(a(vf)).ids(0x1b36, 0x0011).classCode(0x010802).portType(PortType.ENDPOINT)
                    .physfn(a("0000:03:00.0")).driver("nvme").iommuGroup(5).build(), new Parent.Bridge(a("0000:02:00.0")));
        }
        t.add(PciFunction.builder(a("0000:05:00.0")).ids(0xffff, 0xffff).classCode(0xff0000).build(), new Parent.Bridge(a("0000:02:01.0")));
        t.add(PciFunction.builder(a("0000:00:1f.0")).ids(0x8086, 0x2918).classCode(0x060100).revision(2).headerType(0x80)
                .portType(PortType.CONVENTIONAL_PCI).acs(AcsState.ABSENT).build(), new Parent.RootBus(hb0));
        t.add(PciFunction.builder(a("0000:00:1f.2")).ids(0x8086, 0x2922).classCode(0x010601).revision(2).headerType(0x00)
                .portType(PortType.RC_INTEGRATED_ENDPOINT).build(), new Parent.RootBus(hb0));
        t.add(PciFunction.builder(a("0000:80:01.0")).ids(0x1022, 0x1483).classCode(0x060400).headerType(0x01)
                .portType(PortType.ROOT_PORT).busRange(0x81, 0x81).acs(new AcsState.Present(0x5f, 0x5f)).build(), new Parent.RootBus(hb80));
        t.add(PciFunction.builder(a("0000:81:00.0")).ids(0x15b3, 0x101b).classCode(0x020700).portType(PortType.LEGACY_ENDPOINT)
                .numaNode(3).build(), Parent.FROM_BUS_NUMBERS);
        t.add(PciFunction.builder(a("10000:00:02.0")).ids(0x8086, 0x09ab).classCode(0x060400).headerType(0x01)
                .portType(PortType.ROOT_PORT).busRange(0x01, 0x01).acs(AcsState.ABSENT).build(), new Parent.RootBus(hbBig));
        t.add(PciFunction.builder(a("10000:01:00.0")).ids(0x144d, 0xa808).classCode(0x010802).portType(PortType.PCIE_TO_PCI_BRIDGE)
                .iommuGroup(17).build(), new Parent.Bridge(a("10000:00:02.0")));
        t.add(PciFunction.builder(a("10000:00:03.0")).ids(0x8086, 0x0998).classCode(0x088000).portType(PortType.RC_EVENT_COLLECTOR)
                .build(), new Parent.RootBus(hbBig));
        t.add(PciFunction.builder(a("10000:00:04.0")).ids(0x8086, 0x0999).classCode(0x088000).portType(PortType.PCI_TO_PCIE_BRIDGE)
                .build(), new Parent.RootBus(hbBig));
        return t.build();
    }

    /**
     * The example of {@code docs/topology-format.md}: a q35 host bridge, a root port with ACS, an
     * NVMe controller with peer-to-peer memory and one virtual function.
     */
    static PciTopology documentationExample() {
        HostBridge hb = new HostBridge(0, 0);
        MachineInfo machine = MachineInfo.unknown("QEMU q35, hand-made example")
                .withCpu(Optional.of(new CpuInfo(CpuInfo.AMD, 0x17, "AMD EPYC 7502 32-Core Processor")))
                .withCmdline(Optional.of("console=ttyS0 amd_iommu=on"))
                .withKernelRelease(Optional.of("6.12.117"))
                .withIommu(Optional.of(true), Map.of(0, List.of(a("0000:00:00.0")),
                        1, List.of(a("0000:00:04.0"), a("0000:01:00.0"), a("0000:01:00.1"))))
                .withNote("root port ACS as the kernel left it with the IOMMU on");
        // the first 64 bytes of the root port's config space: ids, command/status, class, header type 1, buses 00/01/01
        byte[] rootPortHeader = new byte[64];
        int[] head = {0x36, 0x1b, 0x0c, 0x00, 0x07, 0x05, 0x10, 0x00, 0x00, 0x00, 0x04, 0x06, 0x00, 0x00, 0x01, 0x00,
                0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x01, 0x00, 0xf0, 0x00, 0x00, 0x00,
                0x80, 0xfe, 0x80, 0xfe, 0x01, 0xf8, 0xf1, 0xfb, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0x54, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x01, 0x12, 0x00};
        for (int i = 0; i < head.length; i++) {
            rootPortHeader[i] = (byte) head[i];
        }
        return PciTopology.builder(machine)
                .add(PciFunction.builder(a("0000:00:00.0")).ids(0x8086, 0x29c0).subsystem(0x1af4, 0x1100).classCode(0x060000)
                        .revision(0).headerType(0).portType(PortType.CONVENTIONAL_PCI).acs(AcsState.ABSENT).iommuGroup(0)
                        .description("Intel 82G33/G31/P35/P31 Express DRAM Controller").build(), new Parent.RootBus(hb))
                .add(PciFunction.builder(a("0000:00:04.0")).ids(0x1b36, 0x000c).subsystem(0x1b36, 0).classCode(0x060400)
                        .revision(0).headerType(1).portType(PortType.ROOT_PORT).busRange(1, 1).link(new LinkInfo(16, 32, 2.5, 1))
                        .acs(new AcsState.Present(0x005f, 0x001d)).driver("pcieport").numaNode(0).iommuGroup(1)
                        .config(rootPortHeader).problem("config space captured without root: 64 bytes").build(), new Parent.RootBus(hb))
                .add(PciFunction.builder(a("0000:01:00.0")).ids(0x1b36, 0x0010).subsystem(0x1af4, 0x1100).classCode(0x010802)
                        .revision(2).headerType(0x80).portType(PortType.ENDPOINT).link(new LinkInfo(2.5, 1, 2.5, 1)).acs(AcsState.ABSENT)
                        .driver("nvme").numaNode(0).iommuGroup(1).description("QEMU NVM Express Controller")
                        .bars(List.of(new Bar(0, 0xfe800000L, 0x4000, true, true, false),
                                new Bar(2, 0xf8000000L, 0x4000000, true, true, true)))
                        .p2pmem(new P2pMemInfo(0x4000000, 0x3ff0000, true)).virtfns(List.of(a("0000:01:00.1"))).build(),
                        new Parent.Bridge(a("0000:00:04.0")))
                .add(PciFunction.builder(a("0000:01:00.1")).ids(0x1b36, 0x0011).classCode(0x010802).portType(PortType.ENDPOINT)
                        .acs(AcsState.ABSENT).physfn(a("0000:01:00.0")).driver("nvme").iommuGroup(1).build(),
                        new Parent.Bridge(a("0000:00:04.0")))
                .build();
    }

    /** One host bridge, one endpoint, nothing known about the machine. */
    static PciTopology minimal() {
        return PciTopology.builder(MachineInfo.unknown(""))
                .add(PciFunction.builder(a("0000:00:00.0")).ids(0x8086, 0x1237).classCode(0x060000).build(),
                        new Parent.RootBus(new HostBridge(0, 0)))
                .build();
    }
}
