package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.fabric.FabricTransfer;
import dev.p2pdma.iommu.IommuDomainType;
import dev.p2pdma.p2pdma.P2pMemAllocateFile;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.mm.PageSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A running machine is booted as the traced Linux 6.12 guests were (issue 11 part 1): the DMA setup
 * its command line selects, one IOMMU domain of the right type per group, the NVMe CMB registered
 * with the driver's queue memory taken first (so {@code available} and the p2pmem mmap's bus
 * address match the traces), and a fabric every endpoint's DMA goes through.
 */
class RunningMachineTest {

    /** The traced boots. */
    private static final Path TRACES = Path.of("../shared/dma-traces");
    /** JSON. */
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    static Stream<Path> tracedBoots() throws IOException {
        try (Stream<Path> s = Files.list(TRACES)) {
            List<Path> cases = s.filter(p -> Files.isRegularFile(p.resolve("dma.json"))).sorted().toList();
            assertThat(cases).as("traced boots in %s", TRACES).isNotEmpty();
            return cases.stream();
        }
    }

    private static RunningMachine boot(Path traced) throws ImportException {
        LoadedMachine loaded = LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, traced.resolve("capture.tar.gz"), List.of(), Optional.empty(),
                UnknownAcsPolicy.NO_REDIRECT);
        return RunningMachine.boot(loaded, RunningMachine.DEFAULT_RAM_BYTES);
    }

    @ParameterizedTest
    @MethodSource("tracedBoots")
    void theCommandLineSelectsTheTracedDmaSetup_issue11part1(Path traced) throws Exception {
        JsonNode d = JSON.readTree(traced.resolve("dma.json").toFile());
        RunningMachine m = boot(traced);
        String iommu = d.get("iommu").asString();

        assertThat(m.dmaSetup().iommu()).as(iommu).isEqualTo(iommu.startsWith("on, strict") ? IommuMode.STRICT
                : iommu.startsWith("on, lazy") ? IommuMode.LAZY : iommu.startsWith("on, identity") ? IommuMode.IDENTITY : IommuMode.OFF);
        assertThat(m.dmaSetup().forceBounce()).as(iommu).isEqualTo(iommu.contains("swiotlb=force"));
        for (Map.Entry<String, JsonNode> e : d.get("iommu_group_types").properties()) {
            PciAddress a = PciAddress.parse(e.getKey());
            String expected = e.getValue().isNull() ? "none" : e.getValue().asString();
            assertThat(m.dmaSetup().iommu().groupType()).as(a.toString()).isEqualTo(expected);
            assertThat(m.domainOf(a).isPresent()).as(a.toString()).isEqualTo(!e.getValue().isNull());
            m.domainOf(a).ifPresent(dom -> assertThat(dom.type()).isEqualTo(IommuDomainType.DMA));
            assertThat(m.device(a).isSwiotlbForceBounce()).isEqualTo(m.dmaSetup().forceBounce());
        }
    }

    @ParameterizedTest
    @MethodSource("tracedBoots")
    void theCmbPoolMatchesTheCaptureAndItsMmapStartsAfterTheDriversQueues_issue11part1(Path traced) throws Exception {
        JsonNode d = JSON.readTree(traced.resolve("dma.json").toFile());
        RunningMachine m = boot(traced);
        PciAddress provider = PciAddress.parse(d.get("p2pmem_provider").asString());
        JsonNode dev = null;
        for (JsonNode n : d.get("device_dma").get("devices")) {
            if (n.get("bdf").asString().equals(provider.toString())) {
                dev = n;
            }
        }
        assertThat(dev).isNotNull();
        assertThat(m.providers().sysfs().availableAttribute(provider).strip()).isEqualTo(dev.get("p2pmem/available").asString());
        assertThat(m.providers().sysfs().sizeAttribute(provider).strip()).isEqualTo(dev.get("p2pmem/size").asString());

        P2pMemAllocateFile file = m.providers().sysfs().allocateFile(provider, "p2pt").orElseThrow();
        P2pMemAllocateFile.MmapResult r = file.mmap(true, 0, 2L << 20);
        assertThat(r).isInstanceOf(P2pMemAllocateFile.Mapped.class);
        long firstPagePhys = PageSize.phys(((P2pMemAllocateFile.Mapped) r).mapping().page(0).pfn());
        long barStart = d.get("p2pmem_bars").get(0).get("start").asLong();
        long driverQueues = dev.get("p2pmem/size").asLong() - dev.get("p2pmem/available").asLong();
        assertThat(firstPagePhys).isEqualTo(barStart + driverQueues);
    }

    @ParameterizedTest
    @MethodSource("tracedBoots")
    void everyEndpointsDmaGoesThroughTheFabric_issue11part1(Path traced) throws Exception {
        JsonNode d = JSON.readTree(traced.resolve("dma.json").toFile());
        RunningMachine m = boot(traced);
        PciAddress client = PciAddress.parse(d.get("device_dma").get("devices").get(1).get("bdf").asString());
        long buffer = 256L << 20;
        byte[] data = new byte[512];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 13 + 1);
        }
        FabricTransfer t = m.fabric().write(m.topology().indexOf(client), buffer, data);
        if (m.dmaSetup().iommu().translates()) {
            assertThat(t.completed()).as("an unmapped IOVA faults: %s", t).isFalse();
            assertThat(m.memory().read(buffer, 512)).isEqualTo(new byte[512]);
        } else {
            assertThat(t.completed()).as("%s", t).isTrue();
            assertThat(m.memory().read(buffer, 512)).isEqualTo(data);
        }
    }
}
