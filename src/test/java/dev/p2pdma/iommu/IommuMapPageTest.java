package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaPageMapping;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** iommu_dma_map_page / iommu_dma_unmap_page (spec 5.2, 5.3, 6.8 fast path): what only dma-iommu does with one range. */
class IommuMapPageTest {

    private final IommuFixture f = IommuFixture.intel();
    private final IommuDomain domain = f.domain(IommuDomainFlushMode.STRICT);

    private DmaDevice.Builder dev() {
        return f.client(SwitchMachine.SWITCH_PEER, domain);
    }

    @Test
    void aPciDeviceGetsItsFirstIovaBelow4GibAndTheRangeTranslatesToThePage_spec5_2_spec5_3() {
        DmaDevice d = dev().build();
        DmaPageMapping p = f.mapping.mapPage(d, f.machine.ramPage(5), 0x100, 2 * PageSize.PAGE_SIZE, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
        assertThat(p.kind()).isEqualTo(DmaPageMapping.Kind.IOVA);
        assertThat(Long.compareUnsigned(p.dmaAddress(), DmaMasks.bitMask(32))).as("32-bit first").isLessThan(0);
        assertThat(domain.iovaToPhys(p.dmaAddress())).hasValue(f.machine.ramPage(5).physAddress() + 0x100);
        assertThat(domain.iovaToPhys(p.dmaAddress() + 2 * PageSize.PAGE_SIZE - 1))
                .hasValue(f.machine.ramPage(5).physAddress() + 0x100 + 2 * PageSize.PAGE_SIZE - 1);
        assertThat(domain.pageTable().mappedBytes()).as("three granules for 8 KiB at offset 0x100").isEqualTo(3 * PageSize.PAGE_SIZE);
        f.mapping.unmapPage(d, p.dmaAddress(), 2 * PageSize.PAGE_SIZE, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
        assertThat(domain.iovaToPhys(p.dmaAddress())).as("strict: gone at unmap").isEmpty();
        assertThat(domain.pageTable().mappedBytes()).isZero();
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void aMinAlignMaskWiderThanTheGranuleWarnsOnceAndFailsWithNothingHeld_spec5_3() {
        DmaDevice d = dev().minAlignMask(8191).build();
        for (int i = 0; i < 2; i++) {
            assertThat(f.mapping.mapPage(d, f.machine.ramPage(i), 0, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE))
                    .isEqualTo(DmaPageMapping.ERROR);
        }
        assertThat(f.warnings.warnings()).containsExactly("WARNING: " + d.name() + ": Unsupported alignment constraint");
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
        assertThat(domain.pageTable().mappedBytes()).isZero();
    }

    @Test
    void unmappingAnAddressThePageTableDoesNotTranslateOnlyWarns_spec5_3() {
        DmaDevice d = dev().build();
        DmaPageMapping p = f.mapping.mapPage(d, f.machine.ramPage(0), 0, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        f.mapping.unmapPage(d, p.dmaAddress() + 16 * PageSize.PAGE_SIZE, PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(f.warnings.warnings()).singleElement().asString().contains("WARN_ON(!phys)");
        assertThat(domain.pageTable().mappedBytes()).as("the real mapping untouched").isEqualTo(PageSize.PAGE_SIZE);
        f.mapping.unmapPage(d, p.dmaAddress(), PageSize.PAGE_SIZE, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(domain.pageTable().mappedBytes()).isZero();
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void aContiguous128KibRangeTakesOneNaturallyAlignedIovaOf32Pages_spec5_4_spec7_9() {
        DmaDevice d = dev().minAlignMask(4095).build();
        long size = 128 << 10;
        DmaPageMapping p = f.mapping.mapPage(d, f.machine.ram(0x40_0000), 0, size, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(p.dmaAddress() & (size - 1)).as("naturally aligned").isZero();
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isEqualTo(32);
        assertThat(domain.iovaToPhys(p.dmaAddress() + size - 1)).hasValue(0x40_0000 + size - 1);
        f.mapping.unmapPage(d, p.dmaAddress(), size, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
        assertThat(domain.pageTable().mappedBytes()).isZero();
    }
}
