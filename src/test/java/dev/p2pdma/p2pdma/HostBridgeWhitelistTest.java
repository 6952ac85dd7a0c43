package dev.p2pdma.p2pdma;

import static dev.p2pdma.testing.Topo.noAcs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.testing.Topo;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Spec 1.7 (host_bridge_dev), 1.10 and 11.7: whitelist, REQ_SAME_HOST_BRIDGE and the CPU rule. */
class HostBridgeWhitelistTest {

    private static MapType type(PciTopology t, String p, String c) {
        return P2pDmaDecision.of(t).verdict(PciAddress.parse(p), PciAddress.parse(c)).mapType();
    }

    private static PciTopology twoRootPorts(Topo base, int vendor, int device) {
        return base.hostBridgeDevice("0000:00:00.0", vendor, device)
                .rootPort("0000:00:04.0", 1, noAcs()).rootPort("0000:00:05.0", 2, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs()).endpoint("0000:02:00.0", "0000:00:05.0", noAcs()).build();
    }

    @Test
    void skylakeRootPortDeviceOnTheRootBusIsWhitelisted_spec1_10() {
        assertThat(type(twoRootPorts(Topo.intel(), 0x8086, 0x2030), "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(type(twoRootPorts(Topo.intel(), 0x8086, 0x09a2), "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.THRU_HOST_BRIDGE);
    }

    @Test
    void aDeviceIdNotInTheTableIsRefusedOnIntel_spec1_10() {
        assertThat(type(twoRootPorts(Topo.intel(), 0x8086, 0x29c0), "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void amdZenAllowsEveryHostBridgePathWithoutTheWhitelist_spec11_7() {
        assertThat(type(twoRootPorts(Topo.amdZen(), 0x8086, 0x29c0), "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.THRU_HOST_BRIDGE);
    }

    @Test
    void hygonAndPreZenAmdFallThroughToTheWhitelist_spec11_7() {
        assertThat(type(twoRootPorts(Topo.unknownCpu().cpu("HygonGenuine", 0x18), 0x8086, 0x29c0), "0000:01:00.0", "0000:02:00.0"))
                .isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(type(twoRootPorts(Topo.unknownCpu().cpu(CpuInfo.AMD, 0x16), 0x8086, 0x29c0), "0000:01:00.0", "0000:02:00.0"))
                .isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(HostBridgeWhitelist.cpuSupportsP2pdma(Optional.empty())).isFalse();
    }

    /** Two host bridges (root buses 00 and 80), an endpoint below a root port on each. */
    private static PciTopology twoHostBridges(int device) {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, device).hostBridgeDevice("0000:80:00.0", 0x8086, device)
                .rootPort("0000:00:04.0", 1, noAcs()).rootPort("0000:00:05.0", 2, noAcs()).rootPort("0000:80:04.0", 0x81, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs()).endpoint("0000:02:00.0", "0000:00:05.0", noAcs())
                .endpoint("0000:81:00.0", "0000:80:04.0", noAcs()).build();
    }

    @Test
    void requireSameHostBridgeEntriesAllowOnlyTrafficBelowOneHostBridge_spec1_10() {
        PciTopology t = twoHostBridges(0x3c00);
        assertThat(type(t, "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(type(t, "0000:01:00.0", "0000:81:00.0")).isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void entriesWithoutTheFlagAllowTrafficBetweenTwoWhitelistedHostBridges_spec1_10() {
        PciTopology t = twoHostBridges(0x2020);
        assertThat(type(t, "0000:01:00.0", "0000:81:00.0")).isEqualTo(MapType.THRU_HOST_BRIDGE);
        P2pVerdict v = P2pDmaDecision.of(t).verdict(PciAddress.parse("0000:01:00.0"), PciAddress.parse("0000:81:00.0"));
        assertThat(v.path()).containsSubsequence("pci0000:00", "pci0000:80");
    }

    @Test
    void theFirstDeviceOnTheRootBusMustBeDevfnZeroOrARootPort_spec1_7() {
        // no 00.0 device: the first device is root port 00:04.0, which qualifies
        PciTopology rootPortFirst = Topo.intel()
                .add(dev.p2pdma.pci.PciFunction.builder(PciAddress.parse("0000:00:04.0")).ids(0x8086, 0x2030).classCode(0x060400).headerType(1)
                        .portType(dev.p2pdma.pci.PortType.ROOT_PORT).busRange(1, 1).acs(noAcs()).build(),
                        new dev.p2pdma.pci.Parent.RootBus(new dev.p2pdma.pci.HostBridge(0, 0)))
                .rootPort("0000:00:05.0", 2, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs()).endpoint("0000:02:00.0", "0000:00:05.0", noAcs()).build();
        assertThat(rootPortFirst.hostBridgeDevice(0)).map(f -> f.address().toString()).contains("0000:00:04.0");
        assertThat(type(rootPortFirst, "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.THRU_HOST_BRIDGE);
        // the first device is an integrated endpoint at 00:02.0 with a whitelisted id: not looked at
        PciTopology endpointFirst = Topo.intel()
                .add(dev.p2pdma.pci.PciFunction.builder(PciAddress.parse("0000:00:02.0")).ids(0x8086, 0x2030).classCode(0x088000).headerType(0)
                        .portType(dev.p2pdma.pci.PortType.RC_INTEGRATED_ENDPOINT).acs(noAcs()).build(),
                        new dev.p2pdma.pci.Parent.RootBus(new dev.p2pdma.pci.HostBridge(0, 0)))
                .rootPort("0000:00:04.0", 1, noAcs()).rootPort("0000:00:05.0", 2, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs()).endpoint("0000:02:00.0", "0000:00:05.0", noAcs()).build();
        assertThat(endpointFirst.hostBridgeDevice(0)).isEmpty();
        assertThat(type(endpointFirst, "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void googleAndAcceleratorRowsBelongToLaterKernels_spec12_1() {
        assertThat(HostBridgeWhitelist.of(KernelVersion.V6_12).lookup(0x1ae0, 0x1234)).isEmpty();
        assertThat(HostBridgeWhitelist.of(KernelVersion.parse("7.1")).lookup(0x1ae0, 0x1234)).isPresent();
        assertThat(HostBridgeWhitelist.of(KernelVersion.V6_12).lookup(0x8086, 0x4940)).isEmpty();
        assertThat(HostBridgeWhitelist.of(KernelVersion.NEXT).lookup(0x8086, 0x4940)).isPresent();
    }
}
