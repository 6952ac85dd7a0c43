package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import static dev.p2pdma.testing.Topo.acs;
import static dev.p2pdma.testing.Topo.noAcs;

import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Topologies with BARs for the provider tests, and the registries over them. Not thread-safe.
 */
final class ProviderFixtures {

    /** 1 GiB of RAM at 0. */
    static final long RAM_BYTES = 1L << 30;
    /** 64 MiB, the NVMe CMB size of the conformance captures. */
    static final long BAR_BYTES = 64L << 20;

    private ProviderFixtures() {
    }

    /** The root of the shared test data. */
    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }

    static PciAddress a(String text) {
        return PciAddress.parse(text);
    }

    /** An NVMe-like endpoint with a 16 KiB BAR0, an I/O BAR1 and a 64 MiB prefetchable BAR2 at {@code bar2}. */
    static PciFunction nvme(String addr, long bar2) {
        PciAddress x = a(addr);
        return PciFunction.builder(x).ids(0x1b36, 0x0010).classCode(0x010802).headerType(0).portType(PortType.ENDPOINT)
                .acs(AcsState.ABSENT).driver("nvme")
                .bars(List.of(new Bar(0, 0xf0000000L + ((long) x.bus() << 22) + ((long) x.devfn() << 14), 0x4000, true, false, false),
                        new Bar(1, 0x1000 + ((long) x.bus() << 8), 0x40, false, false, false),
                        new Bar(2, bar2, BAR_BYTES, true, true, true)))
                .build();
    }

    /**
     * Intel q35 host (not whitelisted); root port 00:04.0 (ACS redirect) with a switch whose
     * downstream ports 02:00.0, 02:01.0, 02:02.0 lead to NVMe 03:00.0, 04:00.0, 05:00.0; root port
     * 00:05.0 (ACS redirect) with NVMe 06:00.0. Distances: 03↔04, 03↔05, 04↔05 are 4 (BUS_ADDR);
     * anything to or from 06:00.0 is NOT_SUPPORTED.
     */
    static PciTopology switchHost() {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, acs(0x1d))
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, noAcs(), "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, noAcs(), "0000:01:00.0")
                .bridge("0000:02:02.0", PortType.DOWNSTREAM_PORT, 5, noAcs(), "0000:01:00.0")
                .add(nvme("0000:03:00.0", 0x1_0000_0000L), new Parent.Bridge(a("0000:02:00.0")))
                .add(nvme("0000:04:00.0", 0x1_0400_0000L), new Parent.Bridge(a("0000:02:01.0")))
                .add(nvme("0000:05:00.0", 0x1_0800_0000L), new Parent.Bridge(a("0000:02:02.0")))
                .rootPort("0000:00:05.0", 6, acs(0x1d))
                .add(nvme("0000:06:00.0", 0x1_0c00_0000L), new Parent.Bridge(a("0000:00:05.0")))
                .build();
    }

    /** A registry over {@link #switchHost()} with 1 GiB RAM, a log and a seeded random source. */
    static P2pDmaProviders providers(KernelLog log, long seed) {
        return providers(switchHost(), log, seed);
    }

    static P2pDmaProviders providers(PciTopology t, KernelLog log, long seed) {
        return P2pDmaProviders.create(t, PhysicalMemory.forTopology(t, RAM_BYTES), log, new SplittableRandom(seed));
    }

    /** A registry over {@link #switchHost()} where {@code device} registered its whole BAR2 (size 0, offset 0). */
    static P2pDmaProviders withWholeBar(String device) {
        P2pDmaProviders p = providers(KernelLog.create(), 1);
        if (p.registration().addResource(a(device), 2, 0, 0).isPresent()) {
            throw new IllegalStateException("fixture: add_resource failed");
        }
        return p;
    }

    /** A root bus with one host bridge function, for functions placed directly on it. */
    static Parent rootBus() {
        return new Parent.RootBus(new HostBridge(0, 0));
    }
}
