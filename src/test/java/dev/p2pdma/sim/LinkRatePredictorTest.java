package dev.p2pdma.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.PciAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The first-order link-rate predictor against hand-computed cases (issue 13 part 3's stand-in):
 * payload GB/s = GT/s x lanes x encoding / 8, the slowest link of the path limits, the bounce is two
 * legs through host memory.
 */
class LinkRatePredictorTest {

    private static final PciAddress NVME0 = PciAddress.parse("0000:03:00.0");
    private static final PciAddress NVME1 = PciAddress.parse("0000:04:00.0");
    private static final PciAddress GPU1 = PciAddress.parse("0000:06:00.0");
    private static final PciAddress GPU2 = PciAddress.parse("0000:07:00.0");

    private static LinkRatePredictor predictor() throws Exception {
        SimScenario s = SimScenarioReader.read("""
                machine:
                  topology: switch-machine.yaml
                devices:
                  - {name: nvme0, kind: nvme, address: "0000:03:00.0", port: "0000:02:00.0", cmb: 64MiB, link: 16 GT/s x4}
                  - {name: nvme1, kind: nvme, address: "0000:04:00.0", port: "0000:02:01.0", link: 5 GT/s x1}
                  - {name: gpu1, kind: accelerator, address: "0000:06:00.0", port: "0000:02:03.0", bar: 256MiB}
                  - {name: gpu2, kind: accelerator, address: "0000:07:00.0", port: "0000:00:02.0", bar: 256MiB}
                workloads:
                  - {copy: {from: gpu1, to: gpu2}, size: 1MiB}
                """, "s.yaml", Path.of("examples/simulate").toAbsolutePath());
        return new LinkRatePredictor(SimMachine.load(s));
    }

    @Test
    void aGen2X1DriveInsideTheSwitchIsLimitedByItsOwnLinkWith8b10bEncoding() throws Exception {
        // 5 GT/s x 1 lane x 8/10 / 8 bits = 0.5 GB/s; 128 KiB at 0.5 GB/s = 262.144 us
        BandwidthPredictor.StreamPrediction p = predictor().predict(List.of(
                new BandwidthPredictor.Stream("rd", NVME1, NVME0, NVME1, 128 << 10, 32, 1, false))).get(0);
        assertThat(p.p2p().mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(p.p2p().gbps()).isCloseTo(0.5, within(1e-9));
        assertThat(p.p2p().latencyUs()).isCloseTo(262.144, within(1e-6));
        assertThat(p.p2p().bottleneck()).isEqualTo("link above 0000:04:00.0 (x1 5 GT/s)");
        // bounce at queue depth 32: legs overlap, the slower (0.5 GB/s) limits; latency is both legs:
        // 262.144 us + 131072 B / (16 x 4 x 128/130 / 8 = 7.876923 GB/s) = 262.144 + 16.64 us
        assertThat(p.bounce().gbps()).isCloseTo(0.5, within(1e-9));
        assertThat(p.bounce().latencyUs()).isCloseTo(262.144 + 16.64, within(1e-6));
        assertThat(p.winner()).isEqualTo("p2p");
    }

    @Test
    void aNotSupportedPairGoesToTheBounceWhoseLegsAddUpAtQueueDepthOne() throws Exception {
        // x16 16 GT/s with 128b/130b: 16 x 16 x 128/130 / 8 = 31.5077 GB/s per leg; at queue depth 1
        // the legs run one after the other: 1 / (1/31.5077 + 1/31.5077) = 15.7538 GB/s
        BandwidthPredictor.StreamPrediction p = predictor().predict(List.of(
                new BandwidthPredictor.Stream("cp", GPU1, GPU2, GPU1, 1 << 20, 1, 1, false))).get(0);
        double leg = 16.0 * 16 * 128 / 130 / 8;
        assertThat(p.p2p().mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(p.bounce().gbps()).isCloseTo(leg / 2, within(1e-9));
        assertThat(p.bounce().latencyUs()).isCloseTo(2 * (1 << 20) / leg / 1000, within(1e-9));
        assertThat(p.winner()).isEqualTo("bounce");
    }
}
