package dev.p2pdma.p2pdma;

import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.CLIENT;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.CLIENT_LEAF;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.DN0;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.DN1;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.PROVIDER;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.PROVIDER_LEAF;
import static dev.p2pdma.p2pdma.KunitAcsFabric.Node.ROOTPORT;
import static dev.p2pdma.p2pdma.TlpClass.RELAXED_COMPLETION;
import static dev.p2pdma.p2pdma.TlpClass.STRICT;
import static dev.p2pdma.p2pdma.TlpClass.TRANSLATED;
import static dev.p2pdma.pci.Acs.CR;
import static dev.p2pdma.pci.Acs.DT;
import static dev.p2pdma.pci.Acs.EC;
import static dev.p2pdma.pci.Acs.RR;
import static dev.p2pdma.pci.Acs.TB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.p2pdma.DirectionalAcsRule.PortRoute;
import dev.p2pdma.p2pdma.KunitAcsFabric.Node;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciTopology;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec 12.2 R1: the KUnit file of the directional ACS series, {@code drivers/pci/pci_acs_test.c}
 * (suite "pci_acs", corpus file id 69529058358, matching the candidate p2pdma.c, file id
 * 69398543513), transcribed as data: its Request and Completion tables for one port, and every
 * acs_walk_* case on its nested-switch fabric ({@link KunitAcsFabric}). The walk cases run through
 * {@link P2pDmaDecision} with {@link Era#NEXT}; the table rows run both on the port functions and,
 * placed on the client-side (Request) or provider-side (Completion) divergence port, through the
 * decision. The pci_acs_flags_enabled (IOMMU isolation) and cache-packing cases are not part of
 * the path rule and are not transcribed.
 */
class DirectionalAcsKunitVectorsTest {

    /** One row of acs_request_cases / acs_completion_cases: ACS Control, TLP class, expected port route. */
    record PortCase(String desc, int ctrl, TlpClass tlp, PortRoute expect) {
        @Override
        public String toString() {
            return desc;
        }
    }

    /** acs_request_cases: Request routing ignores Completion Redirect. */
    static Stream<PortCase> requestCases() {
        return Stream.of(
                new PortCase("req/none", 0, STRICT, PortRoute.DIRECT),
                new PortCase("req/rr", RR, STRICT, PortRoute.REDIRECT),
                new PortCase("req/cr", CR, STRICT, PortRoute.DIRECT),
                new PortCase("req/rr_cr", RR | CR, STRICT, PortRoute.REDIRECT),
                new PortCase("req/ec", EC, STRICT, PortRoute.REDIRECT),
                new PortCase("req/ec_cr", EC | CR, STRICT, PortRoute.REDIRECT),
                new PortCase("req/dt", DT, STRICT, PortRoute.DIRECT),
                new PortCase("req/dt_rr", DT | RR, STRICT, PortRoute.REDIRECT),
                new PortCase("req/at", 0, TRANSLATED, PortRoute.DIRECT),
                new PortCase("req/at_rr", RR, TRANSLATED, PortRoute.REDIRECT),
                new PortCase("req/at_dt_rr", DT | RR, TRANSLATED, PortRoute.DIRECT),
                new PortCase("req/at_dt_ec", DT | EC, TRANSLATED, PortRoute.DIRECT),
                new PortCase("req/tb", TB, STRICT, PortRoute.DIRECT),
                new PortCase("req/tb_rr", TB | RR, STRICT, PortRoute.REDIRECT),
                new PortCase("req/at_tb", TB, TRANSLATED, PortRoute.BLOCKED),
                new PortCase("req/at_tb_dt", TB | DT, TRANSLATED, PortRoute.BLOCKED));
    }

    /** acs_completion_cases: Completion routing depends only on Completion Redirect; Relaxed Ordering Completions never redirect. */
    static Stream<PortCase> completionCases() {
        return Stream.of(
                new PortCase("cpl/none", 0, STRICT, PortRoute.DIRECT),
                new PortCase("cpl/rr", RR, STRICT, PortRoute.DIRECT),
                new PortCase("cpl/cr", CR, STRICT, PortRoute.REDIRECT),
                new PortCase("cpl/rr_cr", RR | CR, STRICT, PortRoute.REDIRECT),
                new PortCase("cpl/ec", EC, STRICT, PortRoute.DIRECT),
                new PortCase("cpl/ec_cr", EC | CR, STRICT, PortRoute.REDIRECT),
                new PortCase("cpl/ro", 0, RELAXED_COMPLETION, PortRoute.DIRECT),
                new PortCase("cpl/ro_cr", CR, RELAXED_COMPLETION, PortRoute.DIRECT),
                new PortCase("cpl/ro_rr_cr", RR | CR, RELAXED_COMPLETION, PortRoute.DIRECT));
    }

    /**
     * One acs_walk_* expectation: the fabric(s) with ACS per node, the provider and client (domain
     * and node), the TLP class, and the map type KUNIT_EXPECT_EQ names.
     */
    record WalkCase(String desc, Map<Integer, Map<Node, AcsState>> fabrics, int providerDomain, Node provider, int clientDomain, Node client,
                    TlpClass tlp, MapType expect) {
        @Override
        public String toString() {
            return desc + " [" + tlp.label() + "]";
        }
    }

    private static AcsState ctrl(int bits) {
        return new AcsState.Present(bits, bits);
    }

    private static WalkCase walk(String desc, Map<Node, AcsState> acs, TlpClass tlp, MapType expect) {
        return new WalkCase(desc, Map.of(0, acs), 0, PROVIDER, 0, CLIENT, tlp, expect);
    }

    private static WalkCase walk(String desc, Map<Node, AcsState> acs, Node provider, Node client, TlpClass tlp, MapType expect) {
        return new WalkCase(desc, Map.of(0, acs), 0, provider, 0, client, tlp, expect);
    }

    /** Every KUNIT_EXPECT_EQ of the acs_walk_* cases, in the file's order. */
    static Stream<WalkCase> walkCases() {
        Map<Node, AcsState> clientLeafTb = Map.of(CLIENT_LEAF, ctrl(TB));
        return Stream.of(
                walk("acs_walk_bus_addr", Map.of(), STRICT, MapType.BUS_ADDR),
                walk("acs_walk_request_redirect", Map.of(DN1, ctrl(RR)), STRICT, MapType.THRU_HOST_BRIDGE),
                walk("acs_walk_completion_redirect", Map.of(DN0, ctrl(CR)), STRICT, MapType.THRU_HOST_BRIDGE),
                walk("acs_walk_egress_control", Map.of(DN1, ctrl(EC)), STRICT, MapType.THRU_HOST_BRIDGE),
                walk("acs_walk_asymmetric_direct", Map.of(DN0, ctrl(RR | EC), DN1, ctrl(CR)), STRICT, MapType.BUS_ADDR),
                walk("acs_walk_nested_completion_redirect", Map.of(PROVIDER_LEAF, ctrl(CR)), STRICT, MapType.BUS_ADDR),
                walk("acs_walk_nested_request_redirect", Map.of(CLIENT_LEAF, ctrl(RR)), STRICT, MapType.BUS_ADDR),
                walk("acs_walk_translation_blocking", clientLeafTb, STRICT, MapType.BUS_ADDR),
                walk("acs_walk_translation_blocking", clientLeafTb, TRANSLATED, MapType.NOT_SUPPORTED),
                walk("acs_walk_ancestor_provider_tb", clientLeafTb, DN1, CLIENT, STRICT, MapType.BUS_ADDR),
                walk("acs_walk_ancestor_provider_tb", clientLeafTb, DN1, CLIENT, TRANSLATED, MapType.NOT_SUPPORTED),
                new WalkCase("acs_walk_no_common_bridge_tb", Map.of(0, clientLeafTb, 1, Map.of()), 1, PROVIDER, 0, CLIENT, STRICT,
                        MapType.THRU_HOST_BRIDGE),
                new WalkCase("acs_walk_no_common_bridge_tb", Map.of(0, clientLeafTb, 1, Map.of()), 1, PROVIDER, 0, CLIENT, TRANSLATED,
                        MapType.NOT_SUPPORTED),
                walk("acs_walk_self_dma_tb", clientLeafTb, CLIENT, CLIENT, STRICT, MapType.BUS_ADDR),
                walk("acs_walk_self_dma_tb", clientLeafTb, CLIENT, CLIENT, TRANSLATED, MapType.BUS_ADDR),
                walk("acs_walk_relaxed_completion", Map.of(DN0, ctrl(CR)), STRICT, MapType.THRU_HOST_BRIDGE),
                walk("acs_walk_relaxed_completion", Map.of(DN0, ctrl(CR)), RELAXED_COMPLETION, MapType.BUS_ADDR),
                walk("acs_walk_direct_translated", Map.of(DN1, ctrl(RR | DT)), STRICT, MapType.THRU_HOST_BRIDGE),
                walk("acs_walk_direct_translated", Map.of(DN1, ctrl(RR | DT)), TRANSLATED, MapType.BUS_ADDR),
                walk("acs_walk_tb_above_divergence (nothing redirects)", Map.of(ROOTPORT, ctrl(TB)), TRANSLATED, MapType.BUS_ADDR),
                walk("acs_walk_tb_above_divergence (dn1 RR)", Map.of(ROOTPORT, ctrl(TB), DN1, ctrl(RR)), STRICT, MapType.THRU_HOST_BRIDGE),
                walk("acs_walk_tb_above_divergence (dn1 RR)", Map.of(ROOTPORT, ctrl(TB), DN1, ctrl(RR)), TRANSLATED, MapType.NOT_SUPPORTED),
                walk("acs_walk_unreadable_control", Map.of(DN1, new AcsState.Unreadable(0, "config read fails")), STRICT,
                        MapType.NOT_SUPPORTED));
    }

    private static MapType next(PciTopology t, int providerDomain, Node provider, int clientDomain, Node client, TlpClass tlp) {
        P2pDmaDecision d = P2pDmaDecision.of(t, DecisionOptions.defaults().withEra(Era.NEXT));
        int p = t.indexOf(provider.in(providerDomain));
        int c = t.indexOf(client.in(clientDomain));
        MapType fast = P2pDmaDecision.mapTypeOf(d.calc(p, c, tlp));
        MapType told = d.verdict(p, c, tlp).mapType();
        assertThat(told).as("the narrated walk agrees with the packed one").isEqualTo(fast);
        return fast;
    }

    private static MapType routeToMapType(PortRoute r) {
        return switch (r) {
            case DIRECT -> MapType.BUS_ADDR;
            case REDIRECT -> MapType.THRU_HOST_BRIDGE;
            case BLOCKED -> MapType.NOT_SUPPORTED;
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestCases")
    void pciAcsP2pdmaRequestTable_spec12_2_R1(PortCase c) {
        assertThat(DirectionalAcsRule.request(c.ctrl(), c.tlp())).isEqualTo(c.expect());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("completionCases")
    void pciAcsP2pdmaCompletionTable_spec12_2_R1(PortCase c) {
        assertThat(DirectionalAcsRule.completion(c.ctrl(), c.tlp())).isEqualTo(c.expect());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestCases")
    void aRequestRowOnTheClientSideDivergencePortDecidesThePath_spec12_2_R1(PortCase c) {
        PciTopology t = KunitAcsFabric.build(Map.of(DN1, ctrl(c.ctrl())));
        assertThat(next(t, 0, PROVIDER, 0, CLIENT, c.tlp())).isEqualTo(routeToMapType(c.expect()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("completionCases")
    void aCompletionRowOnTheProviderSideDivergencePortDecidesThePath_spec12_2_R1(PortCase c) {
        PciTopology t = KunitAcsFabric.build(Map.of(DN0, ctrl(c.ctrl())));
        assertThat(next(t, 0, PROVIDER, 0, CLIENT, c.tlp())).isEqualTo(routeToMapType(c.expect()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("walkCases")
    void kunitWalkCaseThroughTheDecision_spec12_2_R1(WalkCase c) {
        PciTopology t = KunitAcsFabric.buildMany(c.fabrics());
        assertThat(next(t, c.providerDomain(), c.provider(), c.clientDomain(), c.client(), c.tlp())).isEqualTo(c.expect());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("walkCases")
    void theTranslatedRelaxedClassCombinesBothRules_spec12_2_R1(WalkCase c) {
        // not a KUnit row: the fourth class must equal the combination of the translated and relaxed answers
        PciTopology t = KunitAcsFabric.buildMany(c.fabrics());
        MapType translated = next(t, c.providerDomain(), c.provider(), c.clientDomain(), c.client(), TRANSLATED);
        MapType relaxed = next(t, c.providerDomain(), c.provider(), c.clientDomain(), c.client(), RELAXED_COMPLETION);
        MapType both = next(t, c.providerDomain(), c.provider(), c.clientDomain(), c.client(), TlpClass.TRANSLATED_RELAXED);
        if (translated == MapType.NOT_SUPPORTED) {
            assertThat(both).isEqualTo(MapType.NOT_SUPPORTED);
        } else if (translated == MapType.BUS_ADDR && relaxed == MapType.BUS_ADDR) {
            assertThat(both).isEqualTo(MapType.BUS_ADDR);
        }
        assertThat(List.of(MapType.BUS_ADDR, MapType.THRU_HOST_BRIDGE, MapType.NOT_SUPPORTED)).contains(both);
    }
}
