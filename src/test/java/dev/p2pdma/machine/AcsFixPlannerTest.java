package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.AcsFixPlanner.PairFix;
import dev.p2pdma.machine.AcsFixPlanner.Plan;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.KernelCommandLine;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The fix planner (issue 12 part 1) on hand-built trees: it clears exactly the ports the kernel's
 * hint names (spec 1.9), merges with the lists already on the command line, uses {@code config_acs}
 * where an existing entry would win over {@code disable_acs_redir} (spec 11.3), reads the security
 * cost off the IOMMU groups (spec 5.6), and refuses when ACS is unknown or the route must cross a
 * host bridge.
 */
class AcsFixPlannerTest {

    /** SV RR CR UF, as the kernel programs a QEMU port when an IOMMU asks for ACS. */
    private static final int IOMMU_ACS = 0x1d;

    /** Root port 00:01.0, switch 01:00.0 with downstream ports 02:01.0 and 02:02.0 (ACS as given), NVMe 03:00.0 and 04:00.0; IOMMU on. */
    private static PciTopology switchWithAcs(AcsState downstream, String cmdline) {
        PciTopology t = Topo.intel()
                .hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:01.0", 1, Topo.acs(IOMMU_ACS))
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, Topo.noAcs(), "0000:00:01.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 3, downstream, "0000:01:00.0")
                .bridge("0000:02:02.0", PortType.DOWNSTREAM_PORT, 4, downstream, "0000:01:00.0")
                .endpoint("0000:03:00.0", "0000:02:01.0", Topo.noAcs(), true)
                .endpoint("0000:04:00.0", "0000:02:02.0", Topo.noAcs())
                .endpoint("0000:00:02.0", "", Topo.noAcs())
                .build();
        return t.withMachine(t.machine().withCmdline(Optional.of(cmdline)).withIommu(Optional.of(true), Map.of()));
    }

