package dev.p2pdma.runtime;

import static dev.p2pdma.runtime.RuntimeFixtures.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The {@code nvidia-smi topo -m} class of a pair (issue 12 part 3; NVML's topology levels and the
 * legend nvidia-smi prints): X, PIX, PXB, PHB, NODE and SYS on one hand-built machine.
 */
class NvidiaSmiClassTest {

    private static PcieClass classOf(PciTopology t, String a, String b) {
        return PcieRoutes.of(t).route(at(t, a), at(t, b)).pcieClass();
    }

    private static PciTopology machine(int numa0, int numa40, int numa80) {
        return RuntimeFixtures.machine(Topo.intel(), numa0, numa40, numa80).build();
    }

    @Test
    void aFunctionWithItselfIsX() {
        assertThat(classOf(machine(0, 0, 1), "03:00.0", "03:00.0")).isEqualTo(PcieClass.X);
    }

    @Test
    void twoDevicesBelowOneSwitchArePixWhicheverDownstreamPortsTheyUse() {
        PciTopology t = machine(0, 0, 1);
        assertThat(classOf(t, "03:00.0", "04:00.0")).isEqualTo(PcieClass.PIX);
        assertThat(classOf(t, "04:00.0", "05:00.0")).isEqualTo(PcieClass.PIX);
        assertThat(PcieRoutes.of(t).route(at(t, "03:00.0"), at(t, "04:00.0")).switches()).isEqualTo(1);
    }

    @Test
    void aRouteThroughTwoNestedSwitchesIsPxb() {
        PciTopology t = machine(0, 0, 1);
        assertThat(classOf(t, "03:00.0", "08:00.0")).isEqualTo(PcieClass.PXB);
        assertThat(PcieRoutes.of(t).route(at(t, "08:00.0"), at(t, "03:00.0")).switches()).isEqualTo(2);
    }

    @Test
    void differentRootPortsOfOneHostBridgeArePhb() {
        assertThat(classOf(machine(0, 0, 1), "03:00.0", "09:00.0")).isEqualTo(PcieClass.PHB);
    }

    @Test
    void twoFunctionsBelowOneRootPortArePhbBecauseRootPortsBelongToTheHostBridge() {
        assertThat(classOf(machine(0, 0, 1), "09:00.0", "09:00.1")).isEqualTo(PcieClass.PHB);
    }

    @Test
    void twoHostBridgesOfOneNumaNodeAreNode() {
        PciTopology t = machine(0, 0, 1);
        assertThat(classOf(t, "03:00.0", "41:00.0")).isEqualTo(PcieClass.NODE);
        assertThat(PcieRoutes.of(t).route(at(t, "03:00.0"), at(t, "41:00.0")).numaAssumed()).isFalse();
    }

    @Test
    void hostBridgesOnDifferentNumaNodesAreSys() {
        PciTopology t = machine(0, 0, 1);
        assertThat(classOf(t, "03:00.0", "81:00.0")).isEqualTo(PcieClass.SYS);
        assertThat(classOf(t, "81:00.0", "41:00.0")).isEqualTo(PcieClass.SYS);
        assertThat(NvidiaSmiTopo.decide(PcieRoutes.of(t).route(at(t, "03:00.0"), at(t, "81:00.0"))).reason())
                .contains("NUMA nodes 0 and 1");
    }

    @Test
    void unknownNumaNodesAcrossHostBridgesAreNodeAndSaySoAsAnAssumption() {
        PciTopology t = machine(-1, -1, -1);
        PairRoute r = PcieRoutes.of(t).route(at(t, "03:00.0"), at(t, "81:00.0"));
        assertThat(r.pcieClass()).isEqualTo(PcieClass.NODE);
        assertThat(r.numaAssumed()).isTrue();
        assertThat(NvidiaSmiTopo.decide(r).reason()).contains("assumed one node");
    }

    @Test
    void aHostBridgesNumaNodeComesFromAnyFunctionBelowIt() {
        PciTopology t = machine(-1, -1, -1);
        PciFunction known = t.function(at(t, "41:00.0")).toBuilder().numaNode(3).build();
        PciTopology t2 = t.withFunctions(java.util.Map.of(known.address(), known));
        assertThat(PcieRoutes.of(t2).numaNode(at(t2, "40:01.0"))).isEqualTo(OptionalInt.of(3));
        assertThat(PcieRoutes.of(t2).numaNode(at(t2, "81:00.0"))).isEmpty();
    }

    @Test
    void ncclFusesSameIdBroadcomGen4SwitchLevelsButNvidiaSmiCountsThemAll() {
        Topo b = Topo.intel();
        String[] usp = {"0000:01:00.0", "0000:03:00.0", "0000:05:00.0"};
        b.add(RuntimeFixtures.bridge("0000:00:01.0", PortType.ROOT_PORT, 1, 0), RuntimeFixtures.root("0000:00:01.0"));
        b.add(broadcom(usp[0], PortType.UPSTREAM_PORT, 2), RuntimeFixtures.below("0000:00:01.0"));
        b.add(broadcom("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3), RuntimeFixtures.below(usp[0]));
        b.add(broadcom(usp[1], PortType.UPSTREAM_PORT, 4), RuntimeFixtures.below("0000:02:00.0"));
        b.add(broadcom("0000:04:00.0", PortType.DOWNSTREAM_PORT, 5), RuntimeFixtures.below(usp[1]));
        b.add(RuntimeFixtures.nvidiaGpu("0000:05:00.0", 0), RuntimeFixtures.below("0000:04:00.0"));
        b.add(broadcom("0000:02:01.0", PortType.DOWNSTREAM_PORT, 6), RuntimeFixtures.below(usp[0]));
        b.add(broadcom("0000:06:00.0", PortType.UPSTREAM_PORT, 7), RuntimeFixtures.below("0000:02:01.0"));
        b.add(broadcom("0000:07:00.0", PortType.DOWNSTREAM_PORT, 8), RuntimeFixtures.below("0000:06:00.0"));
        b.add(RuntimeFixtures.nvidiaGpu("0000:08:00.0", 0), RuntimeFixtures.below("0000:07:00.0"));
        PciTopology t = b.build();
        PairRoute r = PcieRoutes.of(t).route(at(t, "05:00.0"), at(t, "08:00.0"));
        assertThat(r.pcieClass()).isEqualTo(PcieClass.PXB);
        assertThat(r.switches()).isEqualTo(3);
        assertThat(r.ncclSwitches()).isEqualTo(1);
        assertThat(r.ncclPathType()).isEqualTo(NcclLevel.PIX);
    }

    private static PciFunction broadcom(String addr, PortType type, int secondary) {
        return RuntimeFixtures.bridge(addr, type, secondary, 0).toBuilder().ids(0x1000, 0xc010).subsystem(0x1000, 0xa064).acs(AcsState.ABSENT).build();
    }
}
