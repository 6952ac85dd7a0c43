package dev.p2pdma.sim;

import static dev.p2pdma.sim.LinkTopo.link;
import static dev.p2pdma.sim.LinkTopo.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.LinkInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bounce path and the IOMMU (README "The bandwidth model", bounce and IOMMU; issue 13 part 3):
 * the bounce is two transfers through host memory, {@code from} writing and {@code to} reading,
 * one after the other per I/O with the CPU-side cost between; an IOMMU that translates costs one
 * IOTLB miss per page, its page walkers shared; a NOT_SUPPORTED pair has no P2P throughput.
 */
class BandwidthBounceAndIommuTest {

    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;
    /** Gen4 x16 TLP bytes per second per direction: 16 x 16 / 8 x 128/130 x 0.98. */
    private static final double GEN4_TLP = 16.0 * 16 / 8 * 128 / 130 * 0.98;

    /** Two endpoints on two root ports of one host bridge, Gen4 x16. */
    private static LoadedMachine twoRootPorts(LinkTopo t) {
        LinkInfo g4 = link(16, 16);
        return t.rootPort("0000:00:01.0", 1, g4, 256, 0).endpoint("0000:01:00.0", "0000:00:01.0", g4, 256, 0)
                .rootPort("0000:00:02.0", 0x11, g4, 256, 0).endpoint("0000:11:00.0", "0000:00:02.0", g4, 256, 0)
                .boot();
    }

    @Test
    void theBounceIsTwoTransfersOneAfterTheOtherPlusTheCpuCost() {
        BandwidthModel m = new BandwidthModel(twoRootPorts(LinkTopo.amd()), BandwidthParameters.DEFAULTS);
        BandwidthPredictor.StreamPrediction p = m.predict(List.of(write("x", "0000:01:00.0", "0000:11:00.0", MIB, 1, false))).get(0);
        // leg 1: from writes into RAM: 256/280 of the Gen4 TLP rate; leg 2: to reads RAM: completions,
        // 256/276. Fixed latency: leg 1 link 40 + root complex 300 + memory 100 = 440 ns; leg 2 the same,
        // twice (a read is a round trip) = 880 ns; CPU 13 µs. One I/O in flight: the rate is
        // 1 MiB / (440 + 880 + 13000 + 1 MiB / r1 + 1 MiB / r2) ns.
        double r1 = GEN4_TLP * 256 / 280;
        double r2 = GEN4_TLP * 256 / 276;
        double ns = 440 + 880 + 13000 + MIB / r1 + MIB / r2;
        assertThat(p.bounce().gbps()).isCloseTo(MIB / ns, within(1e-9));
        assertThat(p.bounce().latencyUs()).isCloseTo(ns / 1000, within(1e-9));
        assertThat(p.bounce().bottleneck()).startsWith("staging: each I/O is two transfers one after the other plus 13.0 µs of CPU");
        assertThat(p.bounce().path()).containsExactly("0000:01:00.0", "x16 16 GT/s up", "0000:00:01.0", "host bridge pci0000:00 (node 0)",
                "host memory (node 0)", "CPU 13.0 µs", "host bridge pci0000:00 (node 0)", "0000:00:02.0", "x16 16 GT/s down", "0000:11:00.0");
        // P2P at one I/O in flight: link 40 + root complex 300 + link 40 = 380 ns, then the transfer
        double p2pNs = 380 + MIB / r1;
        assertThat(p.p2p().gbps()).isCloseTo(MIB / p2pNs, within(1e-9));
        assertThat(p.winner()).isEqualTo("p2p");
    }

    @Test
    void withManyIosInFlightTheBouncePipelinesAndTheSlowerLinkDecides() {
        BandwidthModel m = new BandwidthModel(twoRootPorts(LinkTopo.amd()), BandwidthParameters.DEFAULTS);
        BandwidthPredictor.StreamPrediction p = m.predict(List.of(write("x", "0000:01:00.0", "0000:11:00.0", MIB, 64, false))).get(0);
        assertThat(p.bounce().gbps()).isCloseTo(GEN4_TLP * 256 / 280, within(1e-9));
        assertThat(p.bounce().bottleneck()).startsWith("link 0000:00:01.0 - 0000:01:00.0 (x16 16 GT/s), upward");
        // host memory carries every byte twice: with 40 GB/s of DRAM, 20 GB/s is left for the stream
        BandwidthModel slowRam = new BandwidthModel(twoRootPorts(LinkTopo.amd()), BandwidthParameters.DEFAULTS.with("hostMemoryGbps", 40));
        BandwidthPredictor.StreamPrediction q = slowRam.predict(List.of(write("x", "0000:01:00.0", "0000:11:00.0", MIB, 64, false))).get(0);
        assertThat(q.bounce().gbps()).isCloseTo(20, within(1e-9));
        assertThat(q.bounce().bottleneck()).startsWith("host memory of node 0");
    }

