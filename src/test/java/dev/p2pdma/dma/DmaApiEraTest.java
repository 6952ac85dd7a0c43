package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** Spec 9 and 3.2: the RFC v2 shape of the API next to the merged (SG) one. */
class DmaApiEraTest {

    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();
    /** The same machine in the RFC shape. */
    private final DmaMapping rfc = f.mapping.withEra(DmaApiEra.RFC);

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
        x86.mapping.withEra(DmaApiEra.RFC).mapSgtable(dev, a, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        x86.mapping.mapSgtable(dev, b, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(entries(a).get(0).dmaAddress()).isEqualTo(entries(b).get(0).dmaAddress()).isEqualTo(0x3_0000_0000L);
    }
}
