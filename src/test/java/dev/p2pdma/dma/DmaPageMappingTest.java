package dev.p2pdma.dma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** The value dma_map_page_attrs() returns and dma_mapping_error() (spec 3.4). */
class DmaPageMappingTest {

    @Test
    void dmaMappingErrorIsEnomemExactlyForTheErrorAddress_spec3_4() {
        assertThat(DmaPageMapping.ERROR.dmaMappingError()).contains(Errno.ENOMEM);
        assertThat(DmaPageMapping.ERROR.dmaAddress()).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
        assertThat(new DmaPageMapping(0x1000, DmaPageMapping.Kind.PHYSICAL).dmaMappingError()).isEmpty();
        assertThat(DmaPageMapping.of(DmaMasks.DMA_MAPPING_ERROR, DmaPageMapping.Kind.IOVA)).isEqualTo(DmaPageMapping.ERROR);
    }

    @Test
    void anAddressAndAKindThatDisagreeAboutTheErrorAreRejected_spec3_4() {
        assertThatThrownBy(() -> new DmaPageMapping(DmaMasks.DMA_MAPPING_ERROR, DmaPageMapping.Kind.SWIOTLB_SLOT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DmaPageMapping(0, DmaPageMapping.Kind.MAPPING_ERROR)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anInvalidDirectionIsTheKernelsBugNotAMappingError_spec3_2() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        assertThatThrownBy(() -> f.mapping.mapPage(dev, f.machine.ramPage(0), 0, PageSize.PAGE_SIZE, DmaDirection.NONE, DmaAttrs.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BUG");
        assertThatThrownBy(() -> f.mapping.unmapPage(dev, 0x1000, PageSize.PAGE_SIZE, DmaDirection.NONE, DmaAttrs.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BUG");
    }
}
