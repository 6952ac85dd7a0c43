package dev.p2pdma.p2pdma;

import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.CLIENT;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.CLIENT_LEAF;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.CLIENT_SWUP;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.DN0;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.DN1;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.PROVIDER;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.PROVIDER_LEAF;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.PROVIDER_SWUP;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.SWUP;
import static dev.p2pdma.pci.Acs.CR;
import static dev.p2pdma.pci.Acs.EC;
import static dev.p2pdma.pci.Acs.IOMMU_DEFAULT_BITS;
import static dev.p2pdma.pci.Acs.RR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.p2pdma.KunitAcsFabric.Node;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.testing.Topo;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Spec 12.2 R1 against spec 1.9: what the directional ACS rule ({@link Era#NEXT}) changes from the
 * 6.12 rule ({@link Era#SG}) on the same trees, through {@link P2pDmaDecision}: nested switches
 * whose leaf ports redirect, direction, the hint naming only divergence ports, unreadable ACS
 * Control, unknown ACS, pci_p2pdma_distance_many() and the explain narration.
 */
class DirectionalAcsRuleTest {

    private static final DecisionOptions SG = DecisionOptions.defaults();
    private static final DecisionOptions NEXT = DecisionOptions.defaults().withEra(Era.NEXT);

    private static AcsState ctrl(int bits) {
        return new AcsState.Present(0x5f, bits);
    }

    private static P2pVerdict verdict(PciTopology t, DecisionOptions o, Node provider, Node client) {
        return P2pDmaDecision.of(t, o).verdict(provider.in(0), client.in(0));
    }

    /** Every switch port with the IOMMU default SV RR CR UF except the ones given. */
    private static Map<Node, AcsState> iommuDefaultsExcept(Node... clear) {
        Map<Node, AcsState> acs = new HashMap<>();
        for (Node n : new Node[] {DN0, DN1, PROVIDER_LEAF, CLIENT_LEAF}) {
            acs.put(n, ctrl(IOMMU_DEFAULT_BITS));
        }
        Arrays.stream(clear).forEach(n -> acs.put(n, ctrl(0)));
        return acs;
    }

    @Test
    void nestedSwitchesWhoseLeafPortsRedirectUseBusAddressesUnderNextOnly_spec12_2_R1_spec1_9() {
        PciTopology t = KunitAcsFabric.build(iommuDefaultsExcept(DN0, DN1));
        P2pVerdict sg = verdict(t, SG, PROVIDER, CLIENT);
        P2pVerdict next = verdict(t, NEXT, PROVIDER, CLIENT);
        assertThat(sg.mapType()).as("6.12: the Google root port is not on the 6.12 whitelist").isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(sg.acsRedirecting()).containsExactly(PROVIDER_LEAF.in(0), CLIENT_LEAF.in(0));
        assertThat(next.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(next.distance()).isEqualTo(sg.distance()).isEqualTo(8);
        assertThat(next.kernelLog()).isEmpty();
        assertThat(next.acsRedirecting()).isEmpty();
        // with the CPU rule the host bridge is allowed: 6.12 THRU_HOST_BRIDGE, the directional rule still BUS_ADDR
        DecisionOptions zen = SG.withCpu(new CpuInfo(CpuInfo.AMD, 0x17, ""));
        assertThat(verdict(t, zen, PROVIDER, CLIENT).mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(verdict(t, zen.withEra(Era.NEXT), PROVIDER, CLIENT).mapType()).isEqualTo(MapType.BUS_ADDR);
    }

    @Test
    void theEndpointsOwnAcsNoLongerCountsUnderNext_spec12_2_R1_spec1_8() {
        PciTopology t = KunitAcsFabric.build(Map.of(PROVIDER, ctrl(RR | CR), CLIENT, ctrl(RR | CR)));
        assertThat(verdict(t, SG, PROVIDER, CLIENT).mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(verdict(t, NEXT, PROVIDER, CLIENT).mapType()).isEqualTo(MapType.BUS_ADDR);
    }

    @Test
    void directionMattersUnderNextButNotUnder612_spec12_2_R1() {
        // RR/EC on the provider-side port and CR on the client-side port touch only the reverse direction
        PciTopology t = KunitAcsFabric.build(Map.of(DN0, ctrl(RR | EC), DN1, ctrl(CR)));
        assertThat(verdict(t, NEXT, PROVIDER, CLIENT).mapType()).isEqualTo(MapType.BUS_ADDR);
        P2pVerdict swapped = verdict(t, NEXT, CLIENT, PROVIDER);
        assertThat(swapped.mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(swapped.acsRedirecting()).as("provider-side CR port first, then client-side RR port")
                .containsExactly(DN1.in(0), DN0.in(0));
        assertThat(verdict(t, SG, PROVIDER, CLIENT).mapType()).isEqualTo(verdict(t, SG, CLIENT, PROVIDER).mapType())
                .isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void theHintNamesOnlyTheDivergencePortsWithTheNewWording_spec12_2_R1() {
        PciTopology t = KunitAcsFabric.build(iommuDefaultsExcept());
        P2pVerdict next = verdict(t, NEXT, PROVIDER, CLIENT);
        assertThat(next.mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(next.kernelLog()).containsExactly(
                "nvme 0000:08:00.0: ACS redirect is set between the client and provider (0000:07:00.0)",
                "nvme 0000:08:00.0: to disable ACS controls for this path, add the kernel parameter: pci=disable_acs_redir=0000:02:00.0;0000:02:01.0");
        assertThat(next.reasons()).anyMatch(r -> r.contains("0000:02:01.0 redirects the client's strict Requests (RR/EC)")
                && r.contains("0000:02:00.0 redirects the provider's Completions (CR)"));
        P2pVerdict sg = verdict(t, SG, PROVIDER, CLIENT);
        assertThat(sg.kernelLog()).contains(
                "nvme 0000:08:00.0: to disable ACS redirect for this path, add the kernel parameter: "
                        + "pci=disable_acs_redir=0000:05:00.0;0000:02:00.0;0000:06:00.0;0000:02:01.0");
    }

    @Test
    void onlyTheRedirectingDivergencePortIsNamed_spec12_2_R1() {
        PciTopology t = KunitAcsFabric.build(Map.of(DN1, ctrl(RR), DN0, ctrl(RR)));
        assertThat(verdict(t, NEXT, PROVIDER, CLIENT).kernelLog())
                .contains("nvme 0000:08:00.0: to disable ACS controls for this path, add the kernel parameter: pci=disable_acs_redir=0000:02:01.0");
    }

    @Test
    void anUnreadableDivergencePortRefusesThePathWithItsOwnWarning_spec12_2_R1() {
        PciTopology t = KunitAcsFabric.build(Map.of(DN0, new AcsState.Unreadable(0x5f, "device gone")));
        P2pVerdict next = verdict(t, NEXT, PROVIDER, CLIENT);
        assertThat(next.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(next.kernelLog()).as("no hint, and no host bridge consulted: no class needs it")
                .containsExactly("nvme 0000:08:00.0: ACS Control is unreadable for provider 0000:07:00.0 at 0000:02:00.0");
        assertThat(next.acsRedirecting()).containsExactly(DN0.in(0));
        for (TlpClass c : TlpClass.values()) {
            P2pDmaDecision d = P2pDmaDecision.of(t, NEXT);
            assertThat(P2pDmaDecision.mapTypeOf(d.calc(t.indexOf(PROVIDER.in(0)), t.indexOf(CLIENT.in(0)), c))).isEqualTo(MapType.NOT_SUPPORTED);
        }
    }

    @Test
    void under612AnUnreadableControlReadsAsAllOnesAndRedirects_spec1_8() {
        PciTopology t = KunitAcsFabric.build(Map.of(PROVIDER_SWUP, new AcsState.Unreadable(0x5f, "device gone")));
        P2pVerdict sg = verdict(t, SG.withCpu(new CpuInfo(CpuInfo.AMD, 0x17, "")), PROVIDER, CLIENT);
        assertThat(sg.mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(sg.acsRedirecting()).containsExactly(PROVIDER_SWUP.in(0));
        assertThat(verdict(t, NEXT, PROVIDER, CLIENT).mapType()).as("below the divergence: not read by the directional rule")
                .isEqualTo(MapType.BUS_ADDR);
    }

    @Test
    void unknownAcsOnADivergencePortFollowsThePolicyAndSaysSo_spec12_2_R1() {
        PciTopology t = KunitAcsFabric.build(Map.of(DN1, new AcsState.Unknown("config space is 64 bytes")));
        P2pVerdict redirect = P2pDmaDecision.of(t, NEXT.withUnknownAcs(UnknownAcsPolicy.REDIRECT)).verdict(PROVIDER.in(0), CLIENT.in(0));
        assertThat(redirect.mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(redirect.reasons()).contains("assumed: ACS of 0000:02:01.0 is unknown (config space is 64 bytes); treated as SV RR CR UF (the IOMMU default)");
        P2pVerdict none = verdict(t, NEXT, PROVIDER, CLIENT);
        assertThat(none.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(none.reasons()).contains("assumed: ACS of 0000:02:01.0 is unknown (config space is 64 bytes); treated as no ACS controls");
    }

    @Test
    void distanceManyUsesTheErasRule_spec1_12_spec12_2_R1() {
        PciTopology t = KunitAcsFabric.build(iommuDefaultsExcept(DN0, DN1));
        int provider = t.indexOf(PROVIDER.in(0));
        int[] clients = {t.indexOf(CLIENT.in(0)), t.indexOf(CLIENT_SWUP.in(0))};
        assertThat(P2pDmaDecision.of(t, SG).distanceMany(provider, clients, false, KernelLog.discard())).isEqualTo(-1);
        assertThat(P2pDmaDecision.of(t, NEXT).distanceMany(provider, clients, false, KernelLog.discard())).isEqualTo(8 + 6);
        KernelLog log = KernelLog.create();
        assertThat(P2pDmaDecision.of(t, NEXT).distanceMany(provider, clients, true, log)).isEqualTo(8 + 6);
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void withoutACommonUpstreamDeviceTheHostBridgeDecidesAndIsReportedVerbosely_spec12_2_R1() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, Topo.acs(IOMMU_DEFAULT_BITS)).rootPort("0000:00:05.0", 2, Topo.acs(IOMMU_DEFAULT_BITS))
                .endpoint("0000:01:00.0", "0000:00:04.0", Topo.noAcs()).endpoint("0000:02:00.0", "0000:00:05.0", Topo.noAcs()).build();
        P2pVerdict next = P2pDmaDecision.of(t, NEXT).verdict(PciAddress.parse("0000:01:00.0"), PciAddress.parse("0000:02:00.0"));
        assertThat(next.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(next.distance()).isEqualTo(4);
        assertThat(next.kernelLog()).containsExactly(
                "pci 0000:00:00.0: Host bridge not in P2PDMA whitelist: 8086:29c0",
                "nvme 0000:02:00.0: cannot be used for peer-to-peer DMA as the client and provider (0000:01:00.0) do not share an upstream"
                        + " bridge or whitelisted host bridge");
    }

    @Test
    void explainTellsTheDivergencePorts_spec12_2_R1() {
        PciTopology t = KunitAcsFabric.build(Map.of(DN1, ctrl(RR)));
        P2pDmaDecision d = P2pDmaDecision.of(t, NEXT);
        P2pVerdict v = d.explain(t.indexOf(PROVIDER.in(0)), t.indexOf(CLIENT.in(0)));
        assertThat(v.steps()).contains("divergence ports (directional ACS rule, R1): Requests turn at 0000:02:01.0 [ctrl 0x0004 (RR)],"
                + " Completions at 0000:02:00.0 [ctrl 0x0000]; ACS below them is not examined");
        assertThat(v.steps()).noneMatch(s -> s.startsWith("ACS checked on the provider's chain"));
        assertThat(v.steps().get(v.steps().size() - 1)).isEqualTo("verdict: THRU_HOST_BRIDGE, distance 8");
        assertThat(d.explain(t.indexOf(SWUP.in(0)), t.indexOf(CLIENT.in(0))).steps())
                .contains("no divergence port (one end is upstream of the other): no ACS routing control applies");
    }

    @Test
    void onlyNextCarriesTheDirectionalRule_spec0_1_spec12_2_R1() {
        for (Era e : Era.values()) {
            assertThat(e.acsPathRule()).as(e.tag())
                    .isEqualTo(e == Era.NEXT ? AcsPathRule.DIVERGENCE_PORTS : AcsPathRule.EVERY_PORT_ON_PATH);
        }
    }
}