    @Test
    void aNotSupportedPairHasNoP2pThroughputAndTheBounceWins() {
        BandwidthModel m = new BandwidthModel(twoRootPorts(LinkTopo.intel()), BandwidthParameters.DEFAULTS);
        BandwidthPredictor.StreamPrediction p = m.predict(List.of(write("x", "0000:01:00.0", "0000:11:00.0", GIB, 32, false))).get(0);
        assertThat(p.p2p().mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(p.p2p().gbps()).isZero();
        assertThat(p.p2p().bottleneck()).startsWith("no P2P: the kernel's map type is NOT_SUPPORTED");
        assertThat(p.bounce().gbps()).isPositive();
        assertThat(p.bounce().mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(p.winner()).isEqualTo("bounce");
    }

    @Test
    void anIommuThatTranslatesCostsOneIotlbMissPerPageSharedByItsWalkers() {
        LoadedMachine machine = twoRootPorts(LinkTopo.amd());
        BandwidthPredictor.Stream s = write("x", "0000:01:00.0", "0000:11:00.0", GIB, 32, false);
        // 4 KiB pages, 330 ns per miss, 2 walks at once: 4096 x 2 / 330 = 24.824 GB/s, below Gen4 x16
        BandwidthParameters two = BandwidthParameters.DEFAULTS.with("iommuConcurrentWalks", 2);
        BandwidthPredictor.StreamPrediction on = new BandwidthModel(machine, two, IommuMode.LAZY).predict(List.of(s)).get(0);
        assertThat(on.p2p().gbps()).isCloseTo(4096.0 * 2 / 330, within(1e-9));
        assertThat(on.p2p().bottleneck()).startsWith("IOMMU of host bridge pci0000:00: one IOTLB miss per 4096-byte page");
        // identity domain: no translation, the link decides
        BandwidthPredictor.StreamPrediction pt = new BandwidthModel(machine, two, IommuMode.IDENTITY).predict(List.of(s)).get(0);
        assertThat(pt.p2p().gbps()).isCloseTo(GEN4_TLP * 256 / 280, within(1e-9));
        // 2 MiB pages make the walks rare
        BandwidthPredictor.StreamPrediction huge = new BandwidthModel(machine, two.with("iommuPageBytes", 2 << 20), IommuMode.LAZY)
                .predict(List.of(s)).get(0);
        assertThat(huge.p2p().gbps()).isCloseTo(GEN4_TLP * 256 / 280, within(1e-9));
        // the miss also adds to the latency of a small I/O
        BandwidthPredictor.Stream small = write("x", "0000:01:00.0", "0000:11:00.0", 4, 1, false);
        double offUs = new BandwidthModel(machine, two, IommuMode.OFF).predict(List.of(small)).get(0).p2p().latencyUs();
        double onUs = new BandwidthModel(machine, two, IommuMode.STRICT).predict(List.of(small)).get(0).p2p().latencyUs();
        assertThat(onUs - offUs).isCloseTo(0.330, within(1e-9));
    }

    @Test
    void peerTrafficThroughASwitchIsNotTranslated() {
        LinkInfo g4 = link(16, 16);
        LoadedMachine m = LinkTopo.amd()
                .rootPort("0000:00:01.0", 1, g4, 256, 0)
                .upstreamPort("0000:01:00.0", 2, "0000:00:01.0", g4, 256, 0)
                .downstreamPort("0000:02:00.0", 3, "0000:01:00.0", g4, 256, 0, 0)
                .downstreamPort("0000:02:01.0", 4, "0000:01:00.0", g4, 256, 0, 0)
                .endpoint("0000:03:00.0", "0000:02:00.0", g4, 256, 0)
                .endpoint("0000:04:00.0", "0000:02:01.0", g4, 256, 0)
                .boot();
        BandwidthParameters two = BandwidthParameters.DEFAULTS.with("iommuConcurrentWalks", 2);
        BandwidthPredictor.StreamPrediction p = new BandwidthModel(m, two, IommuMode.STRICT)
                .predict(List.of(write("x", "0000:03:00.0", "0000:04:00.0", GIB, 32, false))).get(0);
        assertThat(p.p2p().mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(p.p2p().gbps()).isCloseTo(GEN4_TLP * 256 / 280, within(1e-9));
        // the bounce goes through the IOMMU twice: both legs share its walkers
        assertThat(p.bounce().gbps()).isCloseTo(4096.0 * 2 / 330 / 2, within(1e-9));
    }
}
