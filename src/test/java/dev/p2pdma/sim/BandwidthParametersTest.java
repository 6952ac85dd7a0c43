package dev.p2pdma.sim;

import static dev.p2pdma.sim.LinkTopo.link;
import static dev.p2pdma.sim.LinkTopo.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.p2pdma.pci.LinkInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bandwidth model's parameters are named and overridable (README "The bandwidth model",
 * parameters; issue 13 part 3): every name can be read and set, bad names and values are refused
 * with the name in the message, the model uses what was set, and README documents every one.
 */
class BandwidthParametersTest {

    @Test
    void everyParameterCanBeSetByNameAndOnlyThatOneChanges() {
        for (String name : BandwidthParameters.names()) {
            double v = BandwidthParameters.DEFAULTS.get(name);
            double other = name.endsWith("Fraction") ? v / 2 : v * 2;
            BandwidthParameters p = BandwidthParameters.DEFAULTS.with(name, other);
            assertThat(p.get(name)).as(name).isEqualTo(other);
            assertThat(p.overridden()).as(name).hasSize(1);
        }
        assertThat(BandwidthParameters.DEFAULTS.overridden()).isEmpty();
    }

    @Test
    void badNamesAndValuesAreRefusedNamingTheParameter() {
        assertThatThrownBy(() -> BandwidthParameters.DEFAULTS.with("linkSpeed", 3))
                .hasMessageStartingWith("unknown bandwidth parameter 'linkSpeed' (known: unknownLinkSpeedGtps, ");
        assertThatThrownBy(() -> BandwidthParameters.DEFAULTS.with("unknownLinkWidthLanes", 1.5))
                .hasMessage("bandwidth parameter unknownLinkWidthLanes needs a whole number, got 1.5");
        assertThatThrownBy(() -> BandwidthParameters.DEFAULTS.with("hostMemoryGbps", -1))
                .hasMessageStartingWith("bandwidth parameter hostMemoryGbps: ");
        assertThatThrownBy(() -> BandwidthParameters.DEFAULTS.with("dllpOverheadFraction", 1))
                .hasMessageContaining("dllpOverheadFraction must lie in [0, 1)");
    }

    @Test
    void theModelUsesTheOverriddenValues() {
        // Gen3 x8 without DLLP overhead and with an 8-byte smaller header: 8 x 128/130 x 256/272
        LinkInfo g3 = link(8, 8);
        LinkInfo g5 = link(32, 16);
        LinkTopo t = LinkTopo.amd()
                .rootPort("0000:00:01.0", 1, g3, 256, 0).endpoint("0000:01:00.0", "0000:00:01.0", g3, 256, 0)
                .rootPort("0000:00:02.0", 0x11, g5, 256, 0).endpoint("0000:11:00.0", "0000:00:02.0", g5, 256, 0);
        Map<String, Double> o = new LinkedHashMap<>();
        o.put("dllpOverheadFraction", 0.0);
        o.put("requestHeaderBytes", 8.0);
        BandwidthModel m = new BandwidthModel(t.boot(), BandwidthParameters.DEFAULTS.with(o));
        double gbps = m.predict(List.of(write("x", "0000:01:00.0", "0000:11:00.0", 1L << 30, 32, false))).get(0).p2p().gbps();
        assertThat(gbps).isCloseTo(8.0 * 128 / 130 * 256 / 272, within(1e-9));
    }

    @Test
    void readmeDocumentsEveryParameterWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (String name : BandwidthParameters.names()) {
            double v = BandwidthParameters.DEFAULTS.get(name);
            String shown = v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
            assertThat(readme).as(name).contains("| `" + name + "` | " + shown + " |");
        }
    }
}
