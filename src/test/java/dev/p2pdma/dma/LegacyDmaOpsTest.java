package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.base.Errno;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** A dma_map_ops backend without DMA_F_PCI_P2PDMA_SUPPORTED (spec 3.2, 9): P2P pages are refused, never mapped silently. */
class LegacyDmaOpsTest {

    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();

    @Test
    void aP2pPageIsRefusedWithEremoteioEvenWhereDmaDirectWouldGiveABusAddress_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).build();
        SgTable t = table(seg(f.machine.p2pPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EREMOTEIO);
        SgEntry e = entries(t).get(0);
        assertThat(e.dmaAddress()).isZero();
        assertThat(e.dmaLength()).isZero();
        assertThat(e.isDmaBusAddress()).isFalse();
    }

    @Test
    void theRefusalUndoesTheRamEntriesMappedBeforeIt_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).swiotlbForceBounce(f.swiotlb).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)), seg(f.machine.p2pPage(0)), seg(f.machine.ramPage(2)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE).error()).contains(Errno.EREMOTEIO);
        assertThat(f.swiotlb.usedSlots()).isZero();
        assertThat(f.swiotlb.highWaterSlots()).isEqualTo(4);
    }

    @Test
    void dmaMapSgReportsTheRefusalAsZeroInTheSgEraAndAsMinusEremoteioInTheRfc_spec3_2_spec9_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).build();
        SgTable t = table(seg(f.machine.p2pPage(0)));
        SgEntry first = t.first().orElseThrow();
        assertThat(f.mapping.mapSg(dev, first, 1, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isZero();
        assertThat(f.mapping.withEra(Era.RFC).mapSg(dev, first, 1, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEqualTo(-121);
    }

    @Test
    void ramIsMappedAsDmaDirectMapsIt_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).dmaMask(DmaMasks.bitMask(25)).swiotlb(f.swiotlb).build();
        SgTable t = table(seg(f.machine.ram(0x10_0000)), seg(f.machine.ramPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(2);
        assertThat(entries(t).get(0).dmaAddress()).isEqualTo(0x10_0000);
        assertThat(f.swiotlb.contains(entries(t).get(1).dmaAddress())).isTrue();
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void rfcEraOpsReturnZeroForEveryNonP2pFailure_spec9_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).dmaMask(DmaMasks.bitMask(20)).build();
        SgTable t = table(seg(f.machine.ramPage(0)));
        assertThat(f.mapping.withEra(Era.RFC).mapSg(dev, t.first().orElseThrow(), 1, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isZero();
    }

    @Test
    void aPositiveFailureValueIsRejected_spec3_2() {
        assertThatThrownBy(() -> LegacyDmaOps.returningOnFailure(1)).isInstanceOf(IllegalArgumentException.class);
    }
}
