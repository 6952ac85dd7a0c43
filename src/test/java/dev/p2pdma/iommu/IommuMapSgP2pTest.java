package dev.p2pdma.iommu;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapResult;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaOps;
import dev.p2pdma.base.Errno;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import java.util.List;
import org.junit.jupiter.api.Test;

/** P2P segments through dma-iommu by map type (spec 5.3, 1.14, 5.1); occupancy goes back to zero every time. */
class IommuMapSgP2pTest {

    private static void assertNothingHeld(IommuDomain d) {
        assertThat(d.pageTable().isEmpty()).isTrue();
        assertThat(d.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void busAddrSegmentsKeepTheirBusAddressBetweenIovaSegments_spec5_3() {
        IommuFixture f = IommuFixture.intel();
        IommuDomain d = f.domain(IommuDomainFlushMode.STRICT);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, d).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(1), 8, 64), seg(f.machine.ramPage(2)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE).nents()).isEqualTo(3);
        List<SgEntry> es = entries(t);
        assertThat(es.get(1).isDmaBusAddress()).isTrue();
        assertThat(es.get(1).dmaAddress()).isEqualTo(SwitchMachine.BAR_BUS + 4096 + 8);
        assertThat(es.get(0).isDmaBusAddress()).isFalse();
        assertThat(es.get(2).dmaAddress()).as("the RAM after a bus segment opens a new segment").isEqualTo(es.get(0).dmaAddress() + 4096);
        assertThat(d.pageTable().mappedBytes()).as("no IOVA for the bus segment").isEqualTo(2 * 4096);
        assertThat(Long.compareUnsigned(es.get(0).dmaAddress() - SwitchMachine.BAR_BUS, SwitchMachine.BAR_BYTES)).as("IOVAs avoid the bus window")
                .isGreaterThanOrEqualTo(0);
        byte[] cmb = SgLists.pattern(64, 2);
        f.memory.write(SwitchMachine.BAR_CPU + 4096 + 8, cmb, 0, 64);
        assertThat(DeviceDma.of(f.topology, f.memory).readSegment(dev, es.get(1))).isEqualTo(cmb);
        f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(es).noneMatch(SgEntry::isDmaBusAddress);
        assertNothingHeld(d);
    }

    @Test
    void aListOfOnlyBusAddressesAllocatesNoIova_spec5_3() {
        IommuFixture f = IommuFixture.intel();
        IommuDomain d = f.domain(IommuDomainFlushMode.STRICT);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, d).build();
        SgTable t = table(seg(f.machine.p2pPage(0)), seg(f.machine.p2pPage(1)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(2);
        assertThat(d.iovaDomain().orElseThrow().treeNodes()).isEqualTo(3);
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertNothingHeld(d);
    }

    @Test
    void thruHostBridgeSegmentsAreMappedThroughThePageTable_spec5_3() {
        IommuFixture f = IommuFixture.amd();
        IommuDomain d = f.domain(IommuDomainFlushMode.STRICT);
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT, d).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.p2pPage(3)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(1);
        SgEntry e = entries(t).get(0);
        assertThat(e.dmaLengthBytes()).isEqualTo(2 * 4096);
        assertThat(entries(t).get(1).isDmaBusAddress()).isFalse();
        assertThat(d.iovaToPhys(e.dmaAddress() + 4096)).hasValue(SwitchMachine.BAR_CPU + 3 * 4096);
        byte[] cmb = SgLists.pattern(4096, 5);
        f.memory.write(SwitchMachine.BAR_CPU + 3 * 4096, cmb, 0, cmb.length);
        assertThat(DeviceDma.of(f.topology, f.memory).read(dev, e.dmaAddress() + 4096, 4096)).isEqualTo(cmb);
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertNothingHeld(d);
    }

    @Test
    void notSupportedIsEremoteioWithEverythingUndoneAndNoIovaLeaked_spec5_3() {
        IommuFixture f = IommuFixture.intel();
        IommuDomain d = f.domain(IommuDomainFlushMode.STRICT);
        DmaDevice dev = f.client(SwitchMachine.OTHER_ROOT, d).build();
        int nodes = d.iovaDomain().orElseThrow().treeNodes();
        SgTable t = table(seg(f.machine.ramPage(0), 0x40, 1000), seg(f.machine.ramPage(1)), seg(f.machine.p2pPage(0)), seg(f.machine.ramPage(2)));
        DmaMapResult r = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(r.error()).contains(Errno.EREMOTEIO);
        List<SgEntry> es = entries(t);
        assertThat(es.get(0).offset()).isEqualTo(0x40);
        assertThat(es.get(0).length()).isEqualTo(1000);
        assertThat(es).allMatch(e -> e.dmaAddress() == DmaMasks.DMA_MAPPING_ERROR && e.dmaLength() == 0 && !e.isDmaBusAddress());
        assertThat(d.iovaDomain().orElseThrow().treeNodes()).isEqualTo(nodes);
        assertNothingHeld(d);
        assertThat(f.log.lines()).anyMatch(l -> l.contains("cannot be used for peer-to-peer DMA"));
    }

    @Test
    void dmaIommuReportsP2pdmaSupport_spec3_2() {
        IommuFixture f = IommuFixture.intel();
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, f.domain(IommuDomainFlushMode.STRICT)).build();
        assertThat(f.mapping.p2pdmaSupported(dev)).isTrue();
        assertThat(dev.ops().flags() & DmaOps.DMA_F_PCI_P2PDMA_SUPPORTED).isNotZero();
    }
}
