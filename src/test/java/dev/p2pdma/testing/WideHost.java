package dev.p2pdma.testing;

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
 * A very wide synthetic machine: {@code endpoints} root-complex integrated endpoints on the root
 * buses of host bridges in segment 0 (256 functions per bus: 32 devices of 8 functions), with
 * classes cycling NVMe, GPU, NIC, NIC so that class selections pick known counts (every fourth
 * function is NVMe). One Intel CPU, no whitelisted host bridge device, so every pair across
 * functions is NOT_SUPPORTED and a function with itself is BUS_ADDR. Deterministic; stateless.
 */
public final class WideHost {

    /** Class codes in the order they cycle: NVMe, 3D controller, Ethernet, Ethernet. */
    private static final int[] CLASSES = {0x010802, 0x030200, 0x020000, 0x020000};

    private WideHost() {
    }

    /** The machine with {@code endpoints} non-bridge functions. */
    public static PciTopology build(int endpoints) {
        MachineInfo m = MachineInfo.unknown("synthetic wide host").withCpu(Optional.of(new CpuInfo(CpuInfo.INTEL, 6, "synthetic")));
        PciTopology.Builder b = PciTopology.builder(m);
        int buses = (endpoints + 255) / 256;
        for (int bus = 0; bus < buses; bus++) {
            HostBridge hb = new HostBridge(0, bus);
            for (int k = 0; k < 256 && bus * 256 + k < endpoints; k++) {
                int n = bus * 256 + k;
                b.add(PciFunction.builder(new PciAddress(0, bus, k >> 3, k & 7)).ids(0x1af4, 0x1000 + (n & 3)).classCode(CLASSES[n & 3])
                        .headerType(0x80).portType(PortType.RC_INTEGRATED_ENDPOINT).acs(AcsState.ABSENT).build(), new Parent.RootBus(hb));
            }
        }
        return b.build();
    }

    /** The class code of the {@code n}-th function in address order. */
    public static int classCodeOf(int n) {
        return CLASSES[n & 3];
    }
}
