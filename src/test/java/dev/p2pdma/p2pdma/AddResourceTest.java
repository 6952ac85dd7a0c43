package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.KernelLog;
import static dev.p2pdma.p2pdma.ProviderFixtures.BAR_BYTES;
import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.SysfsImporter;
import dev.p2pdma.testing.Topo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Spec 1.2 (pci_p2pdma_add_resource), with 1.1 (the record) and 1.14 (bus offset). */
class AddResourceTest {

    private static final PciAddress NVME = a("0000:03:00.0");
    private static final long BAR2 = 0x1_0000_0000L;
    private static final long MIB2 = 2L << 20;

    @Test
    void theConformanceNvmeCmbIsAddedWithTheKernelsExactLogLine_spec1_2() throws Exception {
        Path dir = ProviderFixtures.shared().resolve("conformance/rpmf-iommu_on-cpu_intel");
        PciTopology t = SysfsImporter.read(dir.resolve("capture.tar.gz"));
        KernelLog log = KernelLog.create();
        P2pDmaProviders p = ProviderFixtures.providers(t, log, 1);
        PciAddress nvme = a("0000:01:00.0");

        assertThat(p.registration().addResource(nvme, 2, 0, 0)).isEmpty();

        String line = "nvme 0000:01:00.0: added peer-to-peer DMA memory 0xf8000000-0xfbffffff";
        assertThat(log.lines()).containsExactly(line);
        assertThat(Files.readString(dir.resolve("expected.json"))).as("the real kernel printed the same line").contains("\"" + line + "\"");
        assertThat(p.provider(nvme).orElseThrow().sizeBytes()).isEqualTo(64L << 20);
    }

