package dev.p2pdma.runtime;

import static dev.p2pdma.runtime.RuntimeFixtures.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The nvidia-smi class and NCCL's decision on a real machine: the NVIDIA DGX-2H of
 * {@code ../shared/real-machines/hwloc/nvidiaDGX2.xml} (16 V100 GPUs, two per leaf PLX switch, two
 * leaves per top switch, four host bridges, two sockets). What nvidia-smi prints there (GPU-NIC
 * columns of {@code nvidia-smi topo -m} on a DGX-2, NVIDIA/nccl-tests issue 78): the two GPUs of a
 * leaf switch are PIX to that leaf's NIC, PXB to the NIC of the other leaf under the same top
 * switch, NODE to NICs of the other host bridge of their socket, and SYS to the other socket's. GPU
 * pairs show NV6 there (NVSwitch); the PCIe classes below are what {@code topo -mp} reports and what
 * NCCL's path types start from.
 *
 * <p>The hwloc importer gives every function its host bridge's NUMA node; this test checks those
 * against the package each host bridge sits in, read from the XML line by line.
 */
class Dgx2RuntimeTest {

    /** The machine, with NUMA nodes. */
    private static LoadedMachine dgx2;

    @BeforeAll
    static void load() throws Exception {
        Path xml = Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("real-machines/hwloc/nvidiaDGX2.xml");
        LoadedMachine m = LoadedMachine.load(LoadedMachine.SourceKind.HWLOC, xml, List.of(), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
        Map<Integer, Integer> nodeOfRootBus = hostBridgeNodes(Files.readString(xml));
        assertThat(nodeOfRootBus).containsEntry(0x2b, 0).containsEntry(0x4e, 0).containsEntry(0xae, 1).containsEntry(0xd7, 1);
        PciTopology t = m.topology();
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            assertThat(f.numaNode()).as("NUMA node of %s from the hwloc importer", f.address())
                    .hasValue(nodeOfRootBus.get(t.hostBridgeOf(i).rootBus()));
        }
        dgx2 = m;
    }

    /** Root bus of each hwloc host bridge (a depth-0 Bridge) to the NUMA node of the package it sits in. */
    private static Map<Integer, Integer> hostBridgeNodes(String xml) {
        Pattern numa = Pattern.compile("type=\"NUMANode\" os_index=\"(\\d+)\"");
        Pattern hostBridge = Pattern.compile("type=\"Bridge\".*depth=\"0\" bridge_pci=\"[0-9a-f]{4}:\\[([0-9a-f]{2})-");
        Map<Integer, Integer> out = new HashMap<>();
        int node = -1;
        for (String line : xml.split("\n")) {
            Matcher n = numa.matcher(line);
            if (n.find()) {
                node = Integer.parseInt(n.group(1));
            }
            Matcher h = hostBridge.matcher(line);
            if (h.find()) {
                out.put(Integer.parseInt(h.group(1), 16), node);
            }
        }
        return out;
    }

    private static PcieClass smi(String a, String b) {
        PciTopology t = dgx2.topology();
        return PcieRoutes.of(t).route(at(t, a), at(t, b)).pcieClass();
    }

    private static RuntimeDecision nccl(String a, String b) {
        PciTopology t = dgx2.topology();
        int p = at(t, a);
        int c = at(t, b);
        return RuntimeVerdicts.of(dgx2, RuntimeOptions.defaults()).decide(p, c, dgx2.decision().verdict(p, c).mapType()).get(Runtime.NCCL.ordinal());
    }

    @Test
    void theTwoGpusOfALeafSwitchArePixAndNcclUsesP2p() {
        assertThat(smi("34:00.0", "36:00.0")).isEqualTo(PcieClass.PIX);
        assertThat(smi("b7:00.0", "b9:00.0")).isEqualTo(PcieClass.PIX);
        assertThat(nccl("34:00.0", "36:00.0").outcome()).isEqualTo(Outcome.PEER);
    }

    @Test
    void gpusUnderTwoLeavesOfOneTopSwitchArePxbAndNcclUsesP2p() {
        assertThat(smi("34:00.0", "39:00.0")).isEqualTo(PcieClass.PXB);
        assertThat(smi("57:00.0", "5e:00.0")).isEqualTo(PcieClass.PXB);
        assertThat(nccl("34:00.0", "3b:00.0").outcome()).isEqualTo(Outcome.PEER);
        assertThat(nccl("34:00.0", "3b:00.0").reason()).startsWith("path PXB is within level PXB");
    }

    @Test
    void gpusOnTwoHostBridgesOfOneSocketAreNodeAndNcclStagesOverPcie() {
        assertThat(smi("34:00.0", "57:00.0")).isEqualTo(PcieClass.NODE);
        assertThat(smi("b7:00.0", "e0:00.0")).isEqualTo(PcieClass.NODE);
        RuntimeDecision d = nccl("34:00.0", "57:00.0");
        assertThat(d.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(d.reason()).startsWith("path PHB is beyond level PXB");
    }

    @Test
    void gpusOnTheTwoSocketsAreSys() {
        assertThat(smi("34:00.0", "b7:00.0")).isEqualTo(PcieClass.SYS);
        assertThat(smi("e7:00.0", "5c:00.0")).isEqualTo(PcieClass.SYS);
        assertThat(nccl("34:00.0", "b7:00.0").reason()).startsWith("path SYS is beyond level PXB");
    }

    @Test
    void everyGpuPairOfTheMachineGetsOneOfTheFourPcieClassesAndNcclAgreesWithPxb() {
        PciTopology t = dgx2.topology();
        List<Integer> gpus = java.util.stream.IntStream.range(0, t.size()).filter(i -> DeviceKind.of(t.function(i)) == DeviceKind.NVIDIA_GPU).boxed()
                .toList();
        assertThat(gpus).hasSize(16);
        Map<PcieClass, Integer> counts = new java.util.EnumMap<>(PcieClass.class);
        RuntimeVerdicts rt = RuntimeVerdicts.of(dgx2, RuntimeOptions.defaults());
        for (int a : gpus) {
            for (int b : gpus) {
                if (a == b) {
                    continue;
                }
                PairRoute r = rt.routes().route(a, b);
                counts.merge(r.pcieClass(), 1, Integer::sum);
                RuntimeDecision n = rt.decide(a, b, dgx2.decision().verdict(a, b).mapType()).get(Runtime.NCCL.ordinal());
                assertThat(n.outcome()).isEqualTo(r.pcieClass().ordinal() <= PcieClass.PXB.ordinal() ? Outcome.PEER : Outcome.STAGED);
            }
        }
        // per GPU: 1 PIX partner, 2 PXB (other leaf, same top switch), 4 NODE (other host bridge, same socket), 8 SYS
        assertThat(counts).containsEntry(PcieClass.PIX, 16).containsEntry(PcieClass.PXB, 32).containsEntry(PcieClass.NODE, 64)
                .containsEntry(PcieClass.SYS, 128);
    }
}
