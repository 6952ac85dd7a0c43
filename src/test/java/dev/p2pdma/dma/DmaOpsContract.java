package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link DmaOps} implementation keeps (spec 3.2-3.4, 4, 5.3), run once per
 * backend by a subclass (dma-direct, legacy ops, and {@code dev.p2pdma.iommu.IommuDmaOpsContractTest}
 * for dma-iommu): map/unmap restores occupancy, RAM gets addresses the device can reach, failures
 * leave nothing mapped, P2P pages are never mapped as if they were RAM, the device reads and writes
 * the right bytes, and a backend bounces through a forced swiotlb pool exactly when it says so.
 */
public abstract class DmaOpsContract {

    /** The backend under test for a machine with {@code memory} (a fresh instance or the shared one). */
    protected abstract DmaOps backend(PhysicalMemory memory);

    /** True when the backend maps P2PDMA pages (dma_pci_p2pdma_supported() true). */
    protected abstract boolean handlesP2p();

    /**
     * True when the backend bounces through a device's forced swiotlb pool (dma-direct and legacy
     * ops); false for dma-iommu, which bounces only untrusted devices and ignores swiotlb=force.
     */
    protected boolean bouncesForcedDevices() {
        return true;
    }

    /** True when the backend may merge entries into fewer DMA segments (dma-iommu); false: one segment per entry. */
    protected boolean mergesSegments() {
        return false;
    }

    /** The expected segment count of a mapped list of {@code entries} entries: exactly that, or 1..that when merging. */
    private void assertSegmentCount(int nents, int entries, String what) {
        if (mergesSegments()) {
            assertThat(nents).as(what).isBetween(1, entries);
        } else {
            assertThat(nents).as(what).isEqualTo(entries);
        }
    }

    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();

    private DmaDevice.Builder device() {
        return f.client(DmaFixture.SWITCH_PEER).ops(backend(f.memory));
    }

    @Test
    public void mapThenUnmapRestoresSwiotlbOccupancyInEveryDirection_contract() {
        DmaDevice dev = device().swiotlbForceBounce(f.swiotlb).build();
        for (DmaDirection dir : new DmaDirection[] {DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL}) {
            SgTable t = table(seg(f.ramPage(0), 100, 5000), seg(f.ramPage(3)), seg(f.ramPage(9), 0, 300));
            assertSegmentCount(f.mapping.mapSgtable(dev, t, dir, DmaAttrs.NONE).nents(), 3, dir.name());
            if (bouncesForcedDevices()) {
                assertThat(f.swiotlb.usedSlots()).as(dir.name()).isPositive();
            } else {
                assertThat(f.swiotlb.usedSlots()).as(dir.name()).isZero();
            }
            f.mapping.unmapSgtable(dev, t, dir, DmaAttrs.NONE);
            assertThat(f.swiotlb.usedSlots()).as(dir.name()).isZero();
        }
    }

    @Test
    public void ramSegmentsGetAddressesTheDeviceCanReach_contract() {
        DmaDevice dev = device().dmaMask(DmaMasks.bitMask(26)).busDmaLimit(DmaMasks.bitMask(25)).swiotlb(f.swiotlb).build();
        SgTable t = table(seg(f.ram(0x20_0000)), seg(f.ramPage(0)), seg(f.ram(DmaFixture.RAM_BYTES - 8192), 0, 8192));
        int n = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        assertSegmentCount(n, 3, "segments");
        for (SgEntry e : t.entries(n)) {
            assertThat(Long.compareUnsigned(e.dmaAddress() + e.dmaLength() - 1, dev.effectiveDmaLimit())).as(e.toString()).isLessThanOrEqualTo(0);
        }
        f.mapping.unmapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
    }

