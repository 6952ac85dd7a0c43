package dev.p2pdma.sim;

import static dev.p2pdma.sim.LinkTopo.link;
import static dev.p2pdma.sim.LinkTopo.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.PciAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bandwidth model's link rates and TLP overheads, against hand-computed figures (README "The
 * bandwidth model", links and TLPs; issue 13 part 3): per-lane rate and encoding per generation,
 * the current (not maximum) width and speed, MPS from Device Control with the smallest on the path
 * winning, header and framing per TLP, the DLLP share, and the defaults for an unknown link.
 */
class BandwidthLinkModelTest {

    /** 1 GiB I/Os, 32 in flight: the path latency is negligible, the links decide. */
    private static final long GIB = 1L << 30;

    /** Two endpoints under one switch; the first endpoint's link is {@code slow}, everything else Gen5 x16. */
    private static BandwidthModel switchPair(LinkInfo slow, int slowMps, int otherMps) {
        LinkInfo fast = link(32, 16);
        return new BandwidthModel(LinkTopo.amd()
                .rootPort("0000:00:01.0", 1, fast, otherMps, 0)
                .upstreamPort("0000:01:00.0", 2, "0000:00:01.0", fast, otherMps, 0)
                .downstreamPort("0000:02:00.0", 3, "0000:01:00.0", slow, otherMps, 0, 0)
                .downstreamPort("0000:02:01.0", 4, "0000:01:00.0", fast, otherMps, 0, 0)
                .endpoint("0000:03:00.0", "0000:02:00.0", slow, slowMps, 0)
                .endpoint("0000:04:00.0", "0000:02:01.0", fast, otherMps, 0)
                .boot(), BandwidthParameters.DEFAULTS);
    }

    private static BandwidthPredictor.StreamPrediction oneStream(BandwidthModel m) {
        return m.predict(List.of(write("s", "0000:03:00.0", "0000:04:00.0", GIB, 32, false))).get(0);
    }

    @Test
    void gen3x8WithMps256CarriesPayloadAt256Of280OfItsTlpRate() {
        // Gen3 x8: 8 GT/s x 8 lanes / 8 = 8 GB/s of symbols; 128b/130b: 7.876923 GB/s; less 2 % DLLPs:
        // 7.719385 GB/s of TLP bytes. Each 256-byte write carries a 16-byte header and 8 bytes of
        // framing, sequence number and LCRC: 256/280 = 0.914286 of it is payload: 7.057723 GB/s.
        double expected = 8.0 * 8 / 8 * 128 / 130 * 0.98 * 256 / 280;
        assertThat(expected).isCloseTo(7.057723, within(1e-6));
        BandwidthModel m = switchPair(link(8, 8), 256, 256);
        assertThat(m.linkAbove(PciAddress.parse("0000:03:00.0")).payloadGbps(256, 16)).isCloseTo(expected, within(1e-9));
        assertThat(m.linkAbove(PciAddress.parse("0000:03:00.0")).writeEfficiency(256, 16)).isCloseTo(256.0 / 280, within(1e-12));
        BandwidthPredictor.StreamPrediction p = oneStream(m);
        assertThat(p.p2p().gbps()).isCloseTo(expected, within(1e-9));
        assertThat(p.p2p().bottleneck()).startsWith("link 0000:02:00.0 - 0000:03:00.0 (x8 8 GT/s), upward: MPS 256: 91.4 %");
        assertThat(p.winner()).isEqualTo("p2p");
    }

    @Test
    void gen1UsesEightOfTenBitsAndTheSmallestMpsOnThePath() {
        // Gen1 x1: 2.5 GT/s / 8 = 0.3125 GB/s of symbols; 8b/10b: 0.25; less 2 %: 0.245 GB/s of TLP
        // bytes. The endpoint says MPS 512 but the ports say 128: the path's MPS is 128, 128/152 payload.
        double expected = 2.5 / 8 * 8 / 10 * 0.98 * 128 / 152;
        BandwidthPredictor.StreamPrediction p = oneStream(switchPair(link(2.5, 1), 512, 128));
        assertThat(p.p2p().gbps()).isCloseTo(expected, within(1e-12));
        assertThat(p.p2p().bottleneck()).contains("MPS 128");
    }

