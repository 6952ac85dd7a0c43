package dev.p2pdma.sim;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.util.Optional;

/**
 * The synthetic 1,000-endpoint host of the benchmarks and of the launcher's AOT training run: 8 root ports, each the top of a switch tree
 * three switches deep with fan-out 5 (5 x 5 x 5 = 125 endpoints per root port). Each root port sits
 * on its own PCI segment (a tree needs 187 bus numbers). Root ports carry ACS with RR/CR set on
 * every other one, so the matrix has all three map types. Deterministic.
 */
public final class SyntheticHost {

    /** Root ports. */
    public static final int ROOT_PORTS = 8;
    /** Downstream ports per switch. */
    public static final int FAN_OUT = 5;
    /** Device id of QEMU's q35 host bridge (8086:29c0), which no whitelist row names. */
    private static final int Q35_HOST = 0x29c0;

    private SyntheticHost() {
    }

    /** The 1,000-endpoint host with an Intel CPU and a whitelisted (Skylake-E) root bus device. */
    public static PciTopology build() {
        return build(ROOT_PORTS);
    }

    /** The same shape with fewer or more root ports (125 endpoints and 313 functions each). */
    public static PciTopology build(int rootPorts) {
        MachineInfo m = MachineInfo.unknown("synthetic 1000-endpoint host").withCpu(Optional.of(new CpuInfo(CpuInfo.INTEL, 6, "synthetic")));
        PciTopology.Builder b = PciTopology.builder(m);
        for (int r = 0; r < rootPorts; r++) {
            int domain = r;
            HostBridge hb = new HostBridge(domain, 0);
            // host bridge device 00.0: whitelisted on even segments, q35 on odd ones
            b.add(PciFunction.builder(new PciAddress(domain, 0, 0, 0)).ids(0x8086, r % 2 == 0 ? 0x2020 : Q35_HOST).classCode(0x060000)
                    .headerType(0).portType(PortType.CONVENTIONAL_PCI).acs(AcsState.ABSENT).build(),
                    new Parent.RootBus(hb));
            PciAddress rp = new PciAddress(domain, 0, 1, 0);
            int[] nextBus = {1};
            int top = nextBus[0]++;
            b.add(bridge(rp, PortType.ROOT_PORT, top, new AcsState.Present(0x5f, r % 2 == 0 ? 0x001d : 0)), new Parent.RootBus(hb));
            addSwitch(b, domain, top, rp, 3, nextBus);
        }
        return b.build();
    }

    /** Adds a switch whose upstream port is on {@code bus} below {@code parent}; depth counts switches left. */
    private static void addSwitch(PciTopology.Builder b, int domain, int bus, PciAddress parent, int depth, int[] nextBus) {
        PciAddress us = new PciAddress(domain, bus, 0, 0);
        int internal = nextBus[0]++;
        b.add(bridge(us, PortType.UPSTREAM_PORT, internal, AcsState.ABSENT), new Parent.Bridge(parent));
        for (int d = 0; d < FAN_OUT; d++) {
            PciAddress ds = new PciAddress(domain, internal, d, 0);
            int below = nextBus[0]++;
            b.add(bridge(ds, PortType.DOWNSTREAM_PORT, below, AcsState.ABSENT), new Parent.Bridge(us));
            if (depth > 1) {
                addSwitch(b, domain, below, ds, depth - 1, nextBus);
            } else {
                b.add(PciFunction.builder(new PciAddress(domain, below, 0, 0)).ids(0x10de, 0x2330).classCode(0x030200).headerType(0)
                        .portType(PortType.ENDPOINT).acs(AcsState.ABSENT).build(), new Parent.Bridge(ds));
            }
        }
    }

    private static PciFunction bridge(PciAddress a, PortType type, int secondary, AcsState acs) {
        return PciFunction.builder(a).ids(0x10b5, 0x9781).classCode(0x060400).headerType(0x01).portType(type).busRange(secondary, secondary)
                .acs(acs).build();
    }
}
