package dev.p2pdma.runtime;

import static dev.p2pdma.runtime.RuntimeFixtures.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.testing.Topo;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * NCCL's default P2P decision (issue 12 part 3; {@code ncclTopoCheckP2p} and
 * {@code ncclTopoCheckGdr}, NVIDIA/nccl src/graph/paths.cc): P2P up to PXB, SHM through a host
 * bridge and beyond; SYS on an AMD CPU with at most two GPUs; {@code NCCL_P2P_LEVEL} replaces the
 * default; GPUDirect RDMA for a GPU and a NIC up to PXB; and where the kernel disagrees, the line
 * says so.
 */
class NcclP2pTest {

    private static RuntimeDecision nccl(LoadedMachine m, String a, String b, RuntimeOptions o) {
        PciTopology t = m.topology();
        int p = at(t, a);
        int c = at(t, b);
        MapType mt = m.decision().verdict(p, c).mapType();
        return RuntimeVerdicts.of(m, o).decide(p, c, mt).get(Runtime.NCCL.ordinal());
    }

    private static RuntimeDecision nccl(LoadedMachine m, String a, String b) {
        return nccl(m, a, b, RuntimeOptions.defaults());
    }

    private static LoadedMachine intel() {
        return RuntimeFixtures.loaded(RuntimeFixtures.machine(Topo.intel(), 0, 0, 1).build());
    }

    @Test
    void gpusBelowSwitchesUseP2pUpToPxb() {
        LoadedMachine m = intel();
        assertThat(nccl(m, "03:00.0", "04:00.0").outcome()).isEqualTo(Outcome.PEER);
        assertThat(nccl(m, "03:00.0", "04:00.0").reason()).startsWith("path PIX is within level PXB");
        assertThat(nccl(m, "03:00.0", "08:00.0").outcome()).isEqualTo(Outcome.PEER);
        assertThat(nccl(m, "03:00.0", "08:00.0").reason()).startsWith("path PXB is within");
    }

