package dev.p2pdma.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.AcsFixPlanner;
import dev.p2pdma.machine.AcsFixPlanner.PairFix;
import dev.p2pdma.machine.AcsFixPlanner.Plan;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.IommuGroups;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.ImportException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code p2pdma fix} against real Linux 6.12 (issue 12 part 1; spec 1.9, 1.16/11.3, 5.6): on every
 * conformance case, for every ordered pair, each proposal booted again as {@code --kernel-param}
 * boots it gives the promised map type and groups; the {@code acsredir} variants' real verdicts
 * and groups agree where a proposal equals their parameter; the kernel with ACS redirect disabled
 * everywhere finds a pair BUS_ADDR exactly when the plan makes it BUS_ADDR; and no cleared port
 * can be left out.
 */
class FixConformanceTest {

    /** Boots a capture with what-if parameters, as {@code --kernel-param} does, remembering each boot. */
    private static Function<List<String>, LoadedMachine> booter(ConformanceCase c, Map<List<String>, LoadedMachine> cache) {
        return params -> cache.computeIfAbsent(List.copyOf(params), p -> {
            try {
                return LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, c.capture(), p, Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
            } catch (ImportException e) {
                throw new UncheckedIOException(new java.io.IOException(e));
            }
        });
    }

    /** Every ordered pair of non-bridge functions, as expected.json's calc lists them. */
    private static List<int[]> pairs(PciTopology t) {
        List<int[]> out = new ArrayList<>();
        for (int p : t.matrixEndpoints()) {
            for (int c : t.matrixEndpoints()) {
                out.add(new int[]{p, c});
            }
        }
        return out;
    }

    private static SortedMap<Integer, List<PciAddress>> groups(LoadedMachine m) {
        return m.iommuGroups().map(IommuGroups::groups).orElseGet(TreeMap::new);
    }

    @TestFactory
    List<DynamicTest> everyProposalBootedAsAKernelParamGivesThePromisedMapTypeAndGroups_spec11_3() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                Map<List<String>, LoadedMachine> cache = new HashMap<>();
                Function<List<String>, LoadedMachine> boot = booter(c, cache);
                LoadedMachine now = boot.apply(List.of());
                Plan plan = AcsFixPlanner.plan(now, boot, pairs(now.topology()));
                for (PairFix f : plan.pairs()) {
                    String pair = f.now().provider() + " -> " + f.now().client();
                    if (f.kernelParams().isEmpty()) {
                        assertThat(f.after()).as(pair).isEqualTo(f.now().mapType());
                        assertThat(f.fixable()).as(pair).isEqualTo(f.now().mapType() != MapType.NOT_SUPPORTED);
                        continue;
                    }
                    assertThat(f.now().mapType()).as(pair + ": only a redirected pair gets a proposal").isNotEqualTo(MapType.BUS_ADDR);
                    assertThat(f.kernelParams()).as(pair).singleElement().asString().startsWith("pci=");
                    // booted independently of the plan's cache
                    LoadedMachine after = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, c.capture(), f.kernelParams(), Optional.empty(),
                            UnknownAcsPolicy.NO_REDIRECT);
                    assertThat(after.decision().verdict(f.now().provider(), f.now().client()).mapType()).as(pair).isEqualTo(f.after());
                    assertThat(groups(after)).as(pair).isEqualTo(f.groupsAfter());
                    assertThat(f.after()).as(pair + ": on a 6.12 tree clearing the redirect on the path leaves bus address").isEqualTo(MapType.BUS_ADDR);
                    assertThat(f.fixable()).isTrue();
                }
                assertThat(plan.allCapable()).isEqualTo(plan.afterAll().stream().noneMatch(t -> t == MapType.NOT_SUPPORTED));
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> theAcsRedirVariantsRealVerdictsAgreeWithThePlan_spec11_3() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        int[] sameParam = {0};
        for (ConformanceCase.AcsRedirPair v : ConformanceCase.acsRedirPairs()) {
            tests.add(DynamicTest.dynamicTest(v.variant().name(), () -> {
                Function<List<String>, LoadedMachine> boot = booter(v.base(), new HashMap<>());
                LoadedMachine now = boot.apply(List.of());
                Plan plan = AcsFixPlanner.plan(now, boot, pairs(now.topology()));
                Map<String, String> real = new HashMap<>();
                v.variant().calc().forEach(k -> real.put(k.provider() + " " + k.client(), k.mapType()));
                boolean everyDevice = v.pciParam().equals("disable_acs_redir=pci:0:0");
                for (PairFix f : plan.pairs()) {
                    String key = f.now().provider() + " " + f.now().client();
                    String kernel = real.get(key);
                    assertThat(kernel).as(key).isNotNull();
                    if (f.kernelParams().equals(List.of("pci=" + v.pciParam()))) {
                        sameParam[0]++;
                        assertThat(f.after().name()).as("%s: the variant booted with the proposal itself", key).isEqualTo(kernel);
                        SortedMap<Integer, List<PciAddress>> want = new TreeMap<>();
                        v.variant().iommuGroups().forEach((g, m) -> want.put(g, m.stream().map(PciAddress::parse).toList()));
                        assertThat(f.groupsAfter()).as(key).isEqualTo(want);
                    }
                    if (everyDevice) {
                        assertThat(kernel.equals("BUS_ADDR")).as("%s: redirect off everywhere is BUS_ADDR exactly when the plan reaches BUS_ADDR", key)
                                .isEqualTo(f.after() == MapType.BUS_ADDR);
                    }
                }
            }));
        }
        tests.add(DynamicTest.dynamicTest("some proposal equals a variant's parameter", () ->
                assertThat(sameParam[0]).as("pairs whose proposal is exactly an acsredir_bdf parameter").isPositive()));
        return tests;
    }

    @TestFactory
    List<DynamicTest> noPortAProposalClearsCanBeLeftOut_spec1_9() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.all()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                Function<List<String>, LoadedMachine> boot = booter(c, new HashMap<>());
                LoadedMachine now = boot.apply(List.of());
                for (PairFix f : AcsFixPlanner.plan(now, boot, pairs(now.topology())).pairs()) {
                    if (f.cleared().size() < 2) {
                        continue;
                    }
                    for (AcsFixPlanner.ClearedPort left : f.cleared()) {
                        List<String> others = f.cleared().stream().filter(p -> p != left).map(p -> p.address().toString()).toList();
                        LoadedMachine m = boot.apply(List.of("pci=disable_acs_redir=" + String.join(";", others)));
                        assertThat(m.decision().verdict(f.now().provider(), f.now().client()).mapType())
                                .as("%s without %s", f.now().provider() + " -> " + f.now().client(), left.address()).isNotEqualTo(MapType.BUS_ADDR);
                    }
                }
            }));
        }
        return tests;
    }
}
