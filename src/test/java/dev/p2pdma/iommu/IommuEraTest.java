package dev.p2pdma.iommu;

import dev.p2pdma.testing.SwitchMachine;
import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Spec 5.3, 9.2 patch 08, 9.4: dma-iommu marks bus segments where the era marks them, and clears the mark on unmap only where the era does. */
class IommuEraTest {

    /** Per era, from the spec: the bus segment's mark is in page_link (else dma_flags), and whether it is still there after unmap. */
    static Stream<Arguments> eras() {
        return Stream.of(Arguments.of(Era.RFC, true, true), Arguments.of(Era.SG, false, false), Arguments.of(Era.IOVA25, false, false),
                Arguments.of(Era.NEXT, false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eras")
    void busSegmentsAreMarkedAndUnmarkedAsTheEraSays_spec5_3_spec9(Era era, boolean pageLinkMark, boolean markSurvivesUnmap) {
        IommuFixture f = IommuFixture.intel();
        IommuDomain d = f.domain(IommuDomainFlushMode.STRICT);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, d).build();
        DmaMapping m = f.mapping.withEra(era);
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(1), 8, 64), seg(f.machine.ramPage(2)));
        assertThat(m.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(3);
        SgEntry bus = entries(t).get(1);
        assertThat(bus.isPageLinkP2pdma()).as("page_link mark").isEqualTo(pageLinkMark);
        assertThat(bus.isDmaBusAddress()).as("dma_flags mark").isEqualTo(!pageLinkMark);
        m.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(bus.isPageLinkP2pdma() || bus.isDmaBusAddress()).as("mark after unmap").isEqualTo(markSurvivesUnmap);
        assertThat(d.pageTable().isEmpty()).as("page table empty after unmap").isTrue();
        assertThat(d.iovaDomain().orElseThrow().allocatedPfns()).as("IOVA freed").isZero();
    }
}
