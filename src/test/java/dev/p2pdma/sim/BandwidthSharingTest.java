package dev.p2pdma.sim;

import static dev.p2pdma.sim.LinkTopo.link;
import static dev.p2pdma.sim.LinkTopo.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.p2pdma.pci.LinkInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How streams share links (README "The bandwidth model", sharing; issue 13 part 3): each link
 * direction is its own capacity, streams on one direction share it max-min fairly, ACS redirect
 * sends peer traffic up to the root complex and back down the same uplink (published: Broadcom
 * Gen5 switch, ~50 vs ~103 GB/s bi), and a cross-socket path crosses the inter-socket link.
 */
class BandwidthSharingTest {

    private static final long GIB = 1L << 30;
    /** Gen4 x16 payload per direction with MPS 256: 16 x 16 / 8 x 128/130 x 0.98 x 256/280. */
    private static final double GEN4_X16 = 16.0 * 16 / 8 * 128 / 130 * 0.98 * 256 / 280;
    /** Gen5 x16 likewise. */
    private static final double GEN5_X16 = 2 * GEN4_X16;

    /** Two endpoints (03, 04) under a switch whose downstream ports have ACS control {@code acs}; two more (11, 21) on root ports. */
    private static BandwidthModel machine(int acs) {
        LinkInfo g4 = link(16, 16);
        return new BandwidthModel(LinkTopo.amd()
                .rootPort("0000:00:01.0", 1, g4, 256, 0)
                .upstreamPort("0000:01:00.0", 2, "0000:00:01.0", g4, 256, 0)
                .downstreamPort("0000:02:00.0", 3, "0000:01:00.0", g4, 256, 0, acs)
                .downstreamPort("0000:02:01.0", 4, "0000:01:00.0", g4, 256, 0, acs)
                .endpoint("0000:03:00.0", "0000:02:00.0", g4, 256, 0)
                .endpoint("0000:04:00.0", "0000:02:01.0", g4, 256, 0)
                .rootPort("0000:00:02.0", 0x11, g4, 256, 0)
                .endpoint("0000:11:00.0", "0000:00:02.0", g4, 256, 0)
                .rootPort("0000:00:03.0", 0x21, g4, 256, 0)
                .endpoint("0000:21:00.0", "0000:00:03.0", g4, 256, 0)
                .boot(), BandwidthParameters.DEFAULTS);
    }

    @Test
    void twoStreamsUpOneUplinkShareItEqually() {
        BandwidthModel m = machine(0);
        List<BandwidthPredictor.StreamPrediction> p = m.predict(List.of(
                write("a", "0000:03:00.0", "0000:11:00.0", GIB, 32, false),
                write("b", "0000:04:00.0", "0000:21:00.0", GIB, 32, false)));
        for (BandwidthPredictor.StreamPrediction s : p) {
            assertThat(s.p2p().gbps()).isCloseTo(GEN4_X16 / 2, within(1e-9));
            assertThat(s.p2p().bottleneck()).startsWith("switch uplink 0000:00:01.0 - 0000:01:00.0 (x16 16 GT/s), upward")
                    .contains("2 flows share it");
        }
        // alone, one of them has the whole uplink
        assertThat(m.predict(List.of(write("a", "0000:03:00.0", "0000:11:00.0", GIB, 32, false))).get(0).p2p().gbps())
                .isCloseTo(GEN4_X16, within(1e-9));
    }

    @Test
    void theTwoDirectionsOfALinkAreIndependent() {
        // one stream up the uplink, one down it: each has a full direction
        List<BandwidthPredictor.StreamPrediction> p = machine(0).predict(List.of(
                write("up", "0000:03:00.0", "0000:11:00.0", GIB, 32, false),
                write("down", "0000:21:00.0", "0000:04:00.0", GIB, 32, false)));
        assertThat(p).allSatisfy(s -> assertThat(s.p2p().gbps()).isCloseTo(GEN4_X16, within(1e-9)));
    }

