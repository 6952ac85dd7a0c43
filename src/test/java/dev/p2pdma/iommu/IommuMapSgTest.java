package dev.p2pdma.iommu;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapResult;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.base.Errno;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SwitchMachine;
import java.util.List;
import org.junit.jupiter.api.Test;

/** iommu_dma_map_sg / unmap_sg on RAM (spec 5.2, 5.3): granule alignment, one IOVA run, merging under max_segment_size and the boundary mask. */
class IommuMapSgTest {

    private final IommuFixture f = IommuFixture.intel();
    private final IommuDomain domain = f.domain(IommuDomainFlushMode.STRICT);

    private DmaDevice.Builder dev() {
        return f.client(SwitchMachine.SWITCH_PEER, domain);
    }

    private static long len(SgEntry e) {
        return e.dmaLengthBytes();
    }

    @Test
    void scatteredPagesBecomeOneContiguousIovaSegment_spec5_3() {
        DmaDevice d = dev().build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(7)), seg(f.machine.ramPage(3)));
        assertThat(f.mapping.mapSgtable(d, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(1);
        SgEntry first = entries(t).get(0);
        assertThat(len(first)).isEqualTo(3 * 4096);
        assertThat(domain.iovaToPhys(first.dmaAddress() + 4096 + 5)).hasValue(f.machine.ramPage(7).physAddress() + 5);
        assertThat(domain.iovaToPhys(first.dmaAddress() + 2 * 4096)).hasValue(f.machine.ramPage(3).physAddress());
        assertThat(entries(t).get(1).dmaLength()).isZero();
        assertThat(entries(t).get(1).dmaAddress()).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
    }

    @Test
    void theCpuViewIsRestoredAndTheIntraGranuleOffsetKept_spec5_3() {
        DmaDevice d = dev().build();
        SgTable t = table(seg(f.machine.ramPage(0), 0x123, 100), seg(f.machine.ramPage(2), 0, 3000));
        int n = f.mapping.mapSgtable(d, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        List<SgEntry> es = entries(t);
        assertThat(es.get(0).offset()).isEqualTo(0x123);
        assertThat(es.get(0).length()).isEqualTo(100);
        assertThat(es.get(1).length()).isEqualTo(3000);
        assertThat(n).as("an entry ending mid-granule closes its segment").isEqualTo(2);
        assertThat(es.get(0).dmaAddress() & 4095).isEqualTo(0x123);
        assertThat(es.get(1).dmaAddress()).isEqualTo((es.get(0).dmaAddress() & ~4095L) + 4096);
    }

    @Test
    void mergingStopsAtMaxSegmentSize_spec5_3() {
        DmaDevice d = dev().maxSegmentBytes(8192).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(4)), seg(f.machine.ramPage(8)));
        assertThat(f.mapping.mapSgtable(d, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(2);
        assertThat(len(entries(t).get(0))).isEqualTo(8192);
        assertThat(len(entries(t).get(1))).isEqualTo(4096);
        assertThat(entries(t).get(1).dmaAddress()).isEqualTo(entries(t).get(0).dmaAddress() + 8192);
    }

    @Test
    void paddingMakesASegmentThatWouldCrossTheBoundaryStartOnIt_spec5_3() {
        DmaDevice d = dev().segmentBoundaryMask(0x3FFF).build();
        SgTable t = table(seg(f.machine.ramPage(0), 0, 3 * 4096), seg(f.machine.ramPage(10), 0, 2 * 4096));
        assertThat(f.mapping.mapSgtable(d, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents()).isEqualTo(2);
        SgEntry a = entries(t).get(0);
        SgEntry b = entries(t).get(1);
        assertThat(len(a)).isEqualTo(3 * 4096);
        assertThat(b.dmaAddress()).as("12 KiB + 4 KiB pad").isEqualTo(a.dmaAddress() + 4 * 4096);
        assertThat(b.dmaAddress() & 0x3FFF).isZero();
        assertThat(len(b)).isEqualTo(2 * 4096);
        assertThat(domain.pageTable().mappedBytes()).as("the pad is mapped too").isEqualTo(6 * 4096);
        f.mapping.unmapSgtable(d, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(domain.pageTable().isEmpty()).isTrue();
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void pciDevicesGet32BitIovasFirst_spec5_2() {
        DmaDevice d = dev().build();
        SgTable t = table(seg(f.machine.ramPage(0)));
        f.mapping.mapSgtable(d, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(Long.compareUnsigned(entries(t).get(0).dmaAddress(), 1L << 32)).isNegative();
    }

    @Test
    void aFailed32BitAttemptTurnsTheWorkaroundOffForGood_spec5_2() {
        IommuDomain full32 = IommuDomain.dma(2, IommuDomainFlushMode.STRICT, List.of(new IommuDomainReservedRegion(0x1000, 0xFFFF_FFFFL, "all")),
                () -> 0);
        IommuDmaOps ops = IommuDmaOps.attach(full32, true);
        DmaDevice d = DmaDevice.forPci(f.topology, SwitchMachine.SWITCH_PEER).dmaMaskAndCoherent(DmaMasks.bitMask(64)).ops(ops).build();
        SgTable t = table(seg(f.machine.ramPage(0)));
        assertThat(f.mapping.mapSgtable(d, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isOk()).isTrue();
        assertThat(Long.compareUnsigned(entries(t).get(0).dmaAddress(), 1L << 32)).isPositive();
        assertThat(ops.pci32bitWorkaround()).isFalse();
        assertThat(f.log.lines()).containsOnlyOnce(d.name() + ": Using 48-bit DMA addresses");
        SgTable t2 = table(seg(f.machine.ramPage(1)));
        f.mapping.mapSgtable(d, t2, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(f.log.lines()).containsOnlyOnce(d.name() + ": Using 48-bit DMA addresses");
    }

    @Test
    void exhaustedIovaSpaceIsEnomemWithTheListRestored_spec5_3() {
        IommuDomain tiny = IommuDomain.dma(2, IommuDomainFlushMode.STRICT, List.of(new IommuDomainReservedRegion(0x4000, 0xFFFF_FFFFL, "most")),
                () -> 0);
        DmaDevice d = DmaDevice.forPci(f.topology, SwitchMachine.SWITCH_PEER).dmaMaskAndCoherent(DmaMasks.bitMask(32))
                .ops(IommuDmaOps.attach(tiny, true)).build();
        SgTable t = table(seg(f.machine.ramPage(0), 8, 4000), seg(f.machine.ramPage(2)), seg(f.machine.ramPage(4)), seg(f.machine.ramPage(6)));
        DmaMapResult r = f.mapping.mapSgtable(d, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(r.error()).contains(Errno.ENOMEM);
        assertThat(entries(t).get(0).offset()).isEqualTo(8);
        assertThat(entries(t).get(0).length()).isEqualTo(4000);
        assertThat(entries(t)).allMatch(e -> e.dmaAddress() == DmaMasks.DMA_MAPPING_ERROR && e.dmaLength() == 0);
        assertThat(tiny.pageTable().isEmpty()).isTrue();
    }

    @Test
    void unmapReleasesThePageTableAndTheIova_spec5_3() {
        DmaDevice d = dev().build();
        SgTable t = table(seg(f.machine.ramPage(0), 100, 5000), seg(f.machine.ramPage(3)), seg(f.machine.ramPage(9), 0, 300));
        f.mapping.mapSgtable(d, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(domain.pageTable().isEmpty()).isFalse();
        f.mapping.unmapSgtable(d, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(domain.pageTable().isEmpty()).isTrue();
        IovaDomain iova = domain.iovaDomain().orElseThrow();
        assertThat(iova.allocatedPfns()).isZero();
        iova.flushRcaches();
        assertThat(iova.treeNodes()).as("anchor + BAR window + MSI").isEqualTo(3);
        assertThat(f.warnings.warnings()).isEmpty();
    }
}
