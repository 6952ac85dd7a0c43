package dev.p2pdma.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sim.SyntheticHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The fast paths give what the plain rule gives: {@link PcieRoutes#code} equals the nearest common
 * device found by the kernel-style nested walk with switches counted in sets, and the decision cache
 * and the row reuse of {@link RuntimeVerdicts#decide(long, int, int, MapType)} agree with fresh decisions, for every ordered pair of functions
 * (bridges and a function with itself included) of the DGX-2, one root port of the synthetic host
 * and every conformance capture.
 */
class RuntimeVerdictsCacheTest {

    /** The route by the plain rule: the first device of a's chain found on b's, switches counted in sets. */
    private static PairRoute reference(PcieRoutes r, int a, int b) {
        PciTopology t = r.topology();
        java.util.OptionalInt na = r.numaNode(a);
        java.util.OptionalInt nb = r.numaNode(b);
        if (a == b) {
            return new PairRoute(PcieClass.X, 0, 0, na, nb, false);
        }
        int[] ca = t.chain(a);
        int[] cb = t.chain(b);
        for (int i = 0; i < ca.length; i++) {
            for (int j = 0; j < cb.length; j++) {
                if (ca[i] == cb[j]) {
                    if (r.switchIndexOf(ca[i]) < 0) {
                        return new PairRoute(PcieClass.PHB, 0, 0, na, nb, false);
                    }
                    java.util.Set<Integer> sw = new java.util.HashSet<>();
                    java.util.Set<Integer> nccl = new java.util.HashSet<>();
                    java.util.List<Integer> on = new java.util.ArrayList<>();
                    for (int k = 1; k <= i; k++) {
                        on.add(ca[k]);
                    }
                    for (int k = 1; k <= j; k++) {
                        on.add(cb[k]);
                    }
                    if (i == 0 || j == 0) {
                        on.add(ca[i]);
                    }
                    for (int f : on) {
                        if (r.switchIndexOf(f) >= 0) {
                            sw.add(r.switchIndexOf(f));
                            nccl.add(r.ncclSwitchIndexOf(f));
                        }
                    }
                    int n = Math.max(1, sw.size());
                    return new PairRoute(n == 1 ? PcieClass.PIX : PcieClass.PXB, n, Math.max(1, nccl.size()), na, nb, false);
                }
            }
        }
        if (t.hostBridgeIndexOf(a) == t.hostBridgeIndexOf(b)) {
            return new PairRoute(PcieClass.PHB, 0, 0, na, nb, false);
        }
        if (na.isPresent() && nb.isPresent()) {
            return new PairRoute(na.getAsInt() == nb.getAsInt() ? PcieClass.NODE : PcieClass.SYS, 0, 0, na, nb, false);
        }
        return new PairRoute(PcieClass.NODE, 0, 0, na, nb, true);
    }

    private static int everyPairAgrees(LoadedMachine m) {
        RuntimeVerdicts v = RuntimeVerdicts.of(m, RuntimeOptions.defaults());
        PciTopology t = m.topology();
        int checked = 0;
        for (int p = 0; p < t.size(); p++) {
            for (int c = 0; c < t.size(); c++) {
                assertThat(v.routes().route(p, c)).as("route %s -> %s", t.function(p).address(), t.function(c).address())
                        .isEqualTo(reference(v.routes(), p, c));
                if (c > 0 && v.routes().code(p, c) == v.routes().code(p, c - 1) && v.factsId(c) == v.factsId(c - 1)) {
                    for (MapType type : MapType.values()) {
                        assertThat(v.decideUncached(p, c, type)).as("row reuse at %s -> %s", t.function(p).address(), t.function(c).address())
                                .isEqualTo(v.decideUncached(p, c - 1, type));
                    }
                }
                MapType kernel = P2pDmaDecision.mapTypeOf(m.decision().calc(p, c));
                for (MapType type : List.of(kernel, MapType.NOT_SUPPORTED, MapType.THRU_HOST_BRIDGE)) {
                    assertThat(v.decide(p, c, type)).as("%s -> %s, %s", t.function(p).address(), t.function(c).address(), type)
                            .isEqualTo(v.decideUncached(p, c, type));
                    checked++;
                }
            }
        }
        return checked;
    }

    @Test
    void theDgx2sCachedDecisionsEqualFreshOnes() throws Exception {
        Path xml = Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("real-machines/hwloc/nvidiaDGX2.xml");
        assertThat(everyPairAgrees(LoadedMachine.load(LoadedMachine.SourceKind.HWLOC, xml, List.of(), Optional.empty(),
                UnknownAcsPolicy.NO_REDIRECT))).isGreaterThan(1000);
    }

    @Test
    void everyConformanceCapturesCachedDecisionsEqualFreshOnes() throws Exception {
        try (java.util.stream.Stream<Path> cases = java.nio.file.Files.list(Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("conformance"))) {
            int checked = 0;
            for (Path c : cases.filter(d -> java.nio.file.Files.exists(d.resolve("capture.tar.gz"))).toList()) {
                checked += everyPairAgrees(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, c.resolve("capture.tar.gz"), List.of(), Optional.empty(),
                        UnknownAcsPolicy.NO_REDIRECT));
            }
            assertThat(checked).isGreaterThan(5_000);
        }
    }

    @Test
    void theSyntheticHostsCachedDecisionsEqualFreshOnes() {
        assertThat(everyPairAgrees(LoadedMachine.boot(SyntheticHost.build(1), List.of(), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT)))
                .isGreaterThan(1000);
    }
}