    private static Function<List<String>, LoadedMachine> booter(PciTopology t) {
        return params -> LoadedMachine.boot(t, params, Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
    }

    private static Plan plan(PciTopology t, String provider, String... clients) {
        LoadedMachine now = booter(t).apply(List.of());
        int p = t.indexOf(PciAddress.parse(provider));
        List<int[]> pairs = java.util.Arrays.stream(clients).map(c -> new int[]{p, t.indexOf(PciAddress.parse(c))}).toList();
        return AcsFixPlanner.plan(now, booter(t), pairs);
    }

    @Test
    void bothRedirectingDownstreamPortsAreClearedAndThePairBecomesBusAddress_spec1_9() {
        Plan plan = plan(switchWithAcs(Topo.acs(IOMMU_ACS), "intel_iommu=on"), "0000:03:00.0", "0000:04:00.0");
        PairFix f = plan.pairs().get(0);
        assertThat(f.now().mapType()).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(f.kernelParams()).containsExactly("pci=disable_acs_redir=0000:02:01.0;0000:02:02.0");
        assertThat(f.after()).isEqualTo(MapType.BUS_ADDR);
        assertThat(f.fixable()).isTrue();
        assertThat(f.cleared()).extracting(c -> c.controlNow() + "->" + c.controlAfter()).containsOnly(IOMMU_ACS + "->0");
        assertThat(plan.kernelParams()).isEqualTo(f.kernelParams());
        assertThat(plan.afterAll()).containsExactly(MapType.BUS_ADDR);
        PciTopology t = switchWithAcs(Topo.acs(IOMMU_ACS), "intel_iommu=on");
        for (String one : List.of("0000:02:01.0", "0000:02:02.0")) {
            assertThat(booter(t).apply(List.of("pci=disable_acs_redir=" + one)).decision()
                    .verdict(PciAddress.parse("0000:03:00.0"), PciAddress.parse("0000:04:00.0")).mapType())
                    .as("clearing only %s", one).isNotEqualTo(MapType.BUS_ADDR);
        }
    }

    @Test
    void theDevicesBelowTheClearedPortsLoseIsolation_spec5_6() {
        PairFix f = plan(switchWithAcs(Topo.acs(IOMMU_ACS), "intel_iommu=on"), "0000:03:00.0", "0000:04:00.0").pairs().get(0);
        assertThat(f.groupsBefore()).isNotEqualTo(f.groupsAfter());
        assertThat(f.loseIsolation()).extracting(PciAddress::toString)
                .contains("0000:03:00.0", "0000:04:00.0").doesNotContain("0000:00:01.0", "0000:00:02.0");
        assertThat(f.why()).anySatisfy(w -> assertThat(w).contains("IOMMU isolation requires SV, RR, CR and UF"));
    }

    @Test
    void anExistingDisableListIsKeptAndExtended_spec11_3() {
        PairFix f = plan(switchWithAcs(Topo.acs(IOMMU_ACS), "intel_iommu=on pci=noats,disable_acs_redir=0000:02:01.0"), "0000:03:00.0", "0000:04:00.0")
                .pairs().get(0);
        // 02:01.0 already cleared by the booted line; only 02:02.0 still redirects
        assertThat(f.kernelParams()).containsExactly("pci=noats,disable_acs_redir=0000:02:01.0;0000:02:02.0");
        assertThat(f.after()).isEqualTo(MapType.BUS_ADDR);
    }

    @Test
    void aPortAnExistingConfigAcsEntryMatchesGetsAConfigAcsEntryPlacedFirst_spec11_3() {
        PciTopology t = switchWithAcs(Topo.acs(IOMMU_ACS), "intel_iommu=on pci=config_acs=xx111x1@0000:02:01.0");
        PairFix f = plan(t, "0000:03:00.0", "0000:04:00.0").pairs().get(0);
        assertThat(f.kernelParams()).containsExactly("pci=disable_acs_redir=0000:02:02.0,config_acs=x0100x1@0000:02:01.0;xx111x1@0000:02:01.0");
        assertThat(f.cleared()).extracting(AcsFixPlanner.ClearedPort::list).containsExactly("config_acs", "disable_acs_redir");
        assertThat(f.after()).as("disable_acs_redir alone would lose to the config_acs entry").isEqualTo(MapType.BUS_ADDR);
        KernelCommandLine withDisableOnly = KernelCommandLine.parse("pci=disable_acs_redir=0000:02:01.0;0000:02:02.0,config_acs=xx111x1@0000:02:01.0");
        assertThat(booter(t).apply(List.of(withDisableOnly.tokens().get(0))).decision()
                .verdict(PciAddress.parse("0000:03:00.0"), PciAddress.parse("0000:04:00.0")).mapType()).isNotEqualTo(MapType.BUS_ADDR);
    }

    @Test
    void clearRedirectForcesRrCrEcToZeroAndKeepsTheOtherBits() {
        assertThat(AcsFixPlanner.clearRedirect("1111111")).isEqualTo("1010011");
        assertThat(AcsFixPlanner.clearRedirect("101")).isEqualTo("x0x0001");
    }

    @Test
    void aRouteAcrossTheHostBridgeIsNotFixableAndSaysWhatWould() {
        Plan plan = plan(switchWithAcs(Topo.acs(IOMMU_ACS), "intel_iommu=on"), "0000:03:00.0", "0000:00:02.0");
        PairFix f = plan.pairs().get(0);
        assertThat(f.fixable()).isFalse();
        assertThat(f.kernelParams()).isEmpty();
        assertThat(f.why()).anySatisfy(w -> assertThat(w).startsWith("no kernel parameter can help"))
                .anySatisfy(w -> assertThat(w).contains("AMD Zen"));
        assertThat(plan.allCapable()).isFalse();
    }

    @Test
    void aPairWithoutRedirectNeedsNothing() {
        Plan plan = plan(switchWithAcs(Topo.noAcs(), "intel_iommu=on"), "0000:03:00.0", "0000:04:00.0");
        assertThat(plan.pairs().get(0).kernelParams()).isEmpty();
        assertThat(plan.pairs().get(0).after()).isEqualTo(MapType.BUS_ADDR);
        assertThat(plan.kernelParams()).isEmpty();
        assertThat(plan.allCapable()).isTrue();
    }

    @Test
    void unknownAcsCannotBeFixedByAParameter() {
        PciTopology t = switchWithAcs(new AcsState.Unknown("hwloc has no config space"), "intel_iommu=on");
        LoadedMachine now = LoadedMachine.boot(t, List.of(), Optional.empty(), UnknownAcsPolicy.REDIRECT);
        Plan plan = AcsFixPlanner.plan(now, p -> LoadedMachine.boot(t, p, Optional.empty(), UnknownAcsPolicy.REDIRECT),
                List.<int[]>of(new int[]{t.indexOf(PciAddress.parse("0000:03:00.0")), t.indexOf(PciAddress.parse("0000:04:00.0"))}));
        assertThat(plan.pairs().get(0).kernelParams()).isEmpty();
        assertThat(plan.pairs().get(0).why()).anySatisfy(w -> assertThat(w).contains("is not known from this input"));
    }

    @Test
    void isolationIsLostByFunctionsWhoseGroupGainsMembers() {
        SortedMap<Integer, List<PciAddress>> before = new TreeMap<>(Map.of(
                0, List.of(PciAddress.parse("0000:00:01.0")), 1, List.of(PciAddress.parse("0000:01:00.0"), PciAddress.parse("0000:01:00.1")),
                2, List.of(PciAddress.parse("0000:02:00.0"))));
        SortedMap<Integer, List<PciAddress>> after = new TreeMap<>(Map.of(
                0, List.of(PciAddress.parse("0000:00:01.0")), 1, List.of(PciAddress.parse("0000:01:00.0")),
                2, List.of(PciAddress.parse("0000:01:00.1"), PciAddress.parse("0000:02:00.0"))));
        assertThat(AcsFixPlanner.loseIsolation(before, after)).extracting(PciAddress::toString).containsExactly("0000:01:00.1", "0000:02:00.0");
    }
}
