package dev.p2pdma.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.AcsBootSetup;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The model against real Linux 6.12 (../shared/conformance): every case, picked up from the
 * directory with no code change. Spec section 1 (as corrected by section 11) must reproduce the
 * kernel's map type and distance for every calc pair, its warning lines, and the O_DIRECT outcome.
 * Map type and distance are checked on both of the model's paths: the narrated
 * {@link P2pDmaDecision#verdict} (explain, JSON, report) and the fast packed
 * {@link P2pDmaDecision#calc} that {@code p2pdma matrix} prints through {@link P2pMatrix#row}.
 */
class KernelConformanceTest {

    /** The dmesg lines calc_map_type_and_dist() and the whitelist print. */
    private static final Pattern DECISION_LINE = Pattern.compile(
            ".*(cannot be used for peer-to-peer DMA|ACS redirect is set between|to disable ACS redirect for this path|Host bridge not in P2PDMA whitelist).*");

    @TestFactory
    List<DynamicTest> everyCalcPairHasTheKernelsMapTypeAndDistanceOnBothPaths_spec1_9() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                P2pDmaDecision d = P2pDmaDecision.of(c.topology());
                assertSameCalc(c.name(), d, c.calc());
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> theMatrixCoversExactlyTheCalcPairsOnItsFastRowsAndItsVerdicts_spec1_9() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                P2pMatrix m = P2pMatrix.compute(P2pDmaDecision.of(c.topology()));
                List<String> rows = new ArrayList<>();
                List<String> verdicts = new ArrayList<>();
                long[] row = new long[m.columns()];
                for (int i = 0; i < m.rows(); i++) {
                    m.row(i, row);
                    for (int j = 0; j < m.columns(); j++) {
                        P2pVerdict v = m.verdict(i, j);
                        rows.add(v.provider() + " " + v.client() + " " + P2pDmaDecision.mapTypeOf(row[j]) + " " + P2pDmaDecision.distanceOf(row[j]));
                        verdicts.add(v.provider() + " " + v.client() + " " + v.mapType() + " " + v.distance());
                    }
                }
                List<String> kernel = c.calc().stream().map(x -> x.provider() + " " + x.client() + " " + x.mapType() + " " + x.distance()).toList();
                assertThat(rows).as(c.name() + ": P2pMatrix.row (p2pdma matrix)").containsExactlyElementsOf(kernel);
                assertThat(verdicts).as(c.name() + ": P2pMatrix.verdict (JSON)").containsExactlyElementsOf(kernel);
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> theKernelsWarningLinesAreExactlyTheOnesTheModelPrints() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                P2pDmaDecision d = P2pDmaDecision.of(c.topology());
                Set<String> ours = new LinkedHashSet<>();
                for (ConformanceCase.Calc x : c.calc()) {
                    ours.addAll(d.verdict(PciAddress.parse(x.provider()), PciAddress.parse(x.client())).kernelLog());
                }
                Set<String> kernels = new LinkedHashSet<>();
                c.dmesg().stream().filter(l -> DECISION_LINE.matcher(l).matches()).forEach(kernels::add);
                assertThat(ours).as(c.name()).containsExactlyInAnyOrderElementsOf(kernels);
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> oDirectIsRefusedWithEremoteioExactlyWhenThePairIsNotSupported() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                P2pDmaDecision d = P2pDmaDecision.of(c.topology());
                c.expected().get("o_direct").forEach(o -> {
                    MapType t = d.verdict(PciAddress.parse(o.get("provider").asString()), PciAddress.parse(o.get("client").asString())).mapType();
                    boolean refused = t == MapType.NOT_SUPPORTED;
                    assertThat(o.get("read").asString()).isEqualTo(refused ? "EREMOTEIO" : "ok");
                    assertThat(o.get("write").asString()).isEqualTo(refused ? "EREMOTEIO" : "ok");
                });
            }));
        }
        return tests;
    }

    /**
     * For every {@code <base>-acsredir_*} case: the base capture booted again (in the model) with
     * the variant's {@code pci=} parameter gives the variant's verdicts and its "Configured ACS"
     * log lines; and the variant's capture without it gives the base's verdicts (spec 11.3).
     */
    @TestFactory
    List<DynamicTest> kernelParamWhatIfReproducesTheCaseBootedWithThatParameter() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase.AcsRedirPair pair : ConformanceCase.acsRedirPairs()) {
            ConformanceCase base = pair.base();
            ConformanceCase variant = pair.variant();
            String param = pair.pciParam();
            tests.add(DynamicTest.dynamicTest(base.name() + " + pci=" + param + " == " + variant.name(), () -> {
                AcsBootSetup.Result r = whatIf(base.topology(), "pci=" + param);
                assertSameCalc(variant.name(), P2pDmaDecision.of(r.topology()), variant.calc());
                List<String> configured = variant.dmesg().stream().filter(l -> l.contains("Configured ACS")).toList();
                assertThat(r.kernelLog()).containsExactlyInAnyOrderElementsOf(configured);
            }));
            tests.add(DynamicTest.dynamicTest(variant.name() + " without pci= == " + base.name(), () -> {
                AcsBootSetup.Result r = whatIf(variant.topology(), "pci=");
                assertSameCalc(base.name(), P2pDmaDecision.of(r.topology()), base.calc());
            }));
        }
        assertThat(tests).as("acsredir variants with a base case").isNotEmpty();
        return tests;
    }

    private static AcsBootSetup.Result whatIf(PciTopology t, String override) {
        KernelCommandLine booted = KernelCommandLine.parse(t.machine().cmdline().orElseThrow());
        boolean iommu = t.machine().iommuActive().orElseThrow();
        KernelCommandLine wanted = booted.withOverride(override);
        return AcsBootSetup.whatIf(t, booted, iommu, wanted, AcsBootSetup.iommuWanted(wanted, iommu));
    }

    /** Both paths give the kernel's map type and distance for every calc pair (spec 1.9). */
    private static void assertSameCalc(String name, P2pDmaDecision d, List<ConformanceCase.Calc> calc) {
        assertThat(calc).as(name + " has calc pairs").isNotEmpty();
        List<String> wrong = new ArrayList<>();
        for (ConformanceCase.Calc x : calc) {
            PciAddress p = PciAddress.parse(x.provider());
            PciAddress c = PciAddress.parse(x.client());
            P2pVerdict v = d.verdict(p, c);
            if (!v.mapType().name().equals(x.mapType()) || v.distance() != x.distance()) {
                wrong.add(x.provider() + " -> " + x.client() + ": kernel " + x.mapType() + "/" + x.distance() + ", verdict " + v.mapType() + "/" + v.distance());
            }
            long packed = d.calc(d.topology().indexOf(p), d.topology().indexOf(c));
            MapType fastType = P2pDmaDecision.mapTypeOf(packed);
            int fastDistance = P2pDmaDecision.distanceOf(packed);
            if (!fastType.name().equals(x.mapType()) || fastDistance != x.distance()) {
                wrong.add(x.provider() + " -> " + x.client() + ": kernel " + x.mapType() + "/" + x.distance() + ", calc " + fastType + "/" + fastDistance);
            }
        }
        assertThat(wrong).as(name).isEmpty();
    }
}