    @Test
    public void mapGivesOneSegmentPerEntryWithTheEntrysLength_contract() {
        DmaDevice dev = device().build();
        SgTable t = table(seg(f.ramPage(0), 7, 100), seg(f.ramPage(1)), seg(f.ramPage(2), 0, 3 * PageSize.PAGE_SIZE));
        int n = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).nents();
        assertThat(n).isBetween(1, 3);
        long dmaBytes = 0;
        for (SgEntry e : t.entries(n)) {
            dmaBytes += e.dmaLength();
        }
        assertThat(dmaBytes).isEqualTo(100 + PageSize.PAGE_SIZE + 3 * PageSize.PAGE_SIZE);
    }

    @Test
    public void aFailureMidListLeavesNothingMapped_contract() {
        Swiotlb small = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 128, 1, () -> 0);
        DmaDevice dev = device().swiotlbForceBounce(small).build();
        SgTable t = table(seg(f.ramPage(0)), seg(f.ramPage(1)), seg(f.ramPage(2), 0, 125 * 2048), seg(f.ramPage(200)));
        DmaMapResult r = f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        if (!bouncesForcedDevices()) {
            assertThat(r.isOk()).isTrue();
            assertThat(small.highWaterSlots()).isZero();
            f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
            return;
        }
        assertThat(r.isOk()).isFalse();
        assertThat(small.usedSlots()).isZero();
        assertThat(small.highWaterSlots()).isEqualTo(4);
    }

    @Test
    public void unreachableP2pMemoryFailsWithEremoteioAndLeavesNothingMapped_contract() {
        DmaDevice dev = f.client(DmaFixture.OTHER_ROOT).ops(backend(f.memory)).swiotlbForceBounce(f.swiotlb).build();
        SgTable t = table(seg(f.ramPage(0)), seg(f.ramPage(1)), seg(f.p2pPage(0)));
        assertThat(f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE).error()).contains(Errno.EREMOTEIO);
        assertThat(f.swiotlb.usedSlots()).isZero();
        assertThat(entries(t)).noneMatch(e -> e.isDmaBusAddress() || e.isPageLinkP2pdma());
    }

    @Test
    public void p2pPagesAreNeverMappedAsIfTheyWereRam_contract() {
        DmaDevice dev = device().build();
        SgTable t = table(seg(f.ramPage(0)), seg(f.p2pPage(1), 8, 64));
        DmaMapResult r = f.mapping.mapSgtable(dev, t, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(f.mapping.p2pdmaSupported(dev)).isEqualTo(handlesP2p());
        if (handlesP2p()) {
            SgEntry p = entries(t).get(1);
            assertThat(r.nents()).isEqualTo(2);
            assertThat(p.isDmaBusAddress()).isTrue();
            assertThat(p.dmaAddress()).isEqualTo(DmaFixture.BAR_BUS + PageSize.PAGE_SIZE + 8).isNotEqualTo(p.phys());
        } else {
            assertThat(r.error()).contains(Errno.EREMOTEIO);
            assertThat(entries(t).get(1).dmaAddress()).isNotEqualTo(entries(t).get(1).phys());
        }
    }

    @Test
    public void aBounceRoundTripCarriesTheBytesBothWays_contract() {
        DmaDevice dev = device().swiotlbForceBounce(f.swiotlb).minAlignMask(4095).build();
        DeviceAccess device = DeviceAccess.of(f.memory);
        byte[] cpu = SgLists.pattern(6000, 5);
        long at = DmaFixture.BUFFERS_PHYS + 0x123;
        f.memory.write(at, cpu, 0, cpu.length);
        SgTable t = table(seg(f.ramPage(0), 0x123, cpu.length));
        f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        SgEntry e = entries(t).get(0);
        assertThat(e.dmaAddress() & 4095).isEqualTo(0x123);
        assertThat(device.readSegment(dev, e)).isEqualTo(cpu);
        byte[] back = SgLists.pattern(6000, 6);
        device.write(dev, e.dmaAddress(), back);
        f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(f.memory.read(at, back.length)).isEqualTo(back);
    }

    @Test
    public void aSegmentUpToTheMaxMappingSizeBouncesAndALargerOneFails_contract() {
        DmaDevice dev = device().swiotlbForceBounce(f.swiotlb).build();
        long maxBytes = f.mapping.maxMappingBytes(dev);
        if (maxBytes == DmaMasks.SIZE_MAX) {
            SgTable big = table(seg(f.ramPage(0), 0, 1 << 20));
            assertThat(f.mapping.mapSgtable(dev, big, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isOk()).isTrue();
            f.mapping.unmapSgtable(dev, big, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
            assertThat(f.swiotlb.usedSlots()).isZero();
            assertThat(bouncesForcedDevices()).as("a backend that bounces has a swiotlb limit").isFalse();
            return;
        }
        int max = (int) maxBytes;
        SgTable fits = table(seg(f.ramPage(0), 0, max));
        assertThat(f.mapping.mapSgtable(dev, fits, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isOk()).isTrue();
        f.mapping.unmapSgtable(dev, fits, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        SgTable tooBig = table(seg(f.ramPage(0), 0, max + 1));
        assertThat(f.mapping.mapSgtable(dev, tooBig, DmaDirection.TO_DEVICE, DmaAttrs.NONE).isOk()).isFalse();
        assertThat(f.swiotlb.usedSlots()).isZero();
    }
}
