package dev.p2pdma.p2pdma;

import dev.p2pdma.base.UnknownAcsPolicy;
import static dev.p2pdma.testing.Topo.acs;
import static dev.p2pdma.testing.Topo.noAcs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 1.9 and 11.6: the upstream walk, distance and ACS redirect along the path. */
class MapTypeDecisionTest {

    private static P2pVerdict verdict(PciTopology t, String p, String c) {
        return P2pDmaDecision.of(t).verdict(PciAddress.parse(p), PciAddress.parse(c));
    }

    /** q35-like root bus with one root port and a two-function device below it. */
    private static Topo rootPortWithMultifunction(int rootPortCtrl) {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, acs(rootPortCtrl))
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs(), true)
                .endpoint("0000:01:00.1", "0000:00:04.0", noAcs());
    }

    @Test
    void aFunctionWithItselfIsBusAddressAtDistanceZero_spec1_9() {
        P2pVerdict v = verdict(rootPortWithMultifunction(0).build(), "0000:01:00.0", "0000:01:00.0");
        assertThat(v.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(v.distance()).isZero();
        assertThat(v.path()).containsExactly("0000:01:00.0");
        assertThat(v.kernelLog()).isEmpty();
    }

    @Test
    void aFunctionWithRedirectOnItsOwnAcsTakesTheHostBridgeRuleEvenWithItself_spec11_6() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, acs(Acs.SV | Acs.RR)).build();
        P2pVerdict v = verdict(t, "0000:00:04.0", "0000:00:04.0");
        assertThat(v.distance()).isZero();
        assertThat(v.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(v.acsRedirecting()).containsExactly(PciAddress.parse("0000:00:04.0"));
    }

    @Test
    void twoFunctionsOfOneDeviceBelowARootPortAreTwoApartAndBusAddressWithoutRedirect_spec1_9() {
        P2pVerdict v = verdict(rootPortWithMultifunction(0).build(), "0000:01:00.0", "0000:01:00.1");
        assertThat(v.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(v.distance()).isEqualTo(2);
        assertThat(v.commonUpstream()).contains(PciAddress.parse("0000:00:04.0"));
        assertThat(v.path()).containsExactly("0000:01:00.0", "0000:00:04.0", "0000:01:00.1");
    }

    @Test
    void redirectOnTheCommonRootPortSendsTheTrafficToTheHostBridge_spec1_9() {
        P2pVerdict v = verdict(rootPortWithMultifunction(0x001d).build(), "0000:01:00.0", "0000:01:00.1");
        assertThat(v.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(v.distance()).isEqualTo(2);
        assertThat(v.kernelLog()).containsExactly(
                "nvme 0000:01:00.1: ACS redirect is set between the client and provider (0000:01:00.0)",
                "nvme 0000:01:00.1: to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=0000:00:04.0",
                "pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:29c0",
                "nvme 0000:01:00.1: cannot be used for peer-to-peer DMA as the client and provider (0000:01:00.0) do not share an upstream bridge or whitelisted host bridge");
    }

    @Test
    void egressControlAloneCountsAsRedirect_spec1_8() {
        P2pVerdict v = verdict(rootPortWithMultifunction(Acs.EC).build(), "0000:01:00.0", "0000:01:00.1");
        assertThat(v.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void sourceValidationAndUpstreamForwardingDoNotRedirect_spec1_8() {
        P2pVerdict v = verdict(rootPortWithMultifunction(Acs.SV | Acs.UF | Acs.TB | Acs.DT).build(), "0000:01:00.0", "0000:01:00.1");
        assertThat(v.mapType()).isEqualTo(MapType.BUS_ADDR);
    }

    /** Root port, switch with two downstream ports each with an endpoint. */
    private static Topo oneSwitch(AcsState downstreamAcs) {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, acs(0x001d))
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, downstreamAcs, "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, downstreamAcs, "0000:01:00.0")
                .endpoint("0000:03:00.0", "0000:02:00.0", noAcs(), true)
                .endpoint("0000:04:00.0", "0000:02:01.0", noAcs());
    }

    @Test
    void endpointsBelowTwoDownstreamPortsOfOneSwitchAreFourApartAndTheRootPortIsNotExamined_spec1_9() {
        P2pVerdict v = verdict(oneSwitch(noAcs()).build(), "0000:03:00.0", "0000:04:00.0");
        assertThat(v.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(v.distance()).isEqualTo(4);
        assertThat(v.path()).containsExactly("0000:03:00.0", "0000:02:00.0", "0000:01:00.0", "0000:02:01.0", "0000:04:00.0");
    }

    @Test
    void redirectOnTheDownstreamPortsListsBothInTheKernelsOrder_spec1_9() {
        P2pVerdict v = verdict(oneSwitch(acs(0x001d)).build(), "0000:03:00.0", "0000:04:00.0");
        assertThat(v.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(v.distance()).isEqualTo(4);
        assertThat(v.acsRedirecting()).containsExactly(PciAddress.parse("0000:02:00.0"), PciAddress.parse("0000:02:01.0"));
        assertThat(v.kernelLog().get(1)).endsWith("pci=disable_acs_redir=0000:02:00.0;0000:02:01.0");
    }

    @Test
    void endpointsBelowTwoLeafSwitchesMeetingAtAnUpperUpstreamPortAreEightApart_spec1_9() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, noAcs())
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, noAcs(), "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 6, noAcs(), "0000:01:00.0")
                .bridge("0000:03:00.0", PortType.UPSTREAM_PORT, 4, noAcs(), "0000:02:00.0")
                .bridge("0000:04:00.0", PortType.DOWNSTREAM_PORT, 5, noAcs(), "0000:03:00.0")
                .endpoint("0000:05:00.0", "0000:04:00.0", noAcs())
                .bridge("0000:06:00.0", PortType.UPSTREAM_PORT, 7, noAcs(), "0000:02:01.0")
                .bridge("0000:07:00.0", PortType.DOWNSTREAM_PORT, 8, noAcs(), "0000:06:00.0")
                .endpoint("0000:08:00.0", "0000:07:00.0", noAcs())
                .build();
        P2pVerdict v = verdict(t, "0000:05:00.0", "0000:08:00.0");
        assertThat(v.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(v.distance()).isEqualTo(8);
        assertThat(v.commonUpstream()).contains(PciAddress.parse("0000:01:00.0"));
    }

    /** Two root ports, an endpoint below each. */
    private static Topo twoRootPorts(Topo base, int hostDevice) {
        return base.hostBridgeDevice("0000:00:00.0", 0x8086, hostDevice)
                .rootPort("0000:00:04.0", 1, noAcs())
                .rootPort("0000:00:05.0", 2, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs(), true)
                .endpoint("0000:02:00.0", "0000:00:05.0", noAcs());
    }

    @Test
    void withoutACommonUpstreamDeviceTheDistanceIsBothChainLengthsAndIntelQ35IsRefused_spec1_9() {
        P2pVerdict v = verdict(twoRootPorts(Topo.intel(), Topo.Q35_HOST).build(), "0000:01:00.0", "0000:02:00.0");
        assertThat(v.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(v.distance()).isEqualTo(4);
        assertThat(v.path()).containsExactly("0000:01:00.0", "0000:00:04.0", "pci0000:00", "0000:00:05.0", "0000:02:00.0");
        // no ACS redirect on the route: the whitelist is asked without warnings
        assertThat(v.kernelLog()).containsExactly(
                "nvme 0000:02:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:01:00.0) do not share an upstream bridge or whitelisted host bridge");
    }

    @Test
    void withoutACommonUpstreamDeviceAcsIsNotExamined_spec1_9() {
        PciTopology t = Topo.amdZen().hostBridgeDevice("0000:00:00.0", 0x1022, 0x1480)
                .rootPort("0000:00:04.0", 1, acs(0x001d))
                .rootPort("0000:00:05.0", 2, acs(0x001d))
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs())
                .endpoint("0000:02:00.0", "0000:00:05.0", noAcs()).build();
        P2pVerdict v = verdict(t, "0000:01:00.0", "0000:02:00.0");
        assertThat(v.mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(v.acsRedirecting()).isEmpty();
        assertThat(v.kernelLog()).isEmpty();
    }

    @Test
    void twoIntegratedEndpointsOnTheRootBusAreTwoApart_conformanceReadme() {
        PciTopology t = Topo.amdZen().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .endpoint("0000:00:04.0", "", noAcs()).endpoint("0000:00:05.0", "", noAcs()).build();
        P2pVerdict v = verdict(t, "0000:00:04.0", "0000:00:05.0");
        assertThat(v.mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(v.distance()).isEqualTo(2);
    }

    @Test
    void twoVirtualFunctionsOfOnePhysicalFunctionBelowARootPortAreTwoApart_spec1_7() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs())
                .virtfn("0000:01:10.0", "0000:01:00.0", "0000:00:04.0")
                .virtfn("0000:01:10.2", "0000:01:00.0", "0000:00:04.0").build();
        P2pVerdict v = verdict(t, "0000:01:10.0", "0000:01:10.2");
        assertThat(v.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(v.distance()).isEqualTo(2);
        assertThat(verdict(t, "0000:01:00.0", "0000:01:10.0").distance()).isEqualTo(2);
    }

    @Test
    void aVirtualFunctionUsesItsPhysicalFunctionsUpstreamBridgeEvenOnAnotherBus_spec1_7() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs())
                .virtfn("0000:02:00.0", "0000:01:00.0", "0000:00:04.0").build();
        P2pDmaDecision d = P2pDmaDecision.of(t);
        int vf = t.indexOf(PciAddress.parse("0000:02:00.0"));
        assertThat(t.function(t.upstream(vf)).address()).isEqualTo(PciAddress.parse("0000:00:04.0"));
        assertThat(d.verdict(PciAddress.parse("0000:02:00.0"), PciAddress.parse("0000:01:00.0")).distance()).isEqualTo(2);
    }

    @Test
    void theHintListIsCutAtTheKernels128ByteBuffer_spec1_9() {
        List<PciAddress> many = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            many.add(new PciAddress(0, i, 0, 0));
        }
        String text = P2pDmaDecision.acsListText(many);
        assertThat(text).hasSize(127);
        assertThat(text).startsWith("0000:00:00.0;0000:01:00.0;").endsWith(";0000:09:00");
        assertThat(P2pDmaDecision.acsListText(many.subList(0, 2))).isEqualTo("0000:00:00.0;0000:01:00.0");
    }

    @Test
    void unknownAcsIsAssumedNotRedirectingByDefaultAndSaysSo_spec1_8() {
        PciTopology t = rootPortWithMultifunction(0).build();
        PciTopology unknown = t.withFunctions(java.util.Map.of(PciAddress.parse("0000:00:04.0"),
                t.function(PciAddress.parse("0000:00:04.0")).orElseThrow().toBuilder().acs(new AcsState.Unknown("hwloc XML does not record ACS")).build()));
        P2pDmaDecision byDefault = P2pDmaDecision.of(unknown);
        P2pVerdict v = byDefault.verdict(PciAddress.parse("0000:01:00.0"), PciAddress.parse("0000:01:00.1"));
        assertThat(v.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(v.reasons()).anyMatch(r -> r.contains("ACS of 0000:00:04.0 is unknown"));
        assertThat(byDefault.assumptions()).anyMatch(a -> a.contains("ACS unknown on 1 of"));
        P2pDmaDecision pessimistic = P2pDmaDecision.of(unknown, DecisionOptions.defaults().withUnknownAcs(UnknownAcsPolicy.REDIRECT));
        assertThat(pessimistic.verdict(PciAddress.parse("0000:01:00.0"), PciAddress.parse("0000:01:00.1")).mapType()).isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void theCpuFlagOverridesTheCapturedCpu_spec1_10() {
        PciTopology t = rootPortWithMultifunction(0x001d).build();
        P2pDmaDecision d = P2pDmaDecision.of(t, DecisionOptions.defaults().withCpu(CpuInfo.parseFlag("amd:0x19")));
        assertThat(d.verdict(PciAddress.parse("0000:01:00.0"), PciAddress.parse("0000:01:00.1")).mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(d.assumptions()).anyMatch(a -> a.contains("--cpu"));
    }
}