    @Test
    void gen6FlitModeHas236TlpBytesPer256AndNoPerTlpFraming() {
        // Gen6 x16: 64 x 16 / 8 = 128 GB/s; a 256-byte flit holds 236 TLP bytes: 118 GB/s; a 256-byte
        // write in FLIT mode is 256 + 16 header bytes: 256/272 is payload: 111.0588 GB/s.
        LinkInfo gen6 = link(64, 16);
        BandwidthModel m = new BandwidthModel(LinkTopo.amd()
                .rootPort("0000:00:01.0", 1, gen6, 256, 0)
                .upstreamPort("0000:01:00.0", 2, "0000:00:01.0", gen6, 256, 0)
                .downstreamPort("0000:02:00.0", 3, "0000:01:00.0", gen6, 256, 0, 0)
                .downstreamPort("0000:02:01.0", 4, "0000:01:00.0", gen6, 256, 0, 0)
                .endpoint("0000:03:00.0", "0000:02:00.0", gen6, 256, 0)
                .endpoint("0000:04:00.0", "0000:02:01.0", gen6, 256, 0)
                .boot(), BandwidthParameters.DEFAULTS);
        assertThat(oneStream(m).p2p().gbps()).isCloseTo(64.0 * 16 / 8 * 236 / 256 * 256 / 272, within(1e-9));
        assertThat(m.linkAbove(PciAddress.parse("0000:03:00.0")).framingBytes()).isZero();
    }

    @Test
    void aLinkThatTrainedDownIsRatedAtItsCurrentWidthAndSpeedAndNamedAsTheBottleneck() {
        // max x16 16 GT/s, trained to x4 8 GT/s: 8 x 4 / 8 x 128/130 x 0.98 x 256/280
        LinkInfo trained = new LinkInfo(16, 16, 8, 4);
        BandwidthPredictor.StreamPrediction p = oneStream(switchPair(trained, 256, 256));
        assertThat(p.p2p().gbps()).isCloseTo(8.0 * 4 / 8 * 128 / 130 * 0.98 * 256 / 280, within(1e-9));
        assertThat(p.p2p().bottleneck()).startsWith("link 0000:02:00.0 - 0000:03:00.0 (x4 8 GT/s, trained down from x16 16 GT/s), upward");
    }

    @Test
    void anUnknownLinkAndMpsTakeTheNamedDefaultsAndSaySo() {
        BandwidthModel m = switchPair(LinkInfo.UNKNOWN, -1, 256);
        BandwidthPredictor.StreamPrediction p = oneStream(m);
        // defaults: x16 16 GT/s, MPS 256
        assertThat(p.p2p().gbps()).isCloseTo(16.0 * 16 / 8 * 128 / 130 * 0.98 * 256 / 280, within(1e-9));
        assertThat(p.p2p().bottleneck()).contains("(x16 16 GT/s, assumed: link unknown)");
        assertThat(m.assumptions()).contains("link above 0000:03:00.0: speed or width unknown, assumed x16 16 GT/s",
                "max payload size of 0000:03:00.0 unknown, assumed 256 bytes");
    }

    @Test
    void smallIosPayTheirHeadersAndThePathLatency() {
        // 64-byte I/Os on Gen5 x16, one in flight: the TLP is 64 + 24 bytes, and each I/O waits the path
        // latency: 2 links x 40 ns + 1 switch x 110 ns = 190 ns, so the rate is 64 bytes per (190 ns +
        // transfer time), far below the link.
        BandwidthModel m = switchPair(link(32, 16), 256, 256);
        BandwidthPredictor.StreamPrediction p = m.predict(List.of(write("s", "0000:03:00.0", "0000:04:00.0", 64, 1, false))).get(0);
        double linkPayload = 32.0 * 16 / 8 * 128 / 130 * 0.98 * 64 / 88;
        double ns = 190 + 64 / linkPayload;
        assertThat(p.p2p().gbps()).isCloseTo(64 / ns, within(1e-9));
        assertThat(p.p2p().latencyUs()).isCloseTo(ns / 1000, within(1e-9));
        assertThat(p.p2p().bottleneck()).startsWith("I/O latency: 1 I/O(s) of 64 bytes in flight");
        assertThat(p.p2p().path()).containsExactly("0000:03:00.0", "x16 32 GT/s up", "0000:02:00.0", "0000:01:00.0", "0000:02:01.0",
                "x16 32 GT/s down", "0000:04:00.0");
    }

    @Test
    void readsCarryCompletionHeadersAndSendRequestsTheOtherWay() {
        // the receiving device masters: completions of 256 bytes with a 12-byte header and 8 framing
        // bytes: 256/276 of the TLP rate (Gen3 x8 on the sender's link)
        BandwidthModel m = switchPair(link(8, 8), 256, 256);
        PciAddress from = PciAddress.parse("0000:03:00.0");
        PciAddress to = PciAddress.parse("0000:04:00.0");
        BandwidthPredictor.StreamPrediction p = m.predict(List.of(new BandwidthPredictor.Stream("r", from, to, to, GIB, 32, 1, false))).get(0);
        assertThat(p.p2p().gbps()).isCloseTo(8.0 * 8 / 8 * 128 / 130 * 0.98 * 256 / 276, within(1e-9));
    }
}
