package dev.p2pdma.dma;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.MapTypeCache;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.SysfsImporter;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Spec 3.3 on a real machine's capture (rpmf-iommu_off-cpu_intel, Linux 6.12, IOMMU off): the
 * provider 01:00.0's CMB (BAR 2, 64 MiB) mapped for its sibling 01:00.1 (BUS_ADDR, where the real
 * kernel's O_DIRECT test moved verified data) and for the AHCI controller 00:1f.2 (NOT_SUPPORTED
 * on this Intel host bridge).
 */
class ConformanceCaptureDmaTest {

    /** The conformance case directory. */
    private static final Path CASE = Path.of(System.getProperty("p2pdma.shared", "../shared"), "conformance/rpmf-iommu_off-cpu_intel");
    /** The NVMe function whose CMB is p2pmem. */
    private static final PciAddress PROVIDER = PciAddress.parse("0000:01:00.0");

    /** The captured tree. */
    private PciTopology topology;
    /** RAM plus the captured BARs. */
    private PhysicalMemory memory;
    /** The log. */
    private DmaWarnings warnings;
    /** The SG-era core. */
    private DmaMapping mapping;
    /** The CMB page map. */
    private DevicePageMap cmb;

    @BeforeEach
    void setUp() throws Exception {
        topology = SysfsImporter.read(CASE.resolve("capture.tar.gz"));
        memory = PhysicalMemory.forTopology(topology, 1L << 30);
        Bar bar2 = topology.function(PROVIDER).orElseThrow().bars().stream().filter(b -> b.index() == 2).findFirst().orElseThrow();
        PhysicalMemory.Region region = memory.regionOf(bar2.cpuAddress(), bar2.sizeBytes()).orElseThrow();
        cmb = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PROVIDER, 2, region.cpuStart(), region.sizeBytes(), region.busOffset());
        assertThat(memory.memMap().memremap(cmb)).isEmpty();
        warnings = DmaWarnings.create();
        MapTypeCache cache = new MapTypeCache(P2pDmaDecision.of(topology));
        mapping = DmaMapping.create(memory, P2pMapTypes.of(topology, cache, warnings.log()), warnings);
    }

    private SgTable cmbPages(int n) {
        SgTable t = new SgTable();
        assertThat(t.alloc(n)).isEmpty();
        long pfn = PageSize.pfn(cmb.cpuStart());
        for (SgEntry e : t.cpuEntries()) {
            e.setPage(memory.memMap().pageOrThrow(pfn++), PageSize.PAGE_SIZE, 0);
        }
        return t;
    }

    private DmaDevice client(String address) {
        return DmaDevice.forPci(topology, PciAddress.parse(address)).dmaMaskAndCoherent(DmaMasks.bitMask(64)).build();
    }

    @Test
    void theSiblingFunctionGetsBusAddressesAndReadsTheCmbBytes_spec3_3() {
        DmaDevice sibling = client("0000:01:00.1");
        byte[] data = SgLists.pattern(2 * PageSize.PAGE_SIZE, 42);
        memory.write(cmb.cpuStart(), data, 0, data.length);
        SgTable t = cmbPages(2);
        assertThat(mapping.mapSgtable(sibling, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEqualTo(DmaMapResult.ok(2));
        List<SgEntry> es = t.entries(2);
        assertThat(es.get(0).dmaAddress()).isEqualTo(0xf800_0000L);
        assertThat(es).allMatch(SgEntry::isDmaBusAddress);
        DeviceDma device = DeviceDma.of(topology, memory);
        assertThat(device.readSegment(sibling, es.get(1))).isEqualTo(Arrays.copyOfRange(data, 4096, 8192));
        mapping.unmapSgtable(sibling, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(es).noneMatch(SgEntry::isDmaBusAddress);
    }

    @Test
    void theAhciControllerIsRefusedWithEremoteioAndTheKernelsOwnLine_spec3_3() throws Exception {
        DmaDevice ahci = client("0000:00:1f.2");
        assertThat(mapping.mapSgtable(ahci, cmbPages(1), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EREMOTEIO);
        JsonNode expected = JsonMapper.builder().build().readTree(CASE.resolve("expected.json").toFile());
        List<String> dmesg = expected.get("dmesg").valueStream().map(JsonNode::asString).toList();
        assertThat(warnings.lines()).isNotEmpty();
        assertThat(dmesg).containsAll(warnings.lines());
    }

    @Test
    void theProvidersOwnFunctionGetsBusAddresses_spec3_3() {
        DmaDevice self = client("0000:01:00.0");
        SgTable t = cmbPages(1);
        assertThat(mapping.mapSgtable(self, t, DmaDirection.FROM_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(1);
        assertThat(t.entries(1).get(0).isDmaBusAddress()).isTrue();
    }
}