    @Test
    void throughAHostBridgeNcclStagesThroughHostMemoryAndSaysTheKernelWouldAllowIt() {
        LoadedMachine m = intel();
        RuntimeDecision d = nccl(m, "03:00.0", "09:00.0");
        assertThat(m.decision().verdict(at(m.topology(), "03:00.0"), at(m.topology(), "09:00.0")).mapType()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(d.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(d.decision()).startsWith("SHM");
        assertThat(d.reason()).startsWith("path PHB is beyond level PXB");
        assertThat(d.disagreement()).contains("the kernel allows THRU_HOST_BRIDGE, NCCL stages through host memory");
    }

    @Test
    void nodeIsPhbToNcclAndSysIsSys() {
        LoadedMachine m = intel();
        assertThat(nccl(m, "03:00.0", "41:00.0").reason()).startsWith("path PHB is beyond");
        assertThat(nccl(m, "03:00.0", "81:00.0").reason()).startsWith("path SYS is beyond");
    }

    @Test
    void anAmdCpuWithAtMostTwoGpusAllowsP2pAcrossTheSystem() {
        PciTopology two = Topo.amdZen().hostBridgeDevice("0000:00:00.0", 0x1022, 0x1480)
                .add(RuntimeFixtures.bridge("0000:00:01.0", dev.p2pdma.pci.PortType.ROOT_PORT, 1, 0), RuntimeFixtures.root("0000:00:01.0"))
                .add(RuntimeFixtures.nvidiaGpu("0000:01:00.0", 0), RuntimeFixtures.below("0000:00:01.0"))
                .hostBridgeDevice("0000:80:00.0", 0x1022, 0x1480)
                .add(RuntimeFixtures.bridge("0000:80:01.0", dev.p2pdma.pci.PortType.ROOT_PORT, 0x81, 1), RuntimeFixtures.root("0000:80:01.0"))
                .add(RuntimeFixtures.nvidiaGpu("0000:81:00.0", 1), RuntimeFixtures.below("0000:80:01.0")).build();
        RuntimeDecision d = nccl(RuntimeFixtures.loaded(two), "01:00.0", "81:00.0");
        assertThat(d.outcome()).isEqualTo(Outcome.PEER);
        assertThat(d.reason()).startsWith("path SYS is within level SYS (the default on an AMD x86 CPU with at most 2 GPUs)");
        assertThat(d.disagreement()).isEmpty();
    }

    @Test
    void anAmdCpuWithMoreThanTwoGpusKeepsTheDefaultLevel() {
        LoadedMachine m = RuntimeFixtures.loaded(RuntimeFixtures.machine(Topo.amdZen(), 0, 0, 1).build());
        RuntimeDecision d = nccl(m, "03:00.0", "81:00.0");
        assertThat(d.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(d.reason()).contains("beyond level PXB");
    }

    @Test
    void ncclP2pLevelReplacesTheDefaultAndDisableStopsEvenPix() {
        LoadedMachine m = intel();
        RuntimeDecision phb = nccl(m, "03:00.0", "09:00.0", new RuntimeOptions(NcclLevel.parse("PHB")));
        assertThat(phb.outcome()).isEqualTo(Outcome.PEER);
        assertThat(phb.reason()).contains("NCCL_P2P_LEVEL PHB (set)");
        RuntimeDecision off = nccl(m, "03:00.0", "04:00.0", new RuntimeOptions(NcclLevel.parse("disable")));
        assertThat(off.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(off.disagreement()).isPresent();
    }

    @Test
    void levelNamesAndOldNumbersParseAsNcclReadsThem() {
        assertThat(NcclLevel.parse("pxb")).contains(NcclLevel.PXB);
        assertThat(NcclLevel.parse("3")).contains(NcclLevel.PHB);
        assertThat(NcclLevel.parse("4")).contains(NcclLevel.SYS);
        assertThat(NcclLevel.parse("5")).contains(NcclLevel.SYS);
        assertThat(NcclLevel.parse("9")).contains(NcclLevel.SYS);
        assertThat(NcclLevel.parse("NVL")).contains(NcclLevel.LOC);
        assertThat(NcclLevel.parse("sideways")).isEmpty();
    }

    @Test
    void aGpuAndANicUseGpuDirectRdmaUpToPxbAndStageBeyond() {
        LoadedMachine m = intel();
        assertThat(nccl(m, "03:00.0", "05:00.0").decision()).isEqualTo("GDR (GPUDirect RDMA)");
        Topo far = RuntimeFixtures.machine(Topo.intel(), 0, 0, 1).add(RuntimeFixtures.bridge("0000:80:02.0", dev.p2pdma.pci.PortType.ROOT_PORT, 0x82, 1),
                RuntimeFixtures.root("0000:80:02.0")).add(RuntimeFixtures.nic("0000:82:00.0", 1), RuntimeFixtures.below("0000:80:02.0"));
        RuntimeDecision d = nccl(RuntimeFixtures.loaded(far.build()), "03:00.0", "82:00.0");
        assertThat(d.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(d.reason()).startsWith("path SYS is beyond NCCL_NET_GDR_LEVEL PXB");
    }

    @Test
    void whenTheKernelRefusesButNcclUsesP2pTheLineSaysCudaDoesNotAsk() {
        PciTopology t = RuntimeFixtures.machine(Topo.intel(), 0, 0, 1).build();
        RuntimeDecision d = NcclP2p.decide(PcieRoutes.of(t).route(at(t, "03:00.0"), at(t, "09:00.0")), DeviceKind.NVIDIA_GPU,
                DeviceKind.NVIDIA_GPU, MapType.NOT_SUPPORTED, Optional.of(new CpuInfo(CpuInfo.INTEL, 6, "")), 6, NcclLevel.parse("SYS"));
        assertThat(d.outcome()).isEqualTo(Outcome.PEER);
        assertThat(d.disagreement()).hasValueSatisfying(s -> assertThat(s).contains("NOT_SUPPORTED").contains("CUDA driver"));
    }

    @Test
    void anUnknownCpuIsAssumedNotAmdAndSaysSo() {
        LoadedMachine m = RuntimeFixtures.loaded(RuntimeFixtures.machine(Topo.unknownCpu(), 0, 0, 1).build());
        assertThat(nccl(m, "03:00.0", "09:00.0").reason()).contains("CPU unknown: assumed not AMD");
    }

    @Test
    void pairsThatAreNotTwoNvidiaGpusSayTheRuleIsAppliedAtTheirPositions() {
        LoadedMachine m = RuntimeFixtures.loaded(Topo.intel().rootPort("0000:00:01.0", 1, Topo.noAcs()).endpoint("0000:01:00.0", "0000:00:01.0",
                Topo.noAcs()).endpoint("0000:01:00.1", "0000:00:01.0", Topo.noAcs()).build());
        assertThat(nccl(m, "01:00.0", "01:00.1").reason()).endsWith("[not two NVIDIA GPUs: NCCL's GPU rule at these positions]");
    }
}