    @Test
    void acsRedirectSendsBothDirectionsOfAPeerStreamUpAndDownTheOneUplink() {
        // redirect off: the switch turns the traffic round, each direction has its own device links
        BandwidthPredictor.StreamPrediction off = machine(0).predict(List.of(write("x", "0000:03:00.0", "0000:04:00.0", GIB, 32, true))).get(0);
        assertThat(off.p2p().mapType()).hasToString("BUS_ADDR");
        assertThat(off.p2p().gbps()).isCloseTo(GEN4_X16, within(1e-9));
        // redirect on: both directions go up the uplink and come back down it: two flows per direction
        BandwidthPredictor.StreamPrediction on = machine(LinkTopo.REDIRECT)
                .predict(List.of(write("x", "0000:03:00.0", "0000:04:00.0", GIB, 32, true))).get(0);
        assertThat(on.p2p().mapType()).hasToString("THRU_HOST_BRIDGE");
        assertThat(on.p2p().gbps()).isCloseTo(GEN4_X16 / 2, within(1e-9));
        assertThat(on.p2p().bottleneck()).contains("switch uplink 0000:00:01.0 - 0000:01:00.0")
                .endsWith("peer traffic goes up to the root complex and back down the same link");
        assertThat(on.p2p().path()).contains("host bridge pci0000:00 (node 0)");
    }

    @Test
    void aCrossSocketPathIsLimitedByTheInterSocketLink() {
        LinkInfo g5 = link(32, 16);
        LinkTopo t = LinkTopo.amd()
                .rootPort("0000:00:01.0", 1, g5, 256, 0).endpoint("0000:01:00.0", "0000:00:01.0", g5, 256, 0)
                .rootPort("0000:80:01.0", 0x81, g5, 256, 1).endpoint("0000:81:00.0", "0000:80:01.0", g5, 256, 1);
        BandwidthPredictor.Stream s = write("x", "0000:01:00.0", "0000:81:00.0", GIB, 32, false);
        BandwidthPredictor.StreamPrediction p = new BandwidthModel(t.boot(), BandwidthParameters.DEFAULTS).predict(List.of(s)).get(0);
        assertThat(p.p2p().gbps()).isCloseTo(51, within(1e-9));
        assertThat(p.p2p().bottleneck()).startsWith("inter-socket link node 0 -> node 1");
        assertThat(p.p2p().path()).contains("inter-socket link node 0 -> node 1");
        // a faster inter-socket link leaves the Gen5 links in charge
        BandwidthModel fast = new BandwidthModel(t.boot(), BandwidthParameters.DEFAULTS.with("interSocketP2pGbps", 100));
        assertThat(fast.predict(List.of(s)).get(0).p2p().gbps()).isCloseTo(GEN5_X16, within(1e-9));
        // the same pair on one socket: no inter-socket link at all
        LinkTopo same = LinkTopo.amd()
                .rootPort("0000:00:01.0", 1, g5, 256, 0).endpoint("0000:01:00.0", "0000:00:01.0", g5, 256, 0)
                .rootPort("0000:80:01.0", 0x81, g5, 256, 0).endpoint("0000:81:00.0", "0000:80:01.0", g5, 256, 0);
        assertThat(new BandwidthModel(same.boot(), BandwidthParameters.DEFAULTS).predict(List.of(s)).get(0).p2p().gbps())
                .isCloseTo(GEN5_X16, within(1e-9));
    }

    @Test
    void theRootComplexForwardingIsSharedByEveryPeerStreamThroughIt() {
        // two peer streams through the root complex of node 0 with its forwarding set to 20 GB/s: 10 each
        BandwidthModel m = new BandwidthModel(machineBoot(), BandwidthParameters.DEFAULTS
                .with("rootComplexP2pGbps", 20));
        List<BandwidthPredictor.StreamPrediction> p = m.predict(List.of(
                write("a", "0000:11:00.0", "0000:21:00.0", GIB, 32, false),
                write("b", "0000:21:00.0", "0000:11:00.0", GIB, 32, false)));
        assertThat(p).allSatisfy(s -> {
            assertThat(s.p2p().gbps()).isCloseTo(10, within(1e-9));
            assertThat(s.p2p().bottleneck()).startsWith("root complex peer forwarding of node 0");
        });
    }

    private static dev.p2pdma.machine.LoadedMachine machineBoot() {
        LinkInfo g4 = link(16, 16);
        return LinkTopo.amd()
                .rootPort("0000:00:02.0", 0x11, g4, 256, 0)
                .endpoint("0000:11:00.0", "0000:00:02.0", g4, 256, 0)
                .rootPort("0000:00:03.0", 0x21, g4, 256, 0)
                .endpoint("0000:21:00.0", "0000:00:03.0", g4, 256, 0)
                .boot();
    }
}
