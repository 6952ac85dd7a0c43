package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 3.4: dma_direct_map_page(), dma_capable(), phys_to_dma() / dma_to_phys(), max mapping size. */
class DmaDirectMapPageTest {

    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();

    private SgEntry mapOne(DmaDevice dev, SgTable t, DmaDirection dir) {
        assertThat(f.mapping.mapSgtable(dev, t, dir, DmaAttrs.NONE).nents()).isEqualTo(1);
        return entries(t).get(0);
    }

    @Test
    void forcedBounceMapsRamThroughTheSwiotlbPool_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(f.swiotlb).build();
        byte[] data = SgLists.pattern(PageSize.PAGE_SIZE, 1);
        f.memory.write(SwitchMachine.BUFFERS_PHYS, data, 0, data.length);
        SgEntry e = mapOne(dev, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE);
        assertThat(f.swiotlb.contains(e.dmaAddress())).isTrue();
        assertThat(DeviceDma.of(f.topology, f.memory).readSegment(dev, e)).isEqualTo(data);
    }

    @Test
    void forcedBounceRefusesAP2pPageMappedLikeRamWithEio_spec3_4() {
        DmaFixture amd = DmaFixture.amd();
        DmaDevice dev = amd.client(SwitchMachine.OTHER_ROOT).swiotlbForceBounce(amd.swiotlb).build();
        SgTable t = table(seg(amd.machine.ramPage(0)), seg(amd.machine.p2pPage(0)));
        assertThat(amd.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(amd.swiotlb.usedSlots()).isZero();
    }

    @Test
    void anAddressBeyondTheMaskBouncesWhenTheDeviceHasAPool_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(25)).swiotlb(f.swiotlb).build();
        SgEntry e = mapOne(dev, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE);
        assertThat(f.swiotlb.contains(e.dmaAddress())).isTrue();
        SgEntry low = mapOne(dev, table(seg(f.machine.ram(0x10_0000))), DmaDirection.TO_DEVICE);
        assertThat(low.dmaAddress()).isEqualTo(0x10_0000);
    }

    @Test
    void anAddressBeyondTheMaskWithoutAPoolWarnsOnceWithTheOverflowLineAndFails_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(25)).build();
        assertThat(f.mapping.mapSgtable(dev, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(f.mapping.mapSgtable(dev, table(seg(f.machine.ramPage(1))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(f.warnings.warnings()).containsExactly(
                "WARNING: nvme 0000:04:00.0: DMA addr 0x0000000004000000+4096 overflow (mask 1ffffff, bus limit 0).");
    }

    @Test
    void aP2pPageBeyondTheMaskFailsWithEioNotEremoteioAndIsNeverBounced_spec3_4() {
        DmaFixture amd = DmaFixture.amd();
        DmaDevice dev = amd.client(SwitchMachine.OTHER_ROOT).dmaMask(DmaMasks.bitMask(32)).swiotlb(amd.swiotlb).build();
        assertThat(amd.mapping.mapSgtable(dev, table(seg(amd.machine.p2pPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error())
                .contains(Errno.EIO);
        assertThat(amd.swiotlb.highWaterSlots()).isZero();
        assertThat(amd.warnings.warnings()).isEmpty();
    }

    @Test
    void aBusAddrSegmentIsNotCheckedAgainstTheMask_spec3_3_spec3_4() {
        // faithful quirk: BUS_ADDR segments skip dma_capable(), so a 32-bit device is given a bus address above 4 GiB
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(32)).build();
        SgEntry e = mapOne(dev, table(seg(f.machine.p2pPage(0))), DmaDirection.TO_DEVICE);
        assertThat(e.dmaAddress()).isEqualTo(SwitchMachine.BAR_BUS).isGreaterThan(DmaMasks.bitMask(32));
    }

    @Test
    void theBusDmaLimitTightensTheMask_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).busDmaLimit(DmaMasks.bitMask(25)).swiotlb(f.swiotlb).build();
        assertThat(dev.effectiveDmaLimit()).isEqualTo(DmaMasks.bitMask(25));
        SgEntry e = mapOne(dev, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE);
        assertThat(f.swiotlb.contains(e.dmaAddress())).isTrue();
    }

    @Test
    void theRangeMapTranslatesPhysToDma_spec3_4() {
        long offset = 0x80_0000_0000L;
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).rangeMap(List.of(new DmaRange(0, offset, SwitchMachine.RAM_BYTES))).build();
        SgEntry e = mapOne(dev, table(seg(f.machine.ramPage(2), 16, 100)), DmaDirection.TO_DEVICE);
        assertThat(e.dmaAddress()).isEqualTo(offset + SwitchMachine.BUFFERS_PHYS + 2 * PageSize.PAGE_SIZE + 16);
        assertThat(dev.dmaToPhys(e.dmaAddress())).isEqualTo(e.phys());
    }

    @Test
    void aRangeMapMissMakesTheAddressIncapable_spec3_4() {
        // the map covers the first 32 MiB only (the pool is inside, the buffers are not)
        DmaDevice noPool = f.client(SwitchMachine.SWITCH_PEER).rangeMap(List.of(new DmaRange(0, 0, 32L << 20))).build();
        assertThat(f.mapping.mapSgtable(noPool, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(f.warnings.warnings()).singleElement().asString().contains("DMA addr 0xffffffffffffffff+4096 overflow");
        DmaDevice pooled = noPool.toBuilder().swiotlb(f.swiotlb).build();
        SgEntry e = mapOne(pooled, table(seg(f.machine.ramPage(0))), DmaDirection.TO_DEVICE);
        assertThat(f.swiotlb.contains(e.dmaAddress())).isTrue();
    }

    @Test
    void dmaToPhysIsTheInverseAndAMissGivesAllOnes_spec3_4() {
        DmaRangeMap m = DmaRangeMap.of(List.of(new DmaRange(0x1000, 0x9000, 0x2000), new DmaRange(0x10000, 0x0, 0x1000)));
        assertThat(m.physToDma(0x1800)).isEqualTo(0x9800);
        assertThat(m.dmaToPhys(0x9800)).isEqualTo(0x1800);
        assertThat(m.physToDma(0x10010)).isEqualTo(0x10);
        assertThat(m.physToDma(0x3000)).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
        assertThat(m.dmaToPhys(0x5000)).isEqualTo(DmaMasks.INVALID_PHYS);
        assertThat(DmaRangeMap.IDENTITY.physToDma(0x1234)).isEqualTo(0x1234);
    }

    @Test
    void dmaCapableRejectsTheErrorSentinelAndComparesTheLastByteUnsigned_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(32)).build();
        assertThat(dev.dmaCapable(DmaMasks.DMA_MAPPING_ERROR, 1)).isFalse();
        assertThat(dev.dmaCapable(0xFFFF_F000L, 4096)).isTrue();
        assertThat(dev.dmaCapable(0xFFFF_F001L, 4096)).isFalse();
        DmaDevice all = f.client(SwitchMachine.SWITCH_PEER).build();
        assertThat(all.dmaCapable(0xFFFF_FFFF_FFFF_F000L, 4096)).isTrue();
    }

    @Test
    void unalignedKmallocBuffersOfNonCoherentDevicesBounceWhenTheFeatureIsOn_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).coherent(false).bounceUnalignedKmalloc(true).swiotlb(f.swiotlb).build();
        assertThat(f.swiotlb.contains(mapOne(dev, table(seg(f.machine.ramPage(0), 0, 100)), DmaDirection.FROM_DEVICE).dmaAddress())).isTrue();
        assertThat(f.swiotlb.contains(mapOne(dev, table(seg(f.machine.ramPage(1), 0, 100)), DmaDirection.TO_DEVICE).dmaAddress())).isFalse();
        assertThat(f.swiotlb.contains(mapOne(dev, table(seg(f.machine.ramPage(2), 0, 256)), DmaDirection.FROM_DEVICE).dmaAddress())).isFalse();
        DmaDevice off = dev.toBuilder().bounceUnalignedKmalloc(false).build();
        assertThat(f.swiotlb.contains(mapOne(off, table(seg(f.machine.ramPage(3), 0, 100)), DmaDirection.FROM_DEVICE).dmaAddress())).isFalse();
    }

    @Test
    void aNonCoherentDeviceGetsCacheMaintenanceUnlessSkipCpuSync_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).coherent(false).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)));
        f.mapping.mapSgtable(dev, t, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
        assertThat(f.mapping.cache().forDeviceCalls()).isEqualTo(2);
        f.mapping.unmapSgtable(dev, t, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
        assertThat(f.mapping.cache().forCpuCalls()).isEqualTo(2);
        f.mapping.mapSgtable(dev, t, DmaDirection.FROM_DEVICE, DmaAttrs.SKIP_SYNC);
        f.mapping.unmapSgtable(dev, t, DmaDirection.FROM_DEVICE, DmaAttrs.SKIP_SYNC);
        assertThat(f.mapping.cache().forDeviceCalls()).isEqualTo(2);
        assertThat(f.mapping.cache().forCpuCalls()).isEqualTo(2);
        DmaDevice coherent = f.client(SwitchMachine.SWITCH_PEER).build();
        f.mapping.mapSgtable(coherent, t, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
        assertThat(f.mapping.cache().forDeviceCalls()).isEqualTo(2);
    }

    @Test
    void theRequiredMaskCoversTheLastRamPage_spec3_4() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        assertThat(DirectDmaOps.requiredMask(f.mapping, dev)).isEqualTo(DmaMasks.bitMask(29));
    }

    @Test
    void maxMappingSizeIsTheSwiotlbLimitWhenAddressingLimitedOrForced_spec3_4() {
        DmaDevice limited = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(28)).swiotlb(f.swiotlb).build();
        DmaDevice forced = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(f.swiotlb).minAlignMask(4095).build();
        DmaDevice partialMap = f.client(SwitchMachine.SWITCH_PEER).rangeMap(List.of(new DmaRange(0, 0, 32L << 20))).swiotlb(f.swiotlb).build();
        assertThat(f.mapping.maxMappingBytes(limited)).isEqualTo(256 * 1024);
        assertThat(f.mapping.maxMappingBytes(forced)).isEqualTo(252 * 1024);
        assertThat(f.mapping.maxMappingBytes(partialMap)).isEqualTo(256 * 1024);
    }

    @Test
    void maxMappingSizeIsUnlimitedWhenNothingBounces_spec3_4() {
        DmaDevice reachesAll = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(29)).swiotlb(f.swiotlb).build();
        DmaDevice noPool = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(20)).build();
        assertThat(f.mapping.maxMappingBytes(reachesAll)).isEqualTo(DmaMasks.SIZE_MAX);
        assertThat(f.mapping.maxMappingBytes(noPool)).isEqualTo(DmaMasks.SIZE_MAX);
    }
}
