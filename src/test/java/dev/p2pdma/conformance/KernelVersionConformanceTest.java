package dev.p2pdma.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.KernelVersion;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Spec 12: every conformance case is a 6.12 capture, so loading it without {@code --kernel-version}
 * decides with 6.12's rules, its verdicts are the kernel's, and the warnings a quiet
 * pci_p2pdma_distance_many() prints there (before the M13 gating) are lines the kernel printed.
 */
class KernelVersionConformanceTest {

    @TestFactory
    List<DynamicTest> eachCaseIsDecidedAtItsOwnRelease6_12WithTheKernelsVerdicts_spec12() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                LoadedMachine m = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, c.dir().resolve("capture.tar.gz"), List.of(),
                        Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
                assertThat(m.topology().machine().kernelRelease()).hasValueSatisfying(r -> assertThat(r).startsWith("6.12."));
                assertThat(m.decision().options().kernel()).isEqualTo(KernelVersion.V6_12);
                P2pDmaDecision d = m.decision();
                KernelLog quiet = KernelLog.create();
                List<String> wrong = new ArrayList<>();
                for (ConformanceCase.Calc x : c.calc()) {
                    int p = d.topology().indexOf(PciAddress.parse(x.provider()));
                    int cl = d.topology().indexOf(PciAddress.parse(x.client()));
                    var v = d.verdict(p, cl);
                    if (!v.mapType().name().equals(x.mapType()) || v.distance() != x.distance()) {
                        wrong.add(x + " -> " + v.mapType() + "/" + v.distance());
                    }
                    d.distanceMany(p, new int[] {cl}, false, quiet);
                }
                assertThat(wrong).as(c.name()).isEmpty();
                assertThat(c.dmesg()).as(c.name()).containsAll(quiet.lines().stream().distinct().toList());
                if (c.dmesg().stream().anyMatch(l -> l.contains("Host bridge not in P2PDMA whitelist"))) {
                    assertThat(quiet.lines()).as(c.name() + ": the quiet call prints the kernel's warning").isNotEmpty();
                }
            }));
        }
        return tests;
    }
}