    @Test
    void aNonMemoryBarIsInvalid_spec1_2_step1() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        assertThat(p.registration().addResource(NVME, 1, 0, 0)).as("BAR1 is an I/O BAR").contains(Errno.EINVAL);
        assertThat(p.registration().addResource(NVME, 3, 0, 0)).as("BAR3 is not assigned").contains(Errno.EINVAL);
        assertThat(p.registration().addResource(NVME, 7, 0, 0)).as("no such BAR").contains(Errno.EINVAL);
        assertThat(p.provider(NVME)).as("validation failures make no record").isEmpty();
    }

    @Test
    void anOffsetAtOrPastTheEndOfTheBarIsInvalid_spec1_2_step2() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        assertThat(p.registration().addResource(NVME, 2, MIB2, BAR_BYTES)).contains(Errno.EINVAL);
        assertThat(p.registration().addResource(NVME, 2, 0, BAR_BYTES)).as("size 0 at the end: nothing left, yet still step 2").contains(Errno.EINVAL);
        assertThat(p.registration().addResource(NVME, 2, 0, BAR_BYTES + MIB2)).contains(Errno.EINVAL);
        assertThat(p.registration().addResource(NVME, 2, 0, -1L)).as("offsets are unsigned").contains(Errno.EINVAL);
        assertThat(p.provider(NVME)).isEmpty();
    }

    @Test
    void sizeZeroMeansTheRestOfTheBar_spec1_2_step3() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        assertThat(p.registration().addResource(NVME, 2, 0, 4 * MIB2)).isEmpty();
        P2pDmaProvider rec = p.provider(NVME).orElseThrow();
        assertThat(rec.sizeBytes()).isEqualTo(BAR_BYTES - 4 * MIB2);
        assertThat(rec.pagemaps().get(0).cpuStart()).isEqualTo(BAR2 + 4 * MIB2);
    }

    @Test
    void sizePlusOffsetPastTheEndIsInvalidButExactlyTheEndIsFine_spec1_2_step4() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        assertThat(p.registration().addResource(NVME, 2, BAR_BYTES - MIB2 + PageSize.PAGE_SIZE, MIB2)).contains(Errno.EINVAL);
        assertThat(p.registration().addResource(NVME, 2, -MIB2, MIB2)).as("no wrap-around for huge sizes").contains(Errno.EINVAL);
        assertThat(p.provider(NVME)).isEmpty();
        assertThat(p.registration().addResource(NVME, 2, BAR_BYTES - MIB2, MIB2)).isEmpty();
        assertThat(p.provider(NVME).orElseThrow().sizeBytes()).isEqualTo(BAR_BYTES - MIB2);
    }

    @Test
    void theRecordGetsAPoolAMapTypesCacheAndIsNotPublished_spec1_1_spec1_2_step5() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        int idx = p.topology().indexOf(NVME);
        assertThat(p.mapTypes().hasRecord(idx)).isFalse();
        assertThat(p.registration().addResource(NVME, 2, 0, 0)).isEmpty();
        P2pDmaProvider rec = p.provider(NVME).orElseThrow();
        assertThat(p.mapTypes().hasRecord(idx)).isTrue();
        assertThat(p.mapTypes().cachedPairs(idx)).isZero();
        assertThat(rec.published()).isFalse();
        assertThat(p.finder().hasP2pmem(NVME)).isFalse();
        assertThat(rec.sizeBytes()).isEqualTo(BAR_BYTES);
        assertThat(rec.availBytes()).isEqualTo(BAR_BYTES);
    }

    @Test
    void thePageMapCoversTheCpuRangeAndItsPagesAreP2pdmaPages_spec1_2_steps6and7() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        DevicePageMap map = p.provider(NVME).orElseThrow().pagemaps().get(0);
        assertThat(map.type()).isEqualTo(DevicePageMap.Type.PCI_P2PDMA);
        assertThat(map.provider()).isEqualTo(NVME);
        assertThat(map.bar()).isEqualTo(2);
        assertThat(map.cpuStart()).isEqualTo(BAR2);
        assertThat(map.cpuEnd()).isEqualTo(BAR2 + BAR_BYTES - 1);
        assertThat(map.busOffset()).as("x86: bus address = CPU address").isZero();
        Page last = p.memory().memMap().page(PageSize.pfn(map.cpuEnd())).orElseThrow();
        assertThat(last.isP2pdma()).isTrue();
        assertThat(last.pagemap()).contains(map);
        assertThat(p.memory().memMap().page(PageSize.pfn(BAR2 + BAR_BYTES))).isEmpty();
    }

    @Test
    void theChunkRecordsTheBusAddressAsItsPhysAndTheDirectMapAddressAsItsVirt_spec1_2_step8_spec1_14() {
        PciTopology t = ProviderFixtures.switchHost();
        long bus = 0x8000_0000L;
        PhysicalMemory mem = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 1L << 30, 0),
                new PhysicalMemory.Region("0000:03:00.0 BAR2", PhysicalMemory.Kind.MMIO, BAR2, BAR_BYTES, bus)));
        P2pDmaProviders p = P2pDmaProviders.create(t, mem, KernelLog.create(), new SplittableRandom(1));
        assertThat(p.registration().addResource(NVME, 2, 8 * MIB2, 4 * MIB2)).isEmpty();
        P2pDmaProvider rec = p.provider(NVME).orElseThrow();
        GenPool.ChunkInfo<DevicePageMap> chunk = rec.chunks().get(0);
        assertThat(chunk.virtStart()).isEqualTo(DirectMap.virt(BAR2 + 4 * MIB2)).isEqualTo(0xffff888100800000L);
        assertThat(chunk.phys()).as("pci_bus_address(BAR) + offset").isEqualTo(bus + 4 * MIB2);
        assertThat(chunk.sizeBytes()).isEqualTo(8 * MIB2);
        assertThat(chunk.owner().busOffset()).isEqualTo(bus - BAR2);
        assertThat(chunk.owner().busAddress(BAR2 + 4 * MIB2)).isEqualTo(bus + 4 * MIB2);
        assertThat(p.allocator().virtToBus(NVME, chunk.virtStart() + 0x1234)).isEqualTo(bus + 4 * MIB2 + 0x1234);
    }

    @Test
    void everyCallAddsAChunkAtTheHeadAndAPageMap_spec1_2() {
        KernelLog log = KernelLog.create();
        P2pDmaProviders p = ProviderFixtures.providers(log, 1);
        assertThat(p.registration().addResource(NVME, 2, 4 * MIB2, 0)).isEmpty();
        assertThat(p.registration().addResource(NVME, 2, 4 * MIB2, 8 * MIB2)).isEmpty();
        P2pDmaProvider rec = p.provider(NVME).orElseThrow();
        assertThat(rec.pagemaps()).hasSize(2);
        assertThat(rec.chunks()).extracting(GenPool.ChunkInfo::virtStart).containsExactly(DirectMap.virt(BAR2 + 8 * MIB2), DirectMap.virt(BAR2));
        assertThat(rec.sizeBytes()).isEqualTo(8 * MIB2);
        assertThat(log.lines()).containsExactly("nvme 0000:03:00.0: added peer-to-peer DMA memory 0x100000000-0x1007fffff",
                "nvme 0000:03:00.0: added peer-to-peer DMA memory 0x101000000-0x1017fffff");
        P2pMemBlock b = p.allocator().allocP2pmem(NVME, PageSize.PAGE_SIZE).orElseThrow();
        assertThat(b.virt()).as("the newest chunk is tried first").isEqualTo(DirectMap.virt(BAR2 + 8 * MIB2));
    }

    @Test
    void aRangeOverlappingRamGetsTheMemremapErrorAndTheRecordStaysEmpty_spec1_2_step7() {
        PciTopology t = ProviderFixtures.switchHost();
        PhysicalMemory mem = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 8L << 30, 0)));
        KernelLog log = KernelLog.create();
        P2pDmaProviders p = P2pDmaProviders.create(t, mem, log, new SplittableRandom(1));
        assertThat(p.registration().addResource(NVME, 2, 0, 0)).contains(Errno.ENXIO);
        P2pDmaProvider rec = p.provider(NVME).orElseThrow();
        assertThat(rec.pagemaps()).isEmpty();
        assertThat(rec.sizeBytes()).isZero();
        assertThat(log.lines()).isEmpty();
        assertThat(p.sysfs().sizeAttribute(NVME)).isEqualTo("0\n");
    }

    @Test
    void aRangeAlreadyGivenPagesGetsTheMemremapError_spec1_2_step7() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(p.registration().addResource(NVME, 2, MIB2, 0)).contains(Errno.EBUSY);
        assertThat(p.provider(NVME).orElseThrow().pagemaps()).hasSize(1);
    }

    @Test
    void aRangeNotAlignedToA2MibSubsectionFailsWithEinvalAndAWarning_spec1_2_step7() {
        KernelLog log = KernelLog.create();
        P2pDmaProviders p = ProviderFixtures.providers(log, 1);
        assertThat(p.registration().addResource(NVME, 2, 1L << 20, 0)).contains(Errno.EINVAL);
        assertThat(p.registration().addResource(NVME, 2, 0x1000, 0x1000)).contains(Errno.EINVAL);
        assertThat(p.registration().addResource(NVME, 2, 0x100, 0)).as("not even page aligned").contains(Errno.EINVAL);
        assertThat(log.lines()).containsExactly("Misaligned __add_pages start: 0x100000 end: 0x1000ff",
                "Misaligned __add_pages start: 0x100001 end: 0x100001", "Misaligned __add_pages start: 0x100000 end: 0x100000");
        assertThat(p.memory().memMap().page(PageSize.pfn(BAR2))).as("no pages left behind").isEmpty();
        assertThat(p.provider(NVME).orElseThrow().pagemaps()).isEmpty();
        assertThat(p.registration().addResource(NVME, 2, MIB2, 0)).isEmpty();
    }

    @Test
    void aBarWithoutAnMmioRegionUsesItsCpuAddressAsBusAddress_spec1_14() {
        PciTopology t = ProviderFixtures.switchHost();
        PhysicalMemory mem = PhysicalMemory.of(List.of(new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 1L << 30, 0)));
        P2pDmaProviders p = P2pDmaProviders.create(t, mem, KernelLog.create(), new SplittableRandom(1));
        assertThat(p.registration().addResource(NVME, 2, 0, 0)).isEmpty();
        assertThat(p.provider(NVME).orElseThrow().chunks().get(0).phys()).isEqualTo(BAR2);
    }

    @Test
    void aDeviceOutsideTheTopologyIsACallerError() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        assertThatThrownBy(() -> p.registration().addResource(a("0000:09:00.0"), 2, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFunctionWithoutBarsIsInvalid_spec1_2_step1() {
        PciTopology t = Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST).build();
        P2pDmaProviders p = ProviderFixtures.providers(t, KernelLog.create(), 1);
        assertThat(p.registration().addResource(a("0000:00:00.0"), 0, 0, 0)).contains(Errno.EINVAL);
    }
}
