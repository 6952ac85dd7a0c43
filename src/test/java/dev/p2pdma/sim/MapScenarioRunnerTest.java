package dev.p2pdma.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.pci.io.ImportException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Scenarios end to end on a real Linux 6.12 capture (rpmf: provider 01:00.0 with a 64 MiB CMB in
 * BAR 2, client 01:00.1 behind the same root port; 00:1f.2 on the root bus). Spec 1.14, 3.2-3.4.
 */
class MapScenarioRunnerTest {

    private static final Path CASES = Path.of(System.getProperty("p2pdma.shared", "../shared"), "conformance").toAbsolutePath();

    private static MapOutcome run(String cpu, String client, String era, String sg) throws ImportException {
        String yaml = "topology: {sysfs: rpmf-iommu_off-cpu_" + cpu + "/capture.tar.gz}\n"
                + "era: " + era + "\n"
                + "providers: [{device: 0000:01:00.0, bar: 2}]\n"
                + "client: {device: " + client + "}\n"
                + "sg:\n" + sg;
        return MapScenarioRunner.run(MapScenarioReader.read(yaml, "t.yaml", CASES), "t.yaml");
    }

    private static final String MIXED = "  - ram: {phys: 0x100000, length: 8KiB}\n  - p2pmem: {provider: 0000:01:00.0, length: 16KiB}\n";

    @Test
    void aBusAddressSegmentGetsTheBarsBusAddressAndTheMark_spec1_14_spec3_3() throws Exception {
        MapOutcome o = run("intel", "0000:01:00.1", "sg", MIXED);
        assertThat(o.error()).isEmpty();
        assertThat(o.returnValue()).isZero();
        assertThat(o.nents()).isEqualTo(2);
        MapOutcome.Segment p2p = o.segments().get(1);
        assertThat(p2p.flags()).containsExactly("BUS_ADDRESS");
        assertThat(p2p.dmaAddress()).isEqualTo(0xf8000000L);
        assertThat(o.segments().get(0).dmaAddress()).isEqualTo(0x100000L);
        assertThat(o.kernelLog()).contains("nvme 0000:01:00.0: added peer-to-peer DMA memory 0xf8000000-0xfbffffff");
    }

    @Test
    void aNotSupportedPathFailsTheWholeTableWithEremoteioAndLeavesNothingMapped_spec3_2() throws Exception {
        MapOutcome o = run("intel", "0000:00:1f.2", "sg", MIXED);
        assertThat(o.error()).contains("EREMOTEIO");
        assertThat(o.returnValue()).isEqualTo(-121);
        assertThat(o.segments()).noneMatch(MapOutcome.Segment::mapped);
        assertThat(o.swiotlbUsedSlotsAfterMap()).isZero();
        assertThat(o.kernelLog()).anyMatch(l -> l.contains("cannot be used for peer-to-peer DMA"));
    }

    @Test
    void throughTheHostBridgeTheSegmentIsMappedLikeRam_spec3_3() throws Exception {
        MapOutcome o = run("amd", "0000:00:1f.2", "sg", MIXED);
        assertThat(o.error()).isEmpty();
        assertThat(o.segments().get(1).flags()).isEmpty();
        assertThat(o.segments().get(1).dmaAddress()).isEqualTo(o.segments().get(1).physAddress());
    }

    @Test
    void inTheRfcEraDmaMapSgItselfReturnsEremoteio_spec9() throws Exception {
        MapOutcome o = run("intel", "0000:00:1f.2", "rfc", MIXED);
        assertThat(o.call()).isEqualTo("dma_map_sg");
        assertThat(o.returnValue()).isEqualTo(-121);
    }

    @Test
    void unknownDevicesAndUnregisteredProvidersAreNamed() {
        assertThatThrownBy(() -> run("intel", "0000:09:00.0", "sg", MIXED)).hasMessageContaining("client 0000:09:00.0 is not a PCI function");
        assertThatThrownBy(() -> run("intel", "0000:01:00.1", "sg", "  - p2pmem: {provider: 0000:01:00.1, length: 4KiB}\n"))
                .hasMessageContaining("0000:01:00.1 has no p2pmem");
        assertThatThrownBy(() -> run("intel", "0000:01:00.1", "sg", "  - ram: {phys: 0x7fff0000, length: 4KiB}\n"))
                .hasMessageContaining("is not in RAM");
    }

    @Test
    void onlyTheSegmentThatBouncedIsShownAsSwiotlb_spec3_4() throws Exception {
        String yaml = "topology: {sysfs: rpmf-iommu_off-cpu_intel/capture.tar.gz}\n"
                + "ram: 8GiB\n"
                + "client: {device: 0000:01:00.1, dma_mask_bits: 32}\n"
                + "sg:\n  - ram: {phys: 0x1000, length: 4KiB}\n  - ram: {phys: 0x140000000, length: 4KiB}\n";
        MapOutcome o = MapScenarioRunner.run(MapScenarioReader.read(yaml, "t.yaml", CASES), "t.yaml");
        assertThat(o.error()).isEmpty();
        assertThat(o.segments().get(0).flags()).isEmpty();
        assertThat(o.segments().get(0).dmaAddress()).isEqualTo(0x1000L);
        assertThat(o.segments().get(1).flags()).containsExactly("SWIOTLB");
        assertThat(o.swiotlbUsedSlotsAfterMap()).isPositive();
        assertThat(o.swiotlbUsedSlotsAfterUnmap()).isZero();
    }
}
