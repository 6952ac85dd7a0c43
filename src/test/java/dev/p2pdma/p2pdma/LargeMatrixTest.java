package dev.p2pdma.p2pdma;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.testing.WideHost;
import org.junit.jupiter.api.Test;

/** Matrices of tens of thousands of endpoints: memory linear in the endpoints, never in the pairs. */
class LargeMatrixTest {

    @Test
    void aFiftyThousandEndpointMatrixIsBuiltWithoutAllocatingEveryPair() {
        PciTopology t = WideHost.build(50_000);
        P2pMatrix m = P2pMatrix.compute(P2pDmaDecision.of(t));
        assertThat(m.size()).isEqualTo(50_000);
        assertThat(m.mapType(0, 0)).isEqualTo(MapType.BUS_ADDR);
        assertThat(m.mapType(0, 49_999)).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(m.mapType(49_999, 12_345)).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(m.verdict(49_999, 49_999).mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(m.verdict(1, 2).client()).isEqualTo(t.function(m.endpoint(2)).address());
    }
}
