package dev.p2pdma.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.p2pdma.DecisionOptions;
import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.testing.RealMachines;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The two ways the model answers calc_map_type_and_dist() (spec 1.9) agree on real machines: the
 * fast packed {@link P2pDmaDecision#calc} that {@code p2pdma matrix} prints (through
 * {@link P2pMatrix#row}) and the narrated {@link P2pDmaDecision#verdict} that {@code explain},
 * JSON and the report use. Every ordered pair of functions (bridges included) of every input under
 * ../shared/real-machines, with the default options, with unknown ACS assumed to redirect, and
 * with an AMD Zen CPU (spec 1.10's CPU rule), and under {@link Era#NEXT}'s directional ACS rule. The conformance cases, where the kernel's answer is
 * known, are checked on both paths in {@link KernelConformanceTest}.
 */
class FastPathAgreementTest {

    /** The option sets each machine is decided under, by name. */
    private static final Map<String, DecisionOptions> OPTIONS = Map.of(
            "defaults", DecisionOptions.defaults(),
            "--assume-acs redirect", DecisionOptions.defaults().withUnknownAcs(UnknownAcsPolicy.REDIRECT),
            "--cpu amd:0x17", DecisionOptions.defaults().withCpu(new CpuInfo(CpuInfo.AMD, 0x17, "")),
            "era next (directional ACS rule, spec 12.2 R1)", DecisionOptions.defaults().withEra(Era.NEXT),
            "era next with --assume-acs redirect", DecisionOptions.defaults().withEra(Era.NEXT).withUnknownAcs(UnknownAcsPolicy.REDIRECT));

    @TestFactory
    List<DynamicTest> theMatrixsFastPathAndTheNarratedVerdictAgreeOnEveryPairOfEveryRealMachine_spec1_9() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (RealMachines.Input in : RealMachines.all()) {
            tests.add(DynamicTest.dynamicTest(in.name(), () -> {
                PciTopology t = in.load();
                assertThat(t.size()).as(in.name() + " has functions").isPositive();
                for (Map.Entry<String, DecisionOptions> o : OPTIONS.entrySet()) {
                    P2pDmaDecision d = P2pDmaDecision.of(t, o.getValue());
                    List<String> wrong = new ArrayList<>();
                    for (int p = 0; p < t.size(); p++) {
                        for (int c = 0; c < t.size(); c++) {
                            long packed = d.calc(p, c);
                            P2pVerdict v = d.verdict(p, c);
                            if (P2pDmaDecision.mapTypeOf(packed) != v.mapType() || P2pDmaDecision.distanceOf(packed) != v.distance()) {
                                wrong.add(v.provider() + " -> " + v.client() + ": calc " + P2pDmaDecision.mapTypeOf(packed) + "/"
                                        + P2pDmaDecision.distanceOf(packed) + ", verdict " + v.mapType() + "/" + v.distance());
                            }
                        }
                    }
                    P2pMatrix m = P2pMatrix.compute(d);
                    long[] row = new long[m.columns()];
                    for (int i = 0; i < m.rows(); i++) {
                        m.row(i, row);
                        for (int j = 0; j < m.columns(); j++) {
                            P2pVerdict v = m.verdict(i, j);
                            if (P2pDmaDecision.mapTypeOf(row[j]) != v.mapType() || P2pDmaDecision.distanceOf(row[j]) != v.distance()) {
                                wrong.add("matrix row " + v.provider() + " column " + v.client() + ": row " + P2pDmaDecision.mapTypeOf(row[j])
                                        + "/" + P2pDmaDecision.distanceOf(row[j]) + ", verdict " + v.mapType() + "/" + v.distance());
                            }
                        }
                    }
                    assertThat(wrong).as(in.name() + " with " + o.getKey()).isEmpty();
                }
            }));
        }
        // README lists 11 real-machine inputs (hwloc and lspci); more may come, none may go
        assertThat(tests).hasSizeGreaterThanOrEqualTo(11);
        return tests;
    }
}
