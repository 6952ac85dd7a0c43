package dev.p2pdma.pci;

import static dev.p2pdma.testing.Topo.acs;
import static dev.p2pdma.testing.Topo.noAcs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.testing.Topo;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The rules of pci_device_group() on small hand-built topologies (spec 5.6 with 11.1, 11.2, 11.4, 11.5, 11.8). */
class IommuGroupsTest {

    /** The IOMMU's default ACS programming on a QEMU root port: SV RR CR UF. */
    private static final int IOMMU_CTRL = 0x001d;

    private static PciAddress a(String s) {
        return PciAddress.parse(s);
    }

    /** A function of a multifunction device (header bit 7 set) with these ids and type. */
    private static PciFunction mf(String addr, int vendor, int device, PortType type, AcsState acs) {
        return PciFunction.builder(a(addr)).ids(vendor, device).classCode(0x020000).headerType(0x80).portType(type).acs(acs).build();
    }

    private static Parent under(String bridge) {
        return new Parent.Bridge(a(bridge));
    }

    private static Parent rootBus() {
        return new Parent.RootBus(new HostBridge(0, 0));
    }

    private static Map<Integer, List<PciAddress>> groups(PciTopology t) {
        return new TreeMap<>(IommuGroups.compute(t).groups());
    }

    private static List<PciAddress> list(String... addrs) {
        return java.util.Arrays.stream(addrs).map(PciAddress::parse).toList();
    }

    @Test
    void rootPortsWithTheIommusAcsIsolateTheDevicesBelowThem_spec5_6() {
        PciTopology t = Topo.intel().hostBridgeDevice("00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("00:04.0", 1, acs(IOMMU_CTRL)).endpoint("01:00.0", "00:04.0", noAcs())
                .rootPort("00:05.0", 2, acs(IOMMU_CTRL)).endpoint("02:00.0", "00:05.0", noAcs()).build();
        assertThat(groups(t)).isEqualTo(Map.of(0, list("00:00.0"), 1, list("00:04.0"), 2, list("00:05.0"),
                3, list("01:00.0"), 4, list("02:00.0")));
        assertThat(IommuGroups.compute(t).reasons(3)).isEmpty();
    }

    @Test
    void anUnreadableAcsControlReadsAsAllOnesIn612SoTheRootPortStillIsolates_spec5_6() {
        // pci_acs_flags_enabled() ignores the failed config read: PCI_SET_ERROR_RESPONSE leaves 0xffff
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, new AcsState.Unreadable(Topo.QEMU_ACS_CAP, "device gone"))
                .endpoint("01:00.0", "00:04.0", noAcs()).build();
        assertThat(groups(t)).isEqualTo(Map.of(0, list("00:04.0"), 1, list("01:00.0")));
        assertThat(AcsIsolation.of(t).flagsEnabled(0, Acs.IOMMU_DEFAULT_BITS).detail()).contains("ACS ctrl unreadable (device gone)");
    }

