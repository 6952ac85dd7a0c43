package dev.p2pdma.dma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** Spec 4: swiotlb slot allocation (sizes, segments, alignment, boundary, areas, exhaustion) and its limits. */
class SwiotlbTest {

    /** Bytes per slot. */
    private static final int SLOT = Swiotlb.IO_TLB_SIZE;
    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();
    /** A plain 64-bit device. */
    private final DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).build();
    /** An original buffer address. */
    private final long buf = SwitchMachine.BUFFERS_PHYS;

    private long map(Swiotlb pool, DmaDevice d, long orig, long size) {
        return pool.tblMapSingle(f.warnings, d, orig, size, 0, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
    }

    private int slotOf(Swiotlb pool, long tlb) {
        return (int) ((tlb - pool.startPhys()) / SLOT);
    }

    @Test
    void aMappingTakesCeilOfSizeOverSlotSizeSlots_spec4() {
        long tlb = map(f.swiotlb, dev, buf, 5000);
        assertThat(f.swiotlb.usedSlots()).isEqualTo(3);
        f.swiotlb.tblUnmapSingle(f.warnings, dev, tlb, 5000, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void theMinAlignMaskOffsetIsPreservedAndCountedInTheSlots_spec4() {
        DmaDevice nvme = dev.toBuilder().minAlignMask(4095).build();
        long orig = buf + 0x900;
        long tlb = map(f.swiotlb, nvme, orig, 2048);
        assertThat(tlb & 4095).isEqualTo(0x900);
        assertThat(f.swiotlb.usedSlots()).isEqualTo(2);
        long plain = map(f.swiotlb, dev, orig, 2048);
        assertThat(plain & (SLOT - 1)).isZero();
        assertThat(f.swiotlb.usedSlots()).isEqualTo(3);
    }

    @Test
    void noAllocationCrossesA128SlotSegment_spec4() {
        long a = map(f.swiotlb, dev, buf, 64L * SLOT);
        long b = map(f.swiotlb, dev, buf, 100L * SLOT);
        assertThat(slotOf(f.swiotlb, a)).isZero();
        int first = slotOf(f.swiotlb, b);
        assertThat(first / Swiotlb.IO_TLB_SEGSIZE).isEqualTo((first + 99) / Swiotlb.IO_TLB_SEGSIZE);
        assertThat(first).isEqualTo(128);
    }

    @Test
    void aSegmentSizedMappingFitsAndAnythingLargerNeverDoes_spec4() {
        assertThat(map(f.swiotlb, dev, buf, 128L * SLOT)).isNotEqualTo(DmaMasks.DMA_MAPPING_ERROR);
        assertThat(map(f.swiotlb, dev, buf, 128L * SLOT + 1)).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
    }

    @Test
    void sizesOfAPageOrMoreArePageAlignedAndSmallerOnesSlotAligned_spec4() {
        long s1 = map(f.swiotlb, dev, buf, 100);
        long s2 = map(f.swiotlb, dev, buf, 100);
        assertThat(slotOf(f.swiotlb, s1)).isZero();
        assertThat(slotOf(f.swiotlb, s2)).isEqualTo(1);
        long page = map(f.swiotlb, dev, buf, 4096);
        assertThat(page % 4096).isZero();
        assertThat(slotOf(f.swiotlb, page)).isEqualTo(2);
        long odd = map(f.swiotlb, dev, buf, 100);
        long page2 = map(f.swiotlb, dev, buf, 6000);
        assertThat(slotOf(f.swiotlb, odd)).isEqualTo(4);
        assertThat(slotOf(f.swiotlb, page2)).isEqualTo(6);
    }

    @Test
    void anExplicitAllocAlignMaskIsHonouredAndRoundsTheSizeUp_spec4() {
        map(f.swiotlb, dev, buf, 100);
        long tlb = f.swiotlb.tblMapSingle(f.warnings, dev, buf, 2048, 0x3FFF, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(tlb & 0x3FFF).isZero();
        assertThat(f.swiotlb.usedSlots()).isEqualTo(1 + 8);
        assertThat(f.warnings.warnings()).containsExactly(
                "WARNING: nvme 0000:04:00.0: Alloc alignment may prevent fulfilling requests with max mapping_size");
    }

    @Test
    void theDeviceSegmentBoundaryIsNotCrossed_spec4() {
        DmaDevice bounded = dev.toBuilder().segmentBoundaryMask(0x3FFF).build();
        map(f.swiotlb, bounded, buf, 100);
        long tlb = map(f.swiotlb, bounded, buf, 4L * SLOT);
        // 8-slot boundary windows: 2..5 fits, the next page-aligned candidate 6..9 would straddle slot 8
        assertThat(slotOf(f.swiotlb, tlb)).isEqualTo(2);
        long crossing = map(f.swiotlb, bounded, buf, 4L * SLOT);
        assertThat(slotOf(f.swiotlb, crossing)).isEqualTo(8);
        long whole = map(f.swiotlb, bounded, buf, 8L * SLOT);
        assertThat(slotOf(f.swiotlb, whole) % 8).isZero();
        assertThat(map(f.swiotlb, bounded, buf, 9L * SLOT)).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
    }

    @Test
    void exhaustionGivesTheMappingErrorAndTheFullLine_spec4() {
        Swiotlb small = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 128, 1, () -> 0);
        map(small, dev, buf, 64L * SLOT);
        map(small, dev, buf, 64L * SLOT);
        assertThat(map(small, dev, buf, 64L * SLOT)).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
        assertThat(f.log.lines()).containsExactly(
                "nvme 0000:04:00.0: swiotlb buffer is full (sz: 131072 bytes), total 128 (slots), used 128 (slots)");
    }

    @Test
    void noWarnSuppressesTheFullLine_spec4() {
        Swiotlb small = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 128, 1, () -> 0);
        map(small, dev, buf, 128L * SLOT);
        assertThat(small.tblMapSingle(f.warnings, dev, buf, 100, 0, DmaDirection.TO_DEVICE, new DmaAttrs(DmaAttrs.NO_WARN)))
                .isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
        assertThat(f.log.lines()).isEmpty();
    }

    @Test
    void theFullLineIsRateLimitedToTenPerFiveSeconds_spec4() {
        Swiotlb small = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 128, 1, () -> 0);
        map(small, dev, buf, 128L * SLOT);
        for (int i = 0; i < 13; i++) {
            map(small, dev, buf, 100);
        }
        assertThat(f.log.lines()).hasSize(10);
        f.clockNs.addAndGet(5_000_000_001L);
        map(small, dev, buf, 100);
        assertThat(f.log.lines()).hasSize(12);
        assertThat(f.log.lines().get(10)).isEqualTo("swiotlb_tbl_map_single: 3 callbacks suppressed");
    }

    @Test
    void releasedSlotsMergeWithTheirFreeNeighbours_spec4() {
        Swiotlb small = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 128, 1, () -> 0);
        long a = map(small, dev, buf, 32L * SLOT);
        long b = map(small, dev, buf, 32L * SLOT);
        long c = map(small, dev, buf, 64L * SLOT);
        small.tblUnmapSingle(f.warnings, dev, b, 32L * SLOT, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        small.tblUnmapSingle(f.warnings, dev, a, 32L * SLOT, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        small.tblUnmapSingle(f.warnings, dev, c, 64L * SLOT, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(small.usedSlots()).isZero();
        assertThat(map(small, dev, buf, 128L * SLOT)).isEqualTo(small.startPhys());
    }

    @Test
    void theSearchStartsAfterThePreviousAllocation_spec4() {
        long a = map(f.swiotlb, dev, buf, 100);
        f.swiotlb.tblUnmapSingle(f.warnings, dev, a, 100, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        long b = map(f.swiotlb, dev, buf, 100);
        assertThat(slotOf(f.swiotlb, b)).isEqualTo(1);
    }

    @Test
    void theSearchStartsInTheCallingCpusAreaAndMovesOnWhenItIsFull_spec4() {
        Swiotlb two = Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 512, 2, () -> 3);
        long first = map(two, dev, buf, 128L * SLOT);
        assertThat(slotOf(two, first)).isEqualTo(256);
        map(two, dev, buf, 128L * SLOT);
        assertThat(two.areaUsedSlots(1)).isEqualTo(256);
        long spill = map(two, dev, buf, 100);
        assertThat(slotOf(two, spill)).isLessThan(256);
        assertThat(two.areaUsedSlots(0)).isEqualTo(1);
    }

    @Test
    void aBounceBufferTheDeviceCannotReachIsReleasedWithAWarn_spec4() {
        DmaDevice low = dev.toBuilder().dmaMask(DmaMasks.bitMask(24)).swiotlbForceBounce(f.swiotlb).build();
        assertThat(f.swiotlb.map(f.mapping, low, buf, 4096, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEqualTo(DmaMasks.DMA_MAPPING_ERROR);
        assertThat(f.swiotlb.usedSlots()).isZero();
        assertThat(f.warnings.warnings()).containsExactly(
                "WARNING: nvme 0000:04:00.0: swiotlb addr 0x0000000001000000+4096 overflow (mask ffffff, bus limit 0).");
    }

    @Test
    void theMaxMappingSizeIs256KiBMinusTheMinAlignMaskRoundedToASlot_spec4() {
        assertThat(Swiotlb.maxMappingBytes(dev)).isEqualTo(256 * 1024);
        assertThat(Swiotlb.maxMappingBytes(dev.toBuilder().minAlignMask(4095).build())).isEqualTo(252 * 1024);
        assertThat(Swiotlb.maxMappingBytes(dev.toBuilder().minAlignMask(1023).build())).isEqualTo(254 * 1024);
    }

    @Test
    void aMaxSizedMappingWithAMinAlignOffsetStillFits_spec4() {
        DmaDevice nvme = dev.toBuilder().minAlignMask(4095).build();
        long size = Swiotlb.maxMappingBytes(nvme);
        long tlb = map(f.swiotlb, nvme, buf + 4095, size);
        assertThat(tlb).isNotEqualTo(DmaMasks.DMA_MAPPING_ERROR);
        assertThat(tlb & 4095).isEqualTo(4095);
    }

    @Test
    void unmappingAFreeBufferIsRefused_spec4() {
        long a = map(f.swiotlb, dev, buf, 100);
        f.swiotlb.tblUnmapSingle(f.warnings, dev, a, 100, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThatThrownBy(() -> f.swiotlb.tblUnmapSingle(f.warnings, dev, a, 100, DmaDirection.TO_DEVICE, DmaAttrs.NONE))
                .isInstanceOf(IllegalStateException.class);
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void aPoolMustBeWholeSegmentsOfPageAlignedRam_spec4() {
        assertThatThrownBy(() -> Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 100, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS, 384, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Swiotlb.create(f.memory, SwitchMachine.BAR_CPU, 128, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Swiotlb.create(f.memory, DmaFixture.SWIOTLB_PHYS + 2048, 128, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
