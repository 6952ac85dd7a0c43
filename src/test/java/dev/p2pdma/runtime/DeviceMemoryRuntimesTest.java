package dev.p2pdma.runtime;

import static dev.p2pdma.runtime.RuntimeFixtures.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.DmaSetup;
import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.Topo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The runtimes that consume device memory through the kernel's map type (issue 12 part 3; spec 12
 * M5 and M16): ROCm peer access (amdgpu's four conditions), the Xe (Linux 6.12) and VFIO (6.19+)
 * dma-buf mappings, and GPUDirect Storage's O_DIRECT outcome, which must be the data plane's.
 */
class DeviceMemoryRuntimesTest {

    /** Two AMD GPUs below one switch and one on another root port; the host bridge is whitelisted. */
    private static PciTopology amdGpus(long barBytes, long barAddress) {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, 0x2030)
                .add(RuntimeFixtures.bridge("0000:00:01.0", PortType.ROOT_PORT, 1, 0), RuntimeFixtures.root("0000:00:01.0"))
                .add(RuntimeFixtures.bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, 0), RuntimeFixtures.below("0000:00:01.0"))
                .add(RuntimeFixtures.bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, 0), RuntimeFixtures.below("0000:01:00.0"))
                .add(RuntimeFixtures.gpu("0000:03:00.0", RuntimeFixtures.AMD, 0, barAddress, barBytes), RuntimeFixtures.below("0000:02:00.0"))
                .add(RuntimeFixtures.bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, 0), RuntimeFixtures.below("0000:01:00.0"))
                .add(RuntimeFixtures.gpu("0000:04:00.0", RuntimeFixtures.AMD, 0, barAddress + barBytes, barBytes), RuntimeFixtures.below("0000:02:01.0"))
                .add(RuntimeFixtures.bridge("0000:00:02.0", PortType.ROOT_PORT, 5, 0), RuntimeFixtures.root("0000:00:02.0"))
                .add(RuntimeFixtures.gpu("0000:05:00.0", RuntimeFixtures.AMD, 0, barAddress + 2 * barBytes, barBytes), RuntimeFixtures.below("0000:00:02.0"))
                .build();
    }

    private static RuntimeDecision decide(LoadedMachine m, String a, String b, Runtime which) {
        PciTopology t = m.topology();
        int p = at(t, a);
        int c = at(t, b);
        return RuntimeVerdicts.of(m, RuntimeOptions.defaults()).decide(p, c, m.decision().verdict(p, c).mapType()).get(which.ordinal());
    }

    @Test
    void rocmGrantsPeerAccessWithLargeBarAndAKernelDistanceBelowASwitchOrThroughAnAllowedHostBridge() {
        LoadedMachine m = RuntimeFixtures.loaded(amdGpus(16L << 30, 0x38_0000_0000L), "iommu=pt", true);
        RuntimeDecision d = decide(m, "03:00.0", "04:00.0", Runtime.ROCM);
        assertThat(d.outcome()).isEqualTo(Outcome.PEER);
        assertThat(d.reason()).contains("amdgpu.pcie_p2p on (default)", "kernel distance ok (BUS_ADDR)", "large BAR assumed (BAR1 16 GiB",
                "within the peer's 44-bit DMA mask");
        assertThat(decide(m, "03:00.0", "05:00.0", Runtime.ROCM).outcome()).isEqualTo(Outcome.PEER);
    }

    @Test
    void rocmRefusesWhenAmdgpuPcieP2pIsOffAndSaysTheKernelWouldAllowIt() {
        LoadedMachine m = RuntimeFixtures.loaded(amdGpus(16L << 30, 0x38_0000_0000L), "amdgpu.pcie_p2p=0", false);
        RuntimeDecision d = decide(m, "03:00.0", "04:00.0", Runtime.ROCM);
        assertThat(d.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(d.reason()).startsWith("amdgpu.pcie_p2p off");
        assertThat(d.disagreement()).contains("the kernel allows BUS_ADDR, ROCm reports no peer access (copies go through host memory)");
    }

    @Test
    void rocmRefusesASmallBarProvider() {
        LoadedMachine m = RuntimeFixtures.loaded(amdGpus(256L << 20, 0xe000_0000L), "", false);
        RuntimeDecision d = decide(m, "03:00.0", "04:00.0", Runtime.ROCM);
        assertThat(d.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(d.reason()).contains("small BAR assumed (BAR1 256 MiB");
    }

    @Test
    void withoutAnIommuDomainTheBarMustFitThePeersDmaMaskAndInADmaDomainTheMaskIsNotTested() {
        long above44Bits = 1L << 45;
        LoadedMachine direct = RuntimeFixtures.loaded(amdGpus(16L << 30, above44Bits), "", false);
        RuntimeDecision d = decide(direct, "03:00.0", "04:00.0", Runtime.ROCM);
        assertThat(d.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(d.reason()).contains("beyond the peer's 44-bit DMA mask (assumed)");
        LoadedMachine remapped = RuntimeFixtures.loaded(amdGpus(16L << 30, above44Bits), "intel_iommu=on", true);
        RuntimeDecision r = decide(remapped, "03:00.0", "04:00.0", Runtime.ROCM);
        assertThat(r.outcome()).isEqualTo(Outcome.PEER);
        assertThat(r.reason()).contains("peer in an IOMMU DMA-FQ domain (no mask test)");
    }

    @Test
    void rocmFollowsTheKernelsNegativeDistance() {
        LoadedMachine m = RuntimeFixtures.loaded(Topo.intel().rootPort("0000:00:01.0", 1, Topo.noAcs())
                .add(RuntimeFixtures.gpu("0000:01:00.0", RuntimeFixtures.AMD, 0, 0x38_0000_0000L, 16L << 30), RuntimeFixtures.below("0000:00:01.0"))
                .rootPort("0000:00:02.0", 2, Topo.noAcs())
                .add(RuntimeFixtures.gpu("0000:02:00.0", RuntimeFixtures.AMD, 0, 0x3c_0000_0000L, 16L << 30), RuntimeFixtures.below("0000:00:02.0"))
                .build());
        RuntimeDecision d = decide(m, "01:00.0", "02:00.0", Runtime.ROCM);
        assertThat(d.outcome()).isEqualTo(Outcome.STAGED);
        assertThat(d.reason()).contains("kernel distance negative (NOT_SUPPORTED)");
        assertThat(d.disagreement()).isEmpty();
    }

    @Test
    void vfioDmaBufGivesBusAddressesIovasOrPhysicalAddressesByMapTypeAndRefusesTheRestWithEinval() {
        assertThat(DmaBufImport.vfio(MapType.BUS_ADDR, IommuMode.LAZY).decision()).isEqualTo("bus addresses");
        assertThat(DmaBufImport.vfio(MapType.THRU_HOST_BRIDGE, IommuMode.STRICT).decision()).isEqualTo("IOVA");
        assertThat(DmaBufImport.vfio(MapType.THRU_HOST_BRIDGE, IommuMode.STRICT).reason()).contains("dma_iova_link(DMA_ATTR_MMIO)");
        assertThat(DmaBufImport.vfio(MapType.THRU_HOST_BRIDGE, IommuMode.IDENTITY).reason()).contains("dma_map_phys(DMA_ATTR_MMIO)");
        RuntimeDecision no = DmaBufImport.vfio(MapType.NOT_SUPPORTED, IommuMode.OFF);
        assertThat(no.outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(no.decision()).isEqualTo("-EINVAL");
    }

    @Test
    void xeKeepsPeerToPeerWhenTheDistanceIsNotNegativeAndMigratesOtherwise() {
        assertThat(DmaBufImport.xe(DeviceKind.INTEL_GPU, MapType.NOT_SUPPORTED, IommuMode.OFF).outcome()).isEqualTo(Outcome.STAGED);
        RuntimeDecision hb = DmaBufImport.xe(DeviceKind.INTEL_GPU, MapType.THRU_HOST_BRIDGE, IommuMode.OFF);
        assertThat(hb.outcome()).isEqualTo(Outcome.PEER);
        assertThat(hb.reason()).contains("CPU physical address");
        RuntimeDecision bus = DmaBufImport.xe(DeviceKind.INTEL_GPU, MapType.BUS_ADDR, IommuMode.LAZY);
        assertThat(bus.reason()).contains("an IOVA");
        assertThat(bus.disagreement()).hasValueSatisfying(s -> assertThat(s).contains("BUS_ADDR"));
    }

    @Test
    void gdsFollowsTheMapTypeAndHangsOnlyThroughTheHostBridgeUnderSwiotlbForceWithoutADmaDomain() {
        DmaSetup force = new DmaSetup(IommuMode.OFF, true);
        DmaSetup plain = new DmaSetup(IommuMode.OFF, false);
        assertThat(GdsP2pdma.decide(DeviceKind.NVME, true, MapType.BUS_ADDR, force).outcome()).isEqualTo(Outcome.PEER);
        assertThat(GdsP2pdma.decide(DeviceKind.NVME, true, MapType.THRU_HOST_BRIDGE, plain).outcome()).isEqualTo(Outcome.PEER);
        RuntimeDecision hang = GdsP2pdma.decide(DeviceKind.NVME, true, MapType.THRU_HOST_BRIDGE, force);
        assertThat(hang.decision()).isEqualTo("hangs");
        assertThat(hang.disagreement()).isPresent();
        assertThat(GdsP2pdma.decide(DeviceKind.NVME, true, MapType.THRU_HOST_BRIDGE, new DmaSetup(IommuMode.STRICT, true)).outcome())
                .isEqualTo(Outcome.PEER);
        assertThat(GdsP2pdma.decide(DeviceKind.NVME, true, MapType.NOT_SUPPORTED, plain).decision()).isEqualTo("-EREMOTEIO");
        assertThat(GdsP2pdma.decide(DeviceKind.NIC, false, MapType.BUS_ADDR, plain).reason()).contains("[client is not an NVMe controller",
                "[assumed: the provider's driver registers P2PDMA memory]");
    }

    @Test
    void gdsAgreesWithEveryRealODirectOutcomeOfTheConformanceCases() throws Exception {
        Path cases = Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("conformance");
        JsonMapper json = JsonMapper.builder().build();
        int checked = 0;
        try (Stream<Path> dirs = Files.list(cases)) {
            for (Path c : dirs.filter(Files::isDirectory).sorted().toList()) {
                JsonNode expected = json.readTree(Files.readString(c.resolve("expected.json")));
                if (!expected.has("o_direct")) {
                    continue;
                }
                LoadedMachine m = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, c.resolve("capture.tar.gz"), List.of(), Optional.empty(),
                        UnknownAcsPolicy.NO_REDIRECT);
                RuntimeVerdicts rt = RuntimeVerdicts.of(m, RuntimeOptions.defaults());
                for (JsonNode o : expected.get("o_direct")) {
                    int p = m.topology().indexOf(PciAddress.parse(o.get("provider").asString()));
                    int cl = m.topology().indexOf(PciAddress.parse(o.get("client").asString()));
                    RuntimeDecision gds = rt.decide(p, cl, m.decision().verdict(p, cl).mapType()).get(Runtime.GDS.ordinal());
                    String real = o.get("read").asString();
                    assertThat(gds.decision()).as("%s %s", c.getFileName(), o).isEqualTo(real.equals("ok") ? "P2P" : "-" + real);
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(20);
    }

    @Test
    void gdsDerivedFromTheMapTypeIsWhatTheDataPlaneDoesWithAndWithoutSwiotlbForce() throws Exception {
        Path cases = Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("conformance");
        List<String> seen = new ArrayList<>();
        for (String[] run : List.of(new String[] {"rp-iommu_off-cpu_amd", "swiotlb=force"}, new String[] {"rp-iommu_off-cpu_amd", "swiotlb=noforce"},
                new String[] {"rp-iommu_on-cpu_amd", "swiotlb=force"}, new String[] {"rp-iommu_off-cpu_intel", "swiotlb=force"})) {
            LoadedMachine m = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, cases.resolve(run[0]).resolve("capture.tar.gz"), List.of(run[1]),
                    Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
            PciAddress provider = PciAddress.parse("0000:01:00.0");
            PciAddress client = PciAddress.parse("0000:02:00.0");
            int p = m.topology().indexOf(provider);
            int c = m.topology().indexOf(client);
            MapType mt = m.decision().verdict(p, c).mapType();
            RuntimeDecision derived = RuntimeVerdicts.of(m, RuntimeOptions.defaults()).decide(p, c, mt).get(Runtime.GDS.ordinal());
            RuntimeDecision ran = GdsDataPlane.run(m, provider, List.of(client), List.of(mt)).get(0).orElseThrow();
            assertThat(derived.decision()).as("%s %s", run[0], run[1]).isEqualTo(ran.decision());
            assertThat(derived.outcome()).isEqualTo(ran.outcome());
            assertThat(derived.disagreement().isPresent()).isEqualTo(ran.disagreement().isPresent());
            seen.add(ran.decision());
        }
        assertThat(seen).containsExactly("hangs", "P2P", "P2P", "-EREMOTEIO");
    }

    @Test
    void theDataPlaneRunsOnlyForNvmeClientsOfAProviderWithP2pmem() throws Exception {
        Path capture = Path.of(System.getProperty("p2pdma.shared", "../shared")).resolve("conformance/sw-iommu_on-cpu_intel/capture.tar.gz");
        LoadedMachine m = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, capture, List.of(), Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
        List<Optional<RuntimeDecision>> ran = GdsDataPlane.run(m, PciAddress.parse("0000:03:00.0"),
                List.of(PciAddress.parse("0000:04:00.0"), PciAddress.parse("0000:00:1f.2")), List.of(MapType.BUS_ADDR, MapType.NOT_SUPPORTED));
        assertThat(ran.get(0)).hasValueSatisfying(d -> assertThat(d.reason()).contains("read ok, write ok"));
        assertThat(ran.get(1)).as("a SATA controller is no NVMe namespace").isEmpty();
        assertThat(GdsDataPlane.run(m, PciAddress.parse("0000:00:1f.2"), List.of(PciAddress.parse("0000:04:00.0")), List.of(MapType.NOT_SUPPORTED)))
                .as("no p2pmem to map").containsExactly(Optional.empty());
    }
}
