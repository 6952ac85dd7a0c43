package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.base.Errno;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** Spec 9.3: the dedicated P2P-aware entry point suggested in review, with its distinct error. */
class DmaMapSgP2pTest {

    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();
    /** The dedicated entry point. */
    private final DmaMapSgP2p api = DmaMapSgP2p.on(f.mapping);

    @Test
    void reachableP2pMemoryIsMappedWithBusAddresses_spec9_3() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable t = table(seg(f.machine.p2pPage(0)), seg(f.machine.ramPage(0)));
        assertThat(api.map(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEqualTo(DmaMapResult.ok(2));
        assertThat(entries(t).get(0).dmaAddress()).isEqualTo(SwitchMachine.BAR_BUS);
        api.unmap(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(entries(t).get(0).isDmaBusAddress()).isFalse();
    }

    @Test
    void unreachableP2pMemoryIsTheDistinctEnxio_spec9_3() {
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT).swiotlbForceBounce(f.swiotlb).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(0)));
        assertThat(api.map(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.ENXIO);
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void aBackendWithoutP2pSupportIsEnxioBeforeAnythingIsMapped_spec9_3() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).swiotlbForceBounce(f.swiotlb).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(0)));
        assertThat(api.map(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.ENXIO);
        assertThat(f.swiotlb.highWaterSlots()).isZero();
    }

    @Test
    void aDeviceWithoutAMaskIsEinvalNotASilentSuccess_spec9_3() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).noDmaMask().build();
        assertThat(api.map(dev, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EINVAL);
    }

    @Test
    void otherFailuresKeepTheirCoreErrno_spec9_3() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(20)).build();
        assertThat(api.map(dev, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
    }

    @Test
    void itAlwaysUsesTheSgEraMarksEvenOverAnRfcCore_spec9_3() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable t = table(seg(f.machine.p2pPage(0)));
        DmaMapSgP2p.on(f.mapping.withEra(Era.RFC)).map(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(entries(t).get(0).isDmaBusAddress()).isTrue();
    }
}
