package dev.p2pdma.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.pci.io.ImportException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Scenarios with {@code backend: iommu} on real Linux 6.12 captures with the IOMMU on (spec 5.1, 5.3). */
class MapScenarioIommuTest {

    private static final Path CASES = Path.of(System.getProperty("p2pdma.shared", "../shared"), "conformance").toAbsolutePath();

    private static MapOutcome run(String capture, String client, String iommu, String sg) throws ImportException {
        String yaml = "topology: {sysfs: " + capture + "/capture.tar.gz}\n"
                + "providers: [{device: 0000:01:00.0, bar: 2}]\n"
                + "client: {device: " + client + ", backend: iommu" + iommu + "}\n"
                + "sg:\n" + sg;
        return MapScenarioRunner.run(MapScenarioReader.read(yaml, "t.yaml", CASES), "t.yaml");
    }

    @Test
    void ramGetsOneIovaRunAndTheCmbKeepsItsBusAddress_spec5_3() throws Exception {
        MapOutcome o = run("rpmf-iommu_on-cpu_intel-acsredir_off", "0000:01:00.1", "",
                "  - ram: {phys: 0x100000, length: 8KiB}\n  - ram: {phys: 0x300000, length: 4KiB}\n  - p2pmem: {provider: 0000:01:00.0, length: 16KiB}\n");
        assertThat(o.error()).isEmpty();
        assertThat(o.nents()).isEqualTo(2);
        assertThat(o.segments().get(0).flags()).containsExactly("IOVA");
        assertThat(o.segments().get(0).dmaLength()).isEqualTo(12288);
        assertThat(o.segments().get(1).flags()).containsExactly("BUS_ADDRESS");
        assertThat(o.segments().get(1).dmaAddress()).isEqualTo(0xf8000000L);
        MapOutcome.IommuUse io = o.iommu().orElseThrow();
        assertThat(io.group()).isEqualTo(1);
        assertThat(io.pageTableBytesAfterMap()).isEqualTo(12288);
        assertThat(io.iovaPagesAfterUnmap()).isZero();
        assertThat(io.pageTableBytesAfterUnmap()).isZero();
    }

    @Test
    void notSupportedThroughTheIommuIsEremoteioWithNothingHeld_spec5_3() throws Exception {
        MapOutcome o = run("rpmf-iommu_on-cpu_intel", "0000:00:1f.2", "",
                "  - ram: {phys: 0x100000, length: 4KiB}\n  - p2pmem: {provider: 0000:01:00.0, length: 4KiB}\n");
        assertThat(o.error()).contains("EREMOTEIO");
        assertThat(o.iommu().orElseThrow().iovaPagesAfterMap()).isZero();
        assertThat(o.iommu().orElseThrow().pageTableBytesAfterMap()).isZero();
    }

    @Test
    void lazyModeLeavesTheFreedIovaInTheFlushQueue_spec5_1() throws Exception {
        MapOutcome o = run("rpmf-iommu_on-cpu_amd", "0000:00:1f.2", ", iommu: {mode: lazy}",
                "  - ram: {phys: 0x100000, length: 4KiB}\n  - p2pmem: {provider: 0000:01:00.0, length: 4KiB}\n");
        assertThat(o.nents()).isEqualTo(1);
        assertThat(o.segments().get(0).dmaLength()).as("THRU_HOST_BRIDGE is mapped like RAM").isEqualTo(8192);
        MapOutcome.IommuUse io = o.iommu().orElseThrow();
        assertThat(io.mode()).isEqualTo("lazy");
        assertThat(io.queuedPagesAfterUnmap()).isEqualTo(2);
        assertThat(io.pageTableBytesAfterUnmap()).isZero();
    }

    @Test
    void anIdentityDomainMapsPhysicalAddresses_spec5_1() throws Exception {
        MapOutcome o = run("rpmf-iommu_on-cpu_intel-acsredir_off", "0000:01:00.1", ", iommu: {domain: identity}",
                "  - ram: {phys: 0x100000, length: 4KiB}\n");
        assertThat(o.segments().get(0).dmaAddress()).isEqualTo(0x100000L);
        assertThat(o.segments().get(0).flags()).isEmpty();
        assertThat(o.iommu().orElseThrow().domain()).isEqualTo("identity");
    }

    @Test
    void iommuOptionsWithoutTheIommuBackendAreOneLine() {
        String yaml = "topology: {sysfs: rpmf-iommu_on-cpu_intel/capture.tar.gz}\nclient: {device: 0000:01:00.1, iommu: {mode: lazy}}\n"
                + "sg:\n  - ram: {phys: 0x100000, length: 4KiB}\n";
        assertThatThrownBy(() -> MapScenarioReader.read(yaml, "t.yaml", CASES)).isInstanceOf(ImportException.class)
                .hasMessageContaining("client.iommu needs backend: iommu");
        String bad = "topology: {sysfs: rpmf-iommu_on-cpu_intel/capture.tar.gz}\nclient: {device: 0000:01:00.1, backend: iommu, iommu: {mode: fast}}\n"
                + "sg:\n  - ram: {phys: 0x100000, length: 4KiB}\n";
        assertThatThrownBy(() -> MapScenarioReader.read(bad, "t.yaml", CASES)).isInstanceOf(ImportException.class)
                .hasMessageContaining("field 'mode' of client.iommu must be one of strict, lazy; got 'fast'");
    }
}
