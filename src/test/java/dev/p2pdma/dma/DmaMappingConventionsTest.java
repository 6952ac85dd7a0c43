package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.base.Errno;
import dev.p2pdma.sg.SgTable;
import java.util.Arrays;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** Spec 3.1 (dispatch) and 3.2 (return conventions, dma_pci_p2pdma_supported) in the SG era. */
class DmaMappingConventionsTest {

    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();

    @Test
    void aDeviceWithoutOpsIsMappedByDmaDirect_spec3_1() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable t = table(seg(f.machine.p2pPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isOk()).isTrue();
        // only dma-direct gives P2P pages their bus address
        assertThat(entries(t).get(0).dmaAddress()).isEqualTo(SwitchMachine.BAR_BUS);
        assertThat(dev.ops().isMapOps()).isFalse();
    }

    @Test
    void aDeviceWithDmaMapOpsIsMappedByItsOps_spec3_1() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).build();
        SgTable t = table(seg(f.machine.p2pPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EREMOTEIO);
        assertThat(dev.ops().isMapOps()).isTrue();
    }

    @Test
    void aDeviceWithoutADmaMaskGetsAOnceOnlyWarnAndZero_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).noDmaMask().build();
        SgTable t = table(seg(f.machine.ramPage(0)));
        assertThat(f.mapping.mapSg(dev, t.first().orElseThrow(), 1, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isZero();
        assertThat(f.mapping.mapSg(dev, t.first().orElseThrow(), 1, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isZero();
        assertThat(f.warnings.warnings()).singleElement().asString().contains("WARN_ON_ONCE(!dev->dma_mask)");
    }

    @Test
    void mapSgtableOnADeviceWithoutAMaskSucceedsWithZeroNents_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).noDmaMask().build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)));
        DmaMapResult r = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(r.isOk()).isTrue();
        assertThat(r.nents()).isZero();
        assertThat(t.nents()).isZero();
    }

    @Test
    void aBackendReturningZeroGetsAOnceOnlyWarnAndBecomesEio_spec3_2() {
        // a RAM page above a 20-bit mask and no swiotlb: the ops fail and return 0
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(20)).ops(LegacyDmaOps.returningOnFailure(0)).build();
        SgTable t = table(seg(f.machine.ramPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(f.warnings.warnings()).filteredOn(l -> l.contains("returned 0")).hasSize(1);
    }

    @Test
    void aBackendReturningAnUnlistedErrnoGetsAWarnAndBecomesEio_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(20)).ops(LegacyDmaOps.returningOnFailure(Errno.ENXIO.negative()))
                .build();
        SgTable t = table(seg(f.machine.ramPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(f.warnings.warnings()).filteredOn(l -> l.contains("__dma_map_sg_attrs")).singleElement().asString().contains("returned -6");
    }

    @Test
    void listedErrorsPassThroughMapSgtableUnchanged_spec3_2() {
        for (Errno e : new Errno[] {Errno.EINVAL, Errno.ENOMEM, Errno.EIO}) {
            DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(20)).ops(LegacyDmaOps.returningOnFailure(e.negative())).build();
            assertThat(f.mapping.mapSgtable(dev, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).as(e.name()).contains(e);
        }
        assertThat(f.warnings.warnings()).noneMatch(l -> l.contains("__dma_map_sg_attrs"));
    }

    @Test
    void dmaMapSgReturnsZeroForEveryError_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(0)));
        assertThat(f.mapping.mapSg(dev, t.first().orElseThrow(), 2, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isZero();
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EREMOTEIO);
    }

    @Test
    void dmaMapSgReturnsTheSegmentCountOnSuccess_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)), seg(f.machine.p2pPage(0)));
        assertThat(f.mapping.mapSg(dev, t.first().orElseThrow(), 3, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEqualTo(3);
    }

    @Test
    void mappingAnEmptyTableIsAnUnlistedZeroFromTheBackendAndBecomesEio_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        assertThat(f.mapping.mapSgtable(dev, new SgTable(), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(f.warnings.warnings()).singleElement().asString().contains("returned 0");
    }

    @Test
    void anInvalidDirectionIsABug_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable t = table(seg(f.machine.ramPage(0)));
        assertThatThrownBy(() -> f.mapping.mapSgtable(dev, t, DmaDirection.NONE, DmaAttrs.NONE)).hasMessageContaining("BUG");
        assertThatThrownBy(() -> f.mapping.unmapSgtable(dev, t, DmaDirection.NONE, DmaAttrs.NONE)).hasMessageContaining("BUG");
    }

    @Test
    void unmapTakesTheOriginalEntryCount_spec3_2() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(f.swiotlb).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)), seg(f.machine.ramPage(2)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(3);
        assertThat(f.swiotlb.usedSlots()).isEqualTo(6);
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void dmaDirectSupportsP2pdmaAndLegacyOpsDoNotInEitherEra_spec3_2() {
        DmaDevice direct = f.client(SwitchMachine.SWITCH_PEER).build();
        DmaDevice legacy = f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).build();
        for (Era era : Arrays.stream(Era.values()).filter(e -> e.sgDma().isPresent()).toList()) {
            DmaMapping m = f.mapping.withEra(era);
            assertThat(m.p2pdmaSupported(direct)).as(era.name()).isTrue();
            assertThat(m.p2pdmaSupported(legacy)).as(era.name()).isFalse();
        }
    }

    @Test
    void maxMappingSizeIsTheBackendsLimit_spec3_2() {
        DmaDevice direct = f.client(SwitchMachine.SWITCH_PEER).build();
        DmaDevice legacyWithPool = f.client(SwitchMachine.SWITCH_PEER).swiotlb(f.swiotlb).ops(LegacyDmaOps.create()).build();
        assertThat(f.mapping.maxMappingBytes(direct)).isEqualTo(DmaMasks.SIZE_MAX);
        assertThat(f.mapping.maxMappingBytes(legacyWithPool)).isEqualTo(256 * 1024);
    }
}