    @Test
    void aRootPortMissingOneRequiredBitJoinsItsDevicesAndTheReasonNamesTheBit_spec5_6() {
        int ctrlWithoutUf = Acs.SV | Acs.RR | Acs.CR;
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(ctrlWithoutUf)).endpoint("01:00.0", "00:04.0", noAcs()).build();
        IommuGroups g = IommuGroups.compute(t);
        assertThat(g.groups()).isEqualTo(Map.of(0, list("00:04.0", "01:00.0")));
        IommuGroupReason r = g.reasons(0).get(0);
        assertThat(r).isInstanceOf(IommuGroupReason.UpstreamNotIsolated.class);
        AcsIsolation.Verdict failing = ((IommuGroupReason.UpstreamNotIsolated) r).failing();
        assertThat(failing.device()).isEqualTo(a("00:04.0"));
        assertThat(failing.basis()).isEqualTo(AcsIsolation.Basis.FLAGS_MISSING);
        assertThat(failing.missingFlags()).isEqualTo(Acs.UF);
        assertThat(r.describe()).contains("lacks UF").contains("01:00.0 joins 0000:00:04.0");
    }

    @Test
    void requiredFlagsTheCapabilityDoesNotListCountAsHardWiredOn_spec5_6() {
        // capability lists SV RR CR only: UF is not implemented, so not required
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, new AcsState.Present(Acs.SV | Acs.RR | Acs.CR, Acs.SV | Acs.RR | Acs.CR))
                .endpoint("01:00.0", "00:04.0", noAcs()).build();
        assertThat(groups(t)).hasSize(2);
    }

    @Test
    void egressControlIsRequiredWhenAskedForEvenIfTheCapabilityLacksIt_spec5_6() {
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, new AcsState.Present(0x001d, 0x001d)).build();
        AcsIsolation acs = AcsIsolation.of(t);
        assertThat(acs.acsEnabled(0, AcsIsolation.REQ_ACS_FLAGS).enabled()).isTrue();
        assertThat(acs.acsEnabled(0, AcsIsolation.REQ_ACS_FLAGS | Acs.EC).enabled()).isFalse();
        assertThat(acs.acsEnabled(0, AcsIsolation.REQ_ACS_FLAGS | Acs.EC).missingFlags()).isEqualTo(Acs.EC);
    }

    @Test
    void aRootPortWithoutAnAcsCapabilityIsNotIsolated_spec5_6() {
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, noAcs()).endpoint("01:00.0", "00:04.0", noAcs()).build();
        IommuGroups g = IommuGroups.compute(t);
        assertThat(g.groups()).isEqualTo(Map.of(0, list("00:04.0", "01:00.0")));
        assertThat(g.reasons(0).get(0).describe()).contains("root port: no ACS capability");
    }

    @Test
    void switchDownstreamPortsWithoutAcsEachGroupWithTheirDevicesAndTheUpstreamPortStandsAlone_spec11_4() {
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .bridge("01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "00:04.0")
                .bridge("02:00.0", PortType.DOWNSTREAM_PORT, 3, noAcs(), "01:00.0")
                .bridge("02:01.0", PortType.DOWNSTREAM_PORT, 4, noAcs(), "01:00.0")
                .endpoint("03:00.0", "02:00.0", noAcs()).endpoint("04:00.0", "02:01.0", noAcs()).build();
        assertThat(groups(t)).isEqualTo(Map.of(0, list("00:04.0"), 1, list("01:00.0"), 2, list("02:00.0", "03:00.0"),
                3, list("02:01.0", "04:00.0")));
    }

    @Test
    void switchDownstreamPortsWithTheIommusAcsIsolateTheirDevices_spec11_4() {
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .bridge("01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "00:04.0")
                .bridge("02:00.0", PortType.DOWNSTREAM_PORT, 3, acs(IOMMU_CTRL), "01:00.0")
                .endpoint("03:00.0", "02:00.0", noAcs()).build();
        assertThat(groups(t)).hasSize(4);
    }

    @Test
    void aBridgeAboveWithoutIsolationPullsEverythingBelowIntoItsGroup_spec5_6_step2() {
        // root port without ACS: the whole switch below it shares the root port's group
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(0))
                .bridge("01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "00:04.0")
                .bridge("02:00.0", PortType.DOWNSTREAM_PORT, 3, acs(IOMMU_CTRL), "01:00.0")
                .endpoint("03:00.0", "02:00.0", noAcs()).build();
        assertThat(groups(t)).isEqualTo(Map.of(0, list("00:04.0", "01:00.0", "02:00.0", "03:00.0")));
    }

    @Test
    void functionsOfAMultifunctionDeviceWithoutAcsShareAGroup_spec5_6_step4() {
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .add(mf("01:00.0", 0x1b36, 0x0010, PortType.ENDPOINT, noAcs()), under("00:04.0"))
                .add(mf("01:00.1", 0x1b36, 0x0010, PortType.ENDPOINT, noAcs()), under("00:04.0")).build();
        IommuGroups g = IommuGroups.compute(t);
        assertThat(g.groups()).isEqualTo(Map.of(0, list("00:04.0"), 1, list("01:00.0", "01:00.1")));
        assertThat(g.reasons(1)).singleElement().isInstanceOf(IommuGroupReason.MultifunctionNotIsolated.class);
        assertThat(g.reasons(1).get(0).describe()).contains("multifunction slot").contains("multifunction endpoint: no ACS capability");
    }

    @Test
    void functionsOfAMultifunctionDeviceWithAcsEnabledGetTheirOwnGroups_spec5_6_step4() {
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .add(mf("01:00.0", 0x1b36, 0x0010, PortType.ENDPOINT, acs(IOMMU_CTRL)), under("00:04.0"))
                .add(mf("01:00.1", 0x1b36, 0x0010, PortType.ENDPOINT, acs(IOMMU_CTRL)), under("00:04.0")).build();
        assertThat(groups(t)).hasSize(3);
    }

    @Test
    void aNonZeroFunctionNumberMakesAFunctionMultifunctionEvenWithoutHeaderBit7_spec11_1() {
        PciFunction fn1 = PciFunction.builder(a("01:00.1")).ids(0x1b36, 0x0010).classCode(0x010802).headerType(0x00)
                .portType(PortType.ENDPOINT).acs(noAcs()).build();
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .add(mf("01:00.0", 0x1b36, 0x0010, PortType.ENDPOINT, noAcs()), under("00:04.0")).add(fn1, under("00:04.0")).build();
        AcsIsolation acs = AcsIsolation.of(t);
        assertThat(acs.isMultifunction(t.indexOf(a("01:00.1")))).isTrue();
        assertThat(groups(t)).containsEntry(1, list("01:00.0", "01:00.1"));
    }

    @Test
    void aVirtualFunctionIsNeverMultifunctionAndGetsItsOwnGroupBelowAnIsolatedPath_spec11_1() {
        PciFunction pf = PciFunction.builder(a("01:00.0")).ids(0x8086, 0x1521).classCode(0x020000).headerType(0x00)
                .portType(PortType.ENDPOINT).acs(noAcs()).virtfns(List.of(a("01:10.0"), a("01:10.1"))).build();
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL)).add(pf, under("00:04.0"))
                .virtfn("01:10.0", "01:00.0", "00:04.0").virtfn("01:10.1", "01:00.0", "00:04.0").build();
        AcsIsolation acs = AcsIsolation.of(t);
        assertThat(acs.isMultifunction(t.indexOf(a("01:10.1")))).isFalse();
        assertThat(groups(t)).hasSize(4);
    }

    @Test
    void singleFunctionRootComplexIntegratedEndpointsAreIsolated_spec5_6() {
        PciTopology t = Topo.intel().hostBridgeDevice("00:00.0", 0x8086, Topo.Q35_HOST)
                .endpoint("00:04.0", "", noAcs()).endpoint("00:05.0", "", noAcs()).build();
        assertThat(groups(t)).isEqualTo(Map.of(0, list("00:00.0"), 1, list("00:04.0"), 2, list("00:05.0")));
    }

    @Test
    void multifunctionIntegratedEndpointsWithoutAcsShareAGroupUnlessTheVendorIsIntel_spec11_8() {
        PciTopology qemu = Topo.intel()
                .add(mf("00:04.0", 0x1b36, 0x0010, PortType.RC_INTEGRATED_ENDPOINT, noAcs()), rootBus())
                .add(mf("00:04.1", 0x1b36, 0x0010, PortType.RC_INTEGRATED_ENDPOINT, noAcs()), rootBus()).build();
        assertThat(groups(qemu)).isEqualTo(Map.of(0, list("00:04.0", "00:04.1")));
        PciTopology intel = Topo.intel()
                .add(mf("00:08.0", 0x8086, 0x2014, PortType.RC_INTEGRATED_ENDPOINT, noAcs()), rootBus())
                .add(mf("00:08.1", 0x8086, 0x2015, PortType.RC_INTEGRATED_ENDPOINT, noAcs()), rootBus()).build();
        assertThat(groups(intel)).isEqualTo(Map.of(0, list("00:08.0"), 1, list("00:08.1")));
        assertThat(AcsIsolation.of(intel).acsEnabled(0, AcsIsolation.REQ_ACS_FLAGS).basis()).isEqualTo(AcsIsolation.Basis.QUIRK);
    }

    @Test
    void multifunctionNicsInTheKernelsQuirkTableAreIsolated_spec11_8() {
        // Intel 82599 (8086:10fb), dual port, no ACS capability
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .add(mf("01:00.0", 0x8086, 0x10fb, PortType.ENDPOINT, noAcs()), under("00:04.0"))
                .add(mf("01:00.1", 0x8086, 0x10fb, PortType.ENDPOINT, noAcs()), under("00:04.0")).build();
        assertThat(groups(t)).hasSize(3);
        // a non-RCiEP Intel device outside the table gets no quirk answer
        PciTopology other = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .add(mf("01:00.0", 0x8086, 0x1234, PortType.ENDPOINT, noAcs()), under("00:04.0"))
                .add(mf("01:00.1", 0x8086, 0x1234, PortType.ENDPOINT, noAcs()), under("00:04.0")).build();
        assertThat(groups(other)).hasSize(2);
    }

    @Test
    void anIntelRootPortWithoutAcsIsAssumedNotIsolatedAndTheReasonSaysSo_spec11_8() {
        PciFunction port = PciFunction.builder(a("00:1c.0")).ids(0x8086, 0x8c10).classCode(0x060400).headerType(0x81)
                .portType(PortType.ROOT_PORT).busRange(1, 1).acs(noAcs()).build();
        PciTopology t = Topo.intel().add(port, rootBus()).endpoint("01:00.0", "00:1c.0", noAcs()).build();
        IommuGroups g = IommuGroups.compute(t);
        assertThat(g.groups()).hasSize(1);
        assertThat(g.reasons(0).get(0).describe()).contains("Intel PCH root port").contains("assumed not");
    }

    @Test
    void aPcieToPciBridgeMergesItselfAndEverythingBelowIt_spec11_5() {
        PciFunction legacy0 = PciFunction.builder(a("02:01.0")).ids(0x1000, 0x0030).classCode(0x010000).headerType(0)
                .portType(PortType.CONVENTIONAL_PCI).acs(noAcs()).build();
        PciFunction legacy1 = PciFunction.builder(a("02:02.0")).ids(0x1000, 0x0030).classCode(0x010000).headerType(0)
                .portType(PortType.CONVENTIONAL_PCI).acs(noAcs()).build();
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .bridge("01:00.0", PortType.PCIE_TO_PCI_BRIDGE, 2, noAcs(), "00:04.0")
                .add(legacy0, under("01:00.0")).add(legacy1, under("01:00.0")).build();
        IommuGroups g = IommuGroups.compute(t);
        assertThat(g.groups()).isEqualTo(Map.of(0, list("00:04.0"), 1, list("01:00.0", "02:01.0", "02:02.0")));
        assertThat(g.reasons(1)).hasSize(2).allSatisfy(r -> {
            assertThat(r).isInstanceOf(IommuGroupReason.AliasBridge.class);
            assertThat(r.joined()).isEqualTo(a("01:00.0"));
            assertThat(r.describe()).contains("PCIe-to-PCI bridge").contains("requester ID");
        });
    }

    @Test
    void theAliasWalkSkipsPciePortsAndStopsAtTheBridgeNearestTheRoot_spec11_5() {
        // PCIe-to-PCI bridge below a switch whose downstream port has ACS: the walk passes the
        // downstream port, finds the bridge, and the device joins the bridge's group
        PciFunction legacy = PciFunction.builder(a("04:00.0")).ids(0x1000, 0x0030).classCode(0x010000).headerType(0)
                .portType(PortType.CONVENTIONAL_PCI).acs(noAcs()).build();
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL))
                .bridge("01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "00:04.0")
                .bridge("02:00.0", PortType.DOWNSTREAM_PORT, 3, acs(IOMMU_CTRL), "01:00.0")
                .bridge("03:00.0", PortType.PCIE_TO_PCI_BRIDGE, 4, noAcs(), "02:00.0")
                .add(legacy, under("03:00.0")).build();
        IommuGroups g = IommuGroups.compute(t);
        assertThat(g.groupOf(a("04:00.0"))).isEqualTo(g.groupOf(a("03:00.0")));
        assertThat(g.groupOf(a("03:00.0"))).isNotEqualTo(g.groupOf(a("02:00.0")));
    }

    @Test
    void everyFunctionGetsAGroupNumberedFromZeroInScanOrder_spec11_2() {
        // addresses sort 00:04.0, 00:05.0, 01:00.0, 02:00.0; scan order visits bus 0 first,
        // then the root port's secondary buses depth-first
        PciTopology t = Topo.intel().hostBridgeDevice("00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("00:04.0", 2, acs(IOMMU_CTRL)).rootPort("00:05.0", 1, acs(IOMMU_CTRL))
                .endpoint("02:00.0", "00:04.0", noAcs()).endpoint("01:00.0", "00:05.0", noAcs())
                .endpoint("00:1f.0", "", noAcs()).build();
        IommuGroups g = IommuGroups.compute(t);
        assertThat(g.groups()).isEqualTo(Map.of(0, list("00:00.0"), 1, list("00:04.0"), 2, list("00:05.0"), 3, list("00:1f.0"),
                4, list("02:00.0"), 5, list("01:00.0")));
        for (PciFunction f : t.functions()) {
            assertThat(g.groupOf(f.address())).isPresent();
        }
        assertThat(g.groupOf(a("09:00.0"))).isEmpty();
    }

    @Test
    void unknownAcsFollowsTheAssumptionAndSaysSo() {
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, new AcsState.Unknown("config space is 64 bytes"))
                .endpoint("01:00.0", "00:04.0", noAcs()).build();
        IommuGroups absent = IommuGroups.compute(t, UnknownAcsPolicy.NO_REDIRECT);
        assertThat(absent.groups()).hasSize(1);
        assertThat(absent.assumptions()).singleElement().asString().contains("assumed no ACS capability");
        IommuGroups enabled = IommuGroups.compute(t, UnknownAcsPolicy.REDIRECT);
        assertThat(enabled.groups()).hasSize(2);
        assertThat(enabled.assumptions()).singleElement().asString().contains("assumed SV RR CR UF enabled");
    }

    @Test
    void theAcsPathEndsAtTheRootBusOrAtTheGivenEnd_spec5_6() {
        PciTopology t = Topo.intel().rootPort("00:04.0", 1, acs(0))
                .bridge("01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "00:04.0")
                .bridge("02:00.0", PortType.DOWNSTREAM_PORT, 3, acs(IOMMU_CTRL), "01:00.0").build();
        AcsIsolation acs = AcsIsolation.of(t);
        int down = t.indexOf(a("02:00.0"));
        int up = t.indexOf(a("01:00.0"));
        AcsIsolation.PathVerdict toRoot = acs.acsPathEnabled(down, -1, AcsIsolation.REQ_ACS_FLAGS);
        assertThat(toRoot.enabled()).isFalse();
        assertThat(toRoot.failing().orElseThrow().device()).isEqualTo(a("00:04.0"));
        assertThat(acs.acsPathEnabled(down, up, AcsIsolation.REQ_ACS_FLAGS).enabled()).isTrue();
        // with an end that is never reached, arriving at the root bus is a failure
        PciTopology isolated = Topo.intel().rootPort("00:04.0", 1, acs(IOMMU_CTRL)).rootPort("00:05.0", 2, acs(IOMMU_CTRL)).build();
        assertThat(AcsIsolation.of(isolated).acsPathEnabled(0, 1, AcsIsolation.REQ_ACS_FLAGS).enabled()).isFalse();
    }
}
