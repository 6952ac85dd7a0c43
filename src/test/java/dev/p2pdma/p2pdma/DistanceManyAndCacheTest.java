package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import static dev.p2pdma.testing.Topo.acs;
import static dev.p2pdma.testing.Topo.noAcs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import org.junit.jupiter.api.Test;

/** Spec 1.11 (map-type cache, pci_p2pdma_map_type) and 1.12 (distance_many). */
class DistanceManyAndCacheTest {

    /** Provider 03:00.0 (with p2pmem) and client 04:00.0 below one switch; 06:00.0 below another root port. */
    private static final PciTopology T = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
            .rootPort("0000:00:04.0", 1, acs(0x1d))
            .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
            .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, noAcs(), "0000:01:00.0")
            .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, noAcs(), "0000:01:00.0")
            .endpoint("0000:03:00.0", "0000:02:00.0", noAcs(), true)
            .endpoint("0000:04:00.0", "0000:02:01.0", noAcs())
            .rootPort("0000:00:05.0", 6, acs(0x1d))
            .endpoint("0000:06:00.0", "0000:00:05.0", noAcs())
            .build();

    private static int idx(String a) {
        return T.indexOf(PciAddress.parse(a));
    }

    @Test
    void noClientsGiveMinusOne_spec1_12() {
        assertThat(P2pDmaDecision.of(T).distanceMany(idx("0000:03:00.0"), new int[0], false, KernelLog.discard())).isEqualTo(-1);
    }

    @Test
    void theDistancesOfSupportedClientsAreSummed_spec1_12() {
        int d = P2pDmaDecision.of(T).distanceMany(idx("0000:03:00.0"), new int[] {idx("0000:04:00.0"), idx("0000:03:00.0")}, false,
                KernelLog.discard());
        assertThat(d).isEqualTo(4);
    }

    @Test
    void anyNotSupportedClientGivesMinusOneAndVerboseCallsStillReportEveryPair_spec1_12() {
        KernelLog log = KernelLog.create();
        int[] clients = {idx("0000:06:00.0"), idx("0000:04:00.0"), idx("0000:06:00.0")};
        assertThat(P2pDmaDecision.of(T).distanceMany(idx("0000:03:00.0"), clients, true, log)).isEqualTo(-1);
        assertThat(log.lines()).filteredOn(l -> l.contains("cannot be used")).hasSize(2);
        KernelLog quiet = KernelLog.create();
        assertThat(P2pDmaDecision.of(T).distanceMany(idx("0000:03:00.0"), clients, false, quiet)).isEqualTo(-1);
        assertThat(quiet.lines()).isEmpty();
    }

    @Test
    void aClientThatIsNotAPciFunctionGivesMinusOneWhateverTheOtherClients_spec1_12() {
        int[] clients = {idx("0000:04:00.0"), -1};
        assertThat(P2pDmaDecision.of(T).distanceMany(idx("0000:03:00.0"), clients, false, KernelLog.discard())).isEqualTo(-1);
        assertThat(P2pDmaDecision.of(T).distanceMany(idx("0000:03:00.0"), clients, true, KernelLog.discard())).isEqualTo(-1);
    }

    @Test
    void everyComputedPairIsToldToTheObserverAndAQuietCallStopsAtTheFirstNotSupported_spec1_11_spec1_12() {
        java.util.List<String> told = new java.util.ArrayList<>();
        int[] clients = {idx("0000:04:00.0"), idx("0000:06:00.0"), idx("0000:03:00.0")};
        P2pDmaDecision d = P2pDmaDecision.of(T);
        d.distanceMany(idx("0000:03:00.0"), clients, false, KernelLog.discard(), (p, c, type) -> told.add(T.function(c).address() + "=" + type));
        assertThat(told).containsExactly("0000:04:00.0=BUS_ADDR", "0000:06:00.0=NOT_SUPPORTED");
        told.clear();
        d.distanceMany(idx("0000:03:00.0"), clients, true, KernelLog.discard(), (p, c, type) -> told.add(T.function(c).address() + "=" + type));
        assertThat(told).containsExactly("0000:04:00.0=BUS_ADDR", "0000:06:00.0=NOT_SUPPORTED", "0000:03:00.0=BUS_ADDR");
    }

    @Test
    void aProviderWithoutARecordIsNotSupportedForEveryClient_spec1_11() {
        MapTypeCache cache = new MapTypeCache(P2pDmaDecision.of(T));
        assertThat(cache.hasRecord(idx("0000:04:00.0"))).isFalse();
        assertThat(cache.mapType(idx("0000:04:00.0"), idx("0000:03:00.0"), KernelLog.discard())).isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void theFirstLookupComputesVerboselyAndLaterOnesAreServedFromTheCache_spec1_11() {
        MapTypeCache cache = new MapTypeCache(P2pDmaDecision.of(T));
        int p = idx("0000:03:00.0");
        KernelLog log = KernelLog.create();
        assertThat(cache.mapType(p, idx("0000:06:00.0"), log)).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(log.lines()).hasSize(1);
        assertThat(cache.mapType(p, idx("0000:06:00.0"), log)).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(log.lines()).as("a cached NOT_SUPPORTED is not recomputed").hasSize(1);
        assertThat(cache.mapType(p, idx("0000:04:00.0"), log)).isEqualTo(MapType.BUS_ADDR);
        assertThat(cache.cachedPairs(p)).isEqualTo(2);
    }

    @Test
    void aRecordCreatedLaterStartsWithAnEmptyCache_spec1_2() {
        P2pDmaDecision d = P2pDmaDecision.of(T);
        MapTypeCache cache = new MapTypeCache(d);
        int p = idx("0000:04:00.0");
        cache.createRecord(p);
        assertThat(cache.cachedPairs(p)).isZero();
        assertThat(cache.mapType(p, idx("0000:03:00.0"), KernelLog.discard())).isEqualTo(MapType.BUS_ADDR);
        d.distanceMany(p, new int[] {idx("0000:06:00.0")}, false, KernelLog.discard(), cache::store);
        assertThat(cache.cachedPairs(p)).isEqualTo(2);
    }

    @Test
    void theFastCalculationAgreesWithTheVerboseWalkOnEveryPair_spec1_9() {
        P2pDmaDecision d = P2pDmaDecision.of(dev.p2pdma.sim.SyntheticHost.build());
        PciTopology t = d.topology();
        java.util.Random r = new java.util.Random(7);
        for (int k = 0; k < 5000; k++) {
            int p = r.nextInt(t.size());
            int c = r.nextInt(t.size());
            long packed = d.calc(p, c);
            P2pVerdict v = d.verdict(p, c);
            assertThat(P2pDmaDecision.mapTypeOf(packed)).as("seed 7 pair %s %s", v.provider(), v.client()).isEqualTo(v.mapType());
            assertThat(P2pDmaDecision.distanceOf(packed)).isEqualTo(v.distance());
        }
    }
}
