package dev.p2pdma.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.machine.LoadedMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * IOMMU groups against real Linux 6.12 (../shared/conformance): for every case whose kernel made
 * groups, the model's groups equal the captured {@code iommu_group} links exactly, numbers
 * included (spec 5.6, 11.2: numbered in creation order, functions added in scan order); and each
 * {@code acsredir} variant's groups follow from its base capture booted again with the variant's
 * {@code pci=} parameter (spec 11.3).
 */
class IommuGroupsConformanceTest {

    private static SortedMap<Integer, List<PciAddress>> expectedGroups(ConformanceCase c) {
        SortedMap<Integer, List<PciAddress>> out = new TreeMap<>();
        c.iommuGroups().forEach((g, m) -> out.put(g, m.stream().map(PciAddress::parse).toList()));
        return out;
    }

    @TestFactory
    List<DynamicTest> everyCaseWithAnIommuHasTheKernelsGroupsAndNumbers_spec5_6_11_2() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            if (c.iommuGroups().isEmpty()) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                IommuGroups g = IommuGroups.compute(c.topology());
                assertThat(g.groups()).as(c.name()).isEqualTo(expectedGroups(c));
            }));
        }
        assertThat(tests).as("conformance cases with IOMMU groups").hasSizeGreaterThanOrEqualTo(29);
        return tests;
    }

    @TestFactory
    List<DynamicTest> casesWithoutAnIommuHaveNoCapturedGroupsAndTheCaptureSaysIommuOff() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            if (!c.expected().get("iommu").asString().equals("off")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                PciTopology t = c.topology();
                assertThat(c.iommuGroups()).isEmpty();
                assertThat(t.machine().iommuActive()).contains(false);
            }));
        }
        assertThat(tests).isNotEmpty();
        return tests;
    }

    @TestFactory
    List<DynamicTest> acsredirVariantsFollowFromTheirBaseCaptureBootedWithTheParameter_spec11_3() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase.AcsRedirPair pair : ConformanceCase.acsRedirPairs()) {
            ConformanceCase base = pair.base();
            ConformanceCase variant = pair.variant();
            String param = "pci=" + pair.pciParam();
            tests.add(DynamicTest.dynamicTest(base.name() + " + " + param + " == " + variant.name(), () -> {
                LoadedMachine m = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, base.capture(), List.of(param), Optional.empty(),
                        UnknownAcsPolicy.NO_REDIRECT);
                assertThat(IommuGroups.compute(m.topology()).groups()).isEqualTo(expectedGroups(variant));
            }));
            tests.add(DynamicTest.dynamicTest(variant.name() + " without pci= == " + base.name(), () -> {
                LoadedMachine m = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, variant.capture(), List.of("pci="), Optional.empty(),
                        UnknownAcsPolicy.NO_REDIRECT);
                assertThat(IommuGroups.compute(m.topology()).groups()).isEqualTo(expectedGroups(base));
            }));
        }
        assertThat(tests).as("acsredir variants with a base case").hasSizeGreaterThanOrEqualTo(2 * 13);
        return tests;
    }

    @TestFactory
    List<DynamicTest> anIommuOffCaptureBootedWithIntelIommuOnGivesTheIommuOnCasesGroups_spec11_3() throws Exception {
        Map<String, ConformanceCase> byName = ConformanceCase.byName();
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase off : byName.values()) {
            ConformanceCase on = byName.get(off.name().replace("-iommu_off-", "-iommu_on-"));
            if (!off.name().contains("-iommu_off-") || on == null) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(off.name() + " + intel_iommu=on == " + on.name(), () -> {
                LoadedMachine m = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, off.capture(), List.of("intel_iommu=on"),
                        Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
                assertThat(IommuGroups.compute(m.topology()).groups()).isEqualTo(expectedGroups(on));
            }));
        }
        assertThat(tests).as("iommu_off cases with an iommu_on twin").hasSizeGreaterThanOrEqualTo(16);
        return tests;
    }
}
