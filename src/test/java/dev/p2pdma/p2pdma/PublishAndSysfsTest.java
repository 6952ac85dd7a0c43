package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import static dev.p2pdma.p2pdma.ProviderFixtures.BAR_BYTES;
import static dev.p2pdma.p2pdma.ProviderFixtures.a;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.SysfsImporter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Spec 1.5 (publish, has_p2pmem) and 1.6 (the size, available and published attributes). */
class PublishAndSysfsTest {

    private static final PciAddress NVME = a("0000:03:00.0");
    private static final PciAddress OTHER = a("0000:04:00.0");

    @Test
    void publishingWithoutARecordDoesNothing_spec1_5() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        p.finder().publish(NVME, true);
        assertThat(p.finder().hasP2pmem(NVME)).isFalse();
        assertThat(p.provider(NVME)).isEmpty();
        assertThat(p.sysfs().publishedAttribute(NVME)).isEqualTo("0\n");
    }

    @Test
    void hasP2pmemNeedsARecordThatIsPublished_spec1_5() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(p.finder().hasP2pmem(NVME)).isFalse();
        p.finder().publish(NVME, true);
        assertThat(p.finder().hasP2pmem(NVME)).isTrue();
        assertThat(p.finder().hasP2pmem(OTHER)).isFalse();
        p.finder().publish(NVME, false);
        assertThat(p.finder().hasP2pmem(NVME)).isFalse();
    }

    @Test
    void unpublishingDoesNotRevokeAllocations_spec1_5() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        p.finder().publish(NVME, true);
        P2pMemBlock b = p.allocator().allocP2pmem(NVME, 8192).orElseThrow();
        p.finder().publish(NVME, false);
        assertThat(p.provider(NVME).orElseThrow().availBytes()).isEqualTo(BAR_BYTES - 8192);
        assertThat(p.allocator().virtToBus(NVME, b.virt())).isEqualTo(0x1_0000_0000L);
        assertThat(p.allocator().allocP2pmem(NVME, 4096)).as("the owning driver may still allocate").isPresent();
        p.allocator().freeP2pmem(b);
    }

    @Test
    void attributesReadZeroWithoutARecord_spec1_6() {
        P2pDmaProviders p = ProviderFixtures.providers(KernelLog.create(), 1);
        assertThat(p.sysfs().sizeAttribute(NVME)).isEqualTo("0\n");
        assertThat(p.sysfs().availableAttribute(NVME)).isEqualTo("0\n");
        assertThat(p.sysfs().publishedAttribute(NVME)).isEqualTo("0\n");
        assertThat(p.sysfs().p2pmemInfo(NVME)).as("no p2pmem group").isEmpty();
    }

    @Test
    void attributesAreDecimalTextWithANewline_spec1_6() {
        P2pDmaProviders p = ProviderFixtures.withWholeBar("0000:03:00.0");
        assertThat(p.sysfs().sizeAttribute(NVME)).isEqualTo("67108864\n");
        assertThat(p.sysfs().availableAttribute(NVME)).isEqualTo("67108864\n");
        assertThat(p.sysfs().publishedAttribute(NVME)).isEqualTo("0\n");
        p.allocator().allocP2pmem(NVME, 100).orElseThrow();
        assertThat(p.sysfs().availableAttribute(NVME)).as("page granular").isEqualTo("67104768\n");
        p.finder().publish(NVME, true);
        assertThat(p.sysfs().publishedAttribute(NVME)).isEqualTo("1\n");
    }

    @Test
    void theAllocateAttributeIsMode0660AndDeclares1Tib_spec1_6() {
        assertThat(P2pMemAllocateFile.MODE).isEqualTo(0660);
        assertThat(P2pMemAllocateFile.DECLARED_SIZE_BYTES).isEqualTo(1L << 40);
    }

    @Test
    void theNvmeDriversStateReproducesTheCapturedAttributes_spec1_6() throws Exception {
        Path capture = ProviderFixtures.shared().resolve("conformance/rpmf-iommu_on-cpu_intel/capture.tar.gz");
        PciTopology t = SysfsImporter.read(capture);
        PciAddress nvme = a("0000:01:00.0");
        P2pMemInfo captured = t.function(nvme).orElseThrow().p2pmem().orElseThrow();
        P2pDmaProviders p = ProviderFixtures.providers(t, KernelLog.create(), 1);
        // what nvme-pci does at probe: register the CMB, publish it, put its 64 KiB submission queue in it
        p.registration().addResource(nvme, 2, 0, 0);
        p.finder().publish(nvme, true);
        p.allocator().allocP2pmem(nvme, 64 << 10).orElseThrow();
        assertThat(p.sysfs().p2pmemInfo(nvme)).contains(captured);
        assertThat(p.sysfs().sizeAttribute(nvme)).isEqualTo("67108864\n");
        assertThat(p.sysfs().availableAttribute(nvme)).isEqualTo("67043328\n");
        assertThat(p.sysfs().publishedAttribute(nvme)).isEqualTo("1\n");
    }
}
