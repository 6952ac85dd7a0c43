package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.stream.Stream;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Spec 9 and 3.2: the mapping core and the backends follow the era they are given (the RFC v2 shape next to the merged one). */
class DmaMappingEraTest {

    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();
    /** The same machine in the RFC shape. */
    private final DmaMapping rfc = f.mapping.withEra(Era.RFC);

    @Test
    void rfcDmaMapSgReturnsMinusEremoteioForUnreachableP2pMemory_spec3_2_spec9_2() {
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(0)));
        assertThat(rfc.mapSg(dev, t.first().orElseThrow(), 2, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEqualTo(Errno.EREMOTEIO.negative());
        assertThat(entries(t).get(1).dmaAddress()).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
    }

    @Test
    void rfcDmaMapSgReturnsZeroForAResourceFailure_spec9_2() {
        Swiotlb small = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 128, 1, () -> 0);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(small).build();
        SgTable t = table(seg(f.machine.ramPage(0), 0, 200 * 2048), seg(f.machine.ramPage(100)));
        assertThat(rfc.mapSg(dev, t.first().orElseThrow(), 2, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isZero();
        assertThat(f.warnings.warnings()).noneMatch(l -> l.contains("__dma_map_sg_attrs"));
    }

    @Test
    void rfcDmaMapSgtableTurnsEveryFailureIntoEinval_spec9_4() {
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT).build();
        assertThat(rfc.mapSgtable(dev, table(seg(f.machine.p2pPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EINVAL);
        assertThat(f.mapping.mapSgtable(dev, table(seg(f.machine.p2pPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error())
                .contains(Errno.EREMOTEIO);
    }

    @Test
    void rfcMarksBusAddressesInPageLinkAndSgInDmaFlags_spec2_1_spec9_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable a = table(seg(f.machine.p2pPage(0)));
        SgTable b = table(seg(f.machine.p2pPage(0)));
        rfc.mapSgtable(dev, a, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        f.mapping.mapSgtable(dev, b, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(entries(a).get(0).isPageLinkP2pdma()).isTrue();
        assertThat(entries(a).get(0).isDmaBusAddress()).isFalse();
        assertThat(entries(b).get(0).isDmaBusAddress()).isTrue();
        assertThat(entries(b).get(0).isPageLinkP2pdma()).isFalse();
    }

    @Test
    void rfcUnmapSkipsMarkedEntriesAndLeavesTheMarkSgClearsIt_spec3_3_spec9_3() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable a = table(seg(f.machine.p2pPage(0)));
        SgTable b = table(seg(f.machine.p2pPage(0)));
        rfc.mapSgtable(dev, a, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        rfc.unmapSgtable(dev, a, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        f.mapping.mapSgtable(dev, b, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        f.mapping.unmapSgtable(dev, b, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(entries(a).get(0).isPageLinkP2pdma()).isTrue();
        assertThat(entries(b).get(0).isDmaBusAddress()).isFalse();
    }

    @Test
    void rfcComputesTheBusAddressWithTheSeriesFormulaSgWithTheFixedOne_spec1_14_spec9_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable a = table(seg(f.machine.p2pPage(2), 64, 512));
        SgTable b = table(seg(f.machine.p2pPage(2), 64, 512));
        rfc.mapSgtable(dev, a, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        f.mapping.mapSgtable(dev, b, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        long phys = SwitchMachine.BAR_CPU + 2 * PageSize.PAGE_SIZE + 64;
        SgEntry ra = entries(a).get(0);
        assertThat(ra.dmaAddress()).isEqualTo(phys + 64 - SwitchMachine.BUS_OFFSET);
        assertThat(entries(b).get(0).dmaAddress()).isEqualTo(phys + SwitchMachine.BUS_OFFSET).isEqualTo(SwitchMachine.BAR_BUS + 2 * 4096 + 64);
    }

    @Test
    void withAZeroBusOffsetAndAPageAlignedSegmentBothFormulasAgree_spec1_14() {
        DmaFixture x86 = DmaFixture.intel();
        DevicePageMap pm = new DevicePageMap(7, DevicePageMap.Type.PCI_P2PDMA, SwitchMachine.PROVIDER, 4, 0x3_0000_0000L,
                PageSize.PAGE_SIZE, 0);
        Page page = Page.device(PageSize.pfn(0x3_0000_0000L), pm);
        DmaDevice dev = x86.client(SwitchMachine.SWITCH_PEER).build();
        SgTable a = table(seg(page));
        SgTable b = table(seg(page));
        x86.mapping.withEra(Era.RFC).mapSgtable(dev, a, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        x86.mapping.mapSgtable(dev, b, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(entries(a).get(0).dmaAddress()).isEqualTo(entries(b).get(0).dmaAddress()).isEqualTo(0x3_0000_0000L);
    }

    /**
     * What the mapping core shows in each era whose dma_map_sg() knows P2PDMA pages, from the spec:
     * dma_map_sg() of an unreachable P2PDMA page, dma_map_sgtable()'s errno for it, whether that
     * entry is left holding DMA_MAPPING_ERROR, whether the bus address is marked in page_link (else
     * dma_flags) and still marked after unmap, the BUS_ADDR DMA address of page 2 + 64, and what
     * dma_map_sgtable() says when legacy ops report a failure with 0.
     */
    static Stream<Arguments> eras() {
        long phys = SwitchMachine.BAR_CPU + 2 * PageSize.PAGE_SIZE + 64;
        long merged = phys + SwitchMachine.BUS_OFFSET;
        long series = phys + 64 - SwitchMachine.BUS_OFFSET;
        return Stream.of(
                Arguments.of(Era.RFC, Errno.EREMOTEIO.negative(), Errno.EINVAL, true, true, true, series, Errno.EINVAL, false),
                Arguments.of(Era.SG, 0, Errno.EREMOTEIO, false, false, false, merged, Errno.EIO, true),
                Arguments.of(Era.IOVA25, 0, Errno.EREMOTEIO, false, false, false, merged, Errno.EIO, true),
                Arguments.of(Era.NEXT, 0, Errno.EREMOTEIO, false, false, false, merged, Errno.EIO, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eras")
    void theMappingCoreAndDmaDirectFollowTheEraTheyAreGiven_spec3_2_spec3_3_spec9(Era era, int mapSgUnreachable, Errno sgtableUnreachable,
            boolean poisoned, boolean pageLinkMark, boolean markSurvivesUnmap, long busAddress, Errno legacyZeroFailure, boolean warnsOnZero) {
        DmaMapping m = f.mapping.withEra(era);
        assertThat(m.era()).isEqualTo(era);
        DmaDevice far = f.client(SwitchMachine.OTHER_ROOT).build();
        SgTable u = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(0)));
        assertThat(m.mapSg(far, u.first().orElseThrow(), 2, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).as("dma_map_sg").isEqualTo(mapSgUnreachable);
        assertThat(entries(u).get(1).dmaAddress() == DmaMasks.DMA_MAPPING_ERROR).as("unreachable entry poisoned").isEqualTo(poisoned);
        assertThat(m.mapSgtable(far, table(seg(f.machine.p2pPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).as("dma_map_sgtable")
                .contains(sgtableUnreachable);

        DmaDevice near = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable b = table(seg(f.machine.p2pPage(2), 64, 512));
        assertThat(m.mapSgtable(near, b, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(1);
        SgEntry e = entries(b).get(0);
        assertThat(e.dmaAddress()).as("bus address").isEqualTo(busAddress);
        assertThat(e.isPageLinkP2pdma()).as("page_link mark").isEqualTo(pageLinkMark);
        assertThat(e.isDmaBusAddress()).as("dma_flags mark").isEqualTo(!pageLinkMark);
        m.unmapSgtable(near, b, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(e.isPageLinkP2pdma() || e.isDmaBusAddress()).as("mark after unmap").isEqualTo(markSurvivesUnmap);

        Swiotlb small = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 128, 1, () -> 0);
        DmaDevice legacy = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.returningOnFailure(0)).swiotlbForceBounce(small).build();
        SgTable big = table(seg(f.machine.ramPage(0), 0, 200 * 2048));
        assertThat(m.mapSgtable(legacy, big, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).as("legacy ops failing with 0")
                .contains(legacyZeroFailure);
        assertThat(f.warnings.warnings().stream().anyMatch(l -> l.contains("__dma_map_sg_attrs"))).as("WARN on a 0 from map_sg").isEqualTo(warnsOnZero);
    }

    @Test
    void anEraWhoseDmaMapSgKnowsNoP2pdmaPagesHasNoApiShapeToModel_spec0_1() {
        assertThatThrownBy(() -> f.mapping.withEra(Era.PRE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("era pre: dma_map_sg() does not handle P2PDMA pages");
    }

    @Test
    void askingForTheEraTheCoreAlreadyFollowsKeepsTheSameCore() {
        assertThat(f.mapping.withEra(Era.SG)).isSameAs(f.mapping);
        assertThat(rfc.withEra(Era.RFC)).isSameAs(rfc);
    }
}
