package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 3.3 (dma_direct_map_sg / unmap_sg), 1.14 (pci_p2pdma_map_segment and its state) and 1.11 (map type). */
class DmaDirectMapSgTest {

    @Test
    void aBusAddrSegmentGetsPhysPlusBusOffsetItsLengthAndTheMark_spec3_3_spec1_14() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable t = table(seg(f.machine.p2pPage(3), 256, 1024));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.FROM_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(1);
        SgEntry e = entries(t).get(0);
        assertThat(e.dmaAddress()).isEqualTo(SwitchMachine.BAR_BUS + 3 * PageSize.PAGE_SIZE + 256);
        assertThat(e.dmaLength()).isEqualTo(1024);
        assertThat(e.isDmaBusAddress()).isTrue();
        assertThat(e.isPageLinkP2pdma()).isFalse();
    }

    @Test
    void aThruHostBridgeSegmentIsMappedLikeRamWithItsCpuAddress_spec3_3() {
        DmaFixture f = DmaFixture.amd();
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT).build();
        SgTable t = table(seg(f.machine.p2pPage(1)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(1);
        SgEntry e = entries(t).get(0);
        assertThat(e.dmaAddress()).isEqualTo(SwitchMachine.BAR_CPU + PageSize.PAGE_SIZE);
        assertThat(e.isDmaBusAddress()).isFalse();
    }

    @Test
    void aNotSupportedSegmentFailsTheListWithEremoteioAndNothingStaysMapped_spec3_3() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT).swiotlbForceBounce(f.swiotlb).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)), seg(f.machine.p2pPage(0)), seg(f.machine.ramPage(2)));
        DmaMapResult r = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(r.error()).contains(Errno.EREMOTEIO);
        assertThat(f.swiotlb.usedSlots()).isZero();
        assertThat(entries(t)).noneMatch(SgEntry::isDmaBusAddress);
    }

    @Test
    void anUnmappablePageFailsTheListWithEioAndUnwindsEarlierBusSegments_spec3_3() {
        DmaFixture f = DmaFixture.intel();
        // 20-bit mask, no swiotlb: the RAM page at 64 MiB cannot be reached
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(20)).build();
        SgTable t = table(seg(f.machine.p2pPage(0)), seg(f.machine.ramPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(entries(t).get(0).isDmaBusAddress()).isFalse();
        assertThat(entries(t).get(1).dmaAddress()).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
    }

    @Test
    void theFailedEntryIsNotUnmappedOnlyTheOnesBeforeIt_spec3_3() {
        DmaFixture f = DmaFixture.intel();
        // a 4-slot pool, forced: the third page does not fit
        Swiotlb tiny = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 128, 1, () -> 0);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(tiny).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isOk()).isTrue();
        long usedByFirst = tiny.usedSlots();
        SgTable big = table(seg(f.machine.ramPage(4), 0, 127 * 2048));
        assertThat(f.mapping.mapSgtable(dev, big, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EIO);
        assertThat(tiny.usedSlots()).isEqualTo(usedByFirst);
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(tiny.usedSlots()).isZero();
    }

    @Test
    void dmaDirectNeverMergesContiguousEntries_spec3_3() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)), seg(f.machine.ramPage(2)), seg(f.machine.p2pPage(0)), seg(f.machine.p2pPage(1)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(5);
        List<SgEntry> es = entries(t);
        for (int i = 0; i < 3; i++) {
            assertThat(es.get(i).dmaAddress()).isEqualTo(SwitchMachine.BUFFERS_PHYS + (long) i * PageSize.PAGE_SIZE);
            assertThat(es.get(i).dmaLength()).isEqualTo(PageSize.PAGE_SIZE);
        }
    }

    @Test
    void theMapTypeIsLookedUpOncePerRunOfOnePageMap_spec1_14() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
        int second = (int) (SwitchMachine.BAR_BYTES / 2 / PageSize.PAGE_SIZE);
        SgTable t = table(seg(f.machine.p2pPage(0)), seg(f.machine.p2pPage(1)), seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(2)), seg(f.machine.p2pPage(second)),
                seg(f.machine.p2pPage(3)));
        long before = f.p2p.lookups();
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(6);
        // pgmap, (RAM does not reset the state), pgmap, pgmap2, pgmap: three changes
        assertThat(f.p2p.lookups() - before).isEqualTo(3);
        assertThat(entries(t).get(4).dmaAddress()).isEqualTo(SwitchMachine.BAR_BUS + SwitchMachine.BAR_BYTES / 2);
    }

    @Test
    void theFirstLookupOfAPairComputesVerboselyAndCaches_spec1_11() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT).build();
        f.mapping.mapSgtable(dev, table(seg(f.machine.p2pPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        f.mapping.mapSgtable(dev, table(seg(f.machine.p2pPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(f.log.lines()).filteredOn(l -> l.contains("cannot be used for peer-to-peer DMA")).hasSize(1);
        assertThat(f.cache.cachedPairs(f.topology.indexOf(SwitchMachine.PROVIDER))).isEqualTo(1);
    }

    @Test
    void aNonPciClientGetsNotSupported_spec1_11() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice platform = DmaDevice.builder("platform-dma").dmaMaskAndCoherent(DmaMasks.bitMask(64)).build();
        assertThat(f.p2p.mapType(f.pgmap, platform)).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(f.mapping.mapSgtable(platform, table(seg(f.machine.p2pPage(0))), DmaDirection.TO_DEVICE, DmaAttrs.NONE).error())
                .contains(Errno.EREMOTEIO);
    }

    @Test
    void aProviderWithoutARecordIsNotSupported_spec1_11() {
        DmaFixture f = DmaFixture.intel();
        DevicePageMap other = new DevicePageMap(9, DevicePageMap.Type.PCI_P2PDMA, SwitchMachine.SWITCH_PEER, 0,
                SwitchMachine.BAR_CPU, PageSize.PAGE_SIZE, 0);
        DmaDevice dev = f.client(SwitchMachine.PROVIDER).build();
        assertThat(f.p2p.mapType(other, dev)).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(P2pMapTypes.none().mapType(f.pgmap, dev)).isEqualTo(MapType.NOT_SUPPORTED);
    }

    @Test
    void unmapClearsTheBusAddressMarkAndUnmapsTheRest_spec3_3() {
        DmaFixture f = DmaFixture.intel();
        // a 25-bit mask reaches the pool (16-18 MiB) but not the buffer at 64 MiB: the RAM entry bounces
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).dmaMask(DmaMasks.bitMask(25)).swiotlb(f.swiotlb).build();
        SgTable t = table(seg(f.machine.p2pPage(0)), seg(f.machine.ramPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(2);
        assertThat(entries(t).get(0).isDmaBusAddress()).isTrue();
        assertThat(f.swiotlb.usedSlots()).isEqualTo(2);
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(entries(t).get(0).isDmaBusAddress()).isFalse();
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void unmapSyncsForTheCpuUnlessSkipCpuSync_spec3_3() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(f.swiotlb).build();
        DeviceDma device = DeviceDma.of(f.topology, f.memory);
        byte[] written = SgLists.pattern(PageSize.PAGE_SIZE, 7);
        for (boolean skip : new boolean[] {false, true}) {
            SgTable t = table(seg(f.machine.ramPage(skip ? 1 : 0)));
            f.mapping.mapSgtable(dev, t, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
            device.write(dev, entries(t).get(0).dmaAddress(), written);
            f.mapping.unmapSgtable(dev, t, DmaDirection.FROM_DEVICE, skip ? DmaAttrs.SKIP_SYNC : DmaAttrs.NONE);
            byte[] seen = f.memory.read(entries(t).get(0).phys(), PageSize.PAGE_SIZE);
            assertThat(seen).as("skip=" + skip).isEqualTo(skip ? new byte[PageSize.PAGE_SIZE] : written);
        }
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void syncForCpuAndForDeviceWalkTheWholeTableIncludingBusAddressEntries_spec3_3() {
        DmaFixture f = DmaFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(f.swiotlb).build();
        DeviceDma device = DeviceDma.of(f.topology, f.memory);
        // forced bouncing applies to pages that are mapped like RAM; the BUS_ADDR page keeps its bus address
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(0)), seg(f.machine.ramPage(1)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE).nents()).isEqualTo(3);
        assertThat(entries(t).get(1).dmaAddress()).isEqualTo(SwitchMachine.BAR_BUS);
        byte[] cpu = SgLists.pattern(PageSize.PAGE_SIZE, 3);
        f.memory.write(entries(t).get(2).phys(), cpu, 0, cpu.length);
        assertThat(device.readSegment(dev, entries(t).get(2))).isNotEqualTo(cpu);
        f.mapping.syncSgtableForDevice(dev, t, DmaDirection.BIDIRECTIONAL);
        assertThat(device.readSegment(dev, entries(t).get(2))).isEqualTo(cpu);
        byte[] fromDevice = SgLists.pattern(PageSize.PAGE_SIZE, 4);
        device.write(dev, entries(t).get(0).dmaAddress(), fromDevice);
        f.mapping.syncSgtableForCpu(dev, t, DmaDirection.BIDIRECTIONAL);
        assertThat(f.memory.read(entries(t).get(0).phys(), PageSize.PAGE_SIZE)).isEqualTo(fromDevice);
        f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(f.swiotlb.usedSlots()).isZero();
    }
}
