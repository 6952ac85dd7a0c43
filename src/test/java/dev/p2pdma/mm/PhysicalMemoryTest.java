package dev.p2pdma.mm;

import dev.p2pdma.base.Errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.pci.PciAddress;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The physical address space: regions, real bytes, lazy storage (issue "Mapping model" part 1). */
class PhysicalMemoryTest {

    private static final long GIB = 1L << 30;

    private static PhysicalMemory machine() {
        return PhysicalMemory.of(List.of(
                new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, 4 * GIB, 0),
                new PhysicalMemory.Region("0000:01:00.0 BAR2", PhysicalMemory.Kind.MMIO, 0x3_0000_0000L, 64L << 20, 0x8_0000_0000L)));
    }

    @Test
    void bytesWrittenAreReadBackAcrossChunkBoundaries() {
        try (PhysicalMemory m = machine()) {
            byte[] data = new byte[5 << 20];
            new SplittableRandom(1).nextBytes(data);
            long at = (2L << 20) - 12345;
            m.write(at, data, 0, data.length);
            assertThat(m.read(at, data.length)).isEqualTo(data);
        }
    }

    @Test
    void untouchedMemoryReadsAsZeroAndCostsNothing() {
        try (PhysicalMemory m = machine()) {
            assertThat(m.read(3 * GIB, 4096)).containsOnly((byte) 0);
            assertThat(m.touchedBytes()).isZero();
            m.write(GIB, new byte[] {1}, 0, 1);
            assertThat(m.touchedBytes()).isEqualTo(2L << 20);
        }
    }

    @Test
    void copyMovesBytesBetweenRamAndABar() {
        try (PhysicalMemory m = machine()) {
            byte[] data = "peer to peer".getBytes();
            m.write(0x1000, data, 0, data.length);
            m.copy(0x1000, 0x3_0000_0000L + 64, data.length);
            assertThat(m.read(0x3_0000_0000L + 64, data.length)).isEqualTo(data);
        }
    }

    @Test
    void unbackedAddressesAndRangesCrossingARegionEndAreRefused() {
        try (PhysicalMemory m = machine()) {
            assertThat(m.isBacked(5 * GIB, 1)).isFalse();
            assertThat(m.isBacked(4 * GIB - 1, 2)).isFalse();
            assertThatThrownBy(() -> m.read(5 * GIB, 1)).hasMessageContaining("no memory backs");
            assertThat(m.regionOf(0x3_0000_0000L, 4096)).map(PhysicalMemory.Region::busOffset).contains(0x5_0000_0000L);
        }
    }

    @Test
    void overlappingRegionsAreRejected() {
        assertThatThrownBy(() -> PhysicalMemory.of(List.of(
                new PhysicalMemory.Region("RAM", PhysicalMemory.Kind.RAM, 0, GIB, 0),
                new PhysicalMemory.Region("BAR", PhysicalMemory.Kind.MMIO, GIB - 4096, 8192, GIB - 4096)))).hasMessageContaining("overlaps");
    }

    @Test
    void ramHasOnePagePerPfnAndDeviceMemoryHasNoneUntilRemapped_spec1_2() {
        try (PhysicalMemory m = machine()) {
            MemMap mm = m.memMap();
            Page p = mm.pageOrThrow(0x1234);
            assertThat(mm.pageOrThrow(0x1234)).isSameAs(p);
            assertThat(p.isZoneDevice()).isFalse();
            long barPfn = PageSize.pfn(0x3_0000_0000L);
            assertThat(mm.page(barPfn)).isEmpty();
            DevicePageMap map = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:01:00.0"), 2,
                    0x3_0000_0000L, 64L << 20, 0x5_0000_0000L);
            assertThat(mm.memremap(map)).isEmpty();
            Page dp = mm.pageOrThrow(barPfn + 5);
            assertThat(dp.isP2pdma()).isTrue();
            assertThat(dp.pagemap()).contains(map);
            assertThat(map.busAddress(dp.physAddress())).isEqualTo(0x8_0000_5000L);
        }
    }

    @Test
    void memremapRefusesRamAndOverlappingMaps() {
        try (PhysicalMemory m = machine()) {
            DevicePageMap overRam = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:01:00.0"), 2, 0, 4096, 0);
            assertThat(m.memMap().memremap(overRam)).contains(Errno.ENXIO);
            DevicePageMap a = new DevicePageMap(2, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:01:00.0"), 2, 0x3_0000_0000L, 8192, 0);
            DevicePageMap b = new DevicePageMap(3, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:01:00.0"), 2, 0x3_0000_1000L, 8192, 0);
            assertThat(m.memMap().memremap(a)).isEmpty();
            assertThat(m.memMap().memremap(b)).contains(Errno.EBUSY);
        }
    }

    @Test
    void aPageMapIsUnmappedOnlyAfterKillAndTheLastReference_spec1_1() {
        try (PhysicalMemory m = machine()) {
            DevicePageMap map = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:01:00.0"), 2, 0x3_0000_0000L, 8192, 0);
            m.memMap().memremap(map);
            assertThat(map.tryGet()).isTrue();
            assertThat(m.memMap().memunmap(map)).contains(Errno.EBUSY);
            map.kill();
            assertThat(map.tryGet()).as("no new references once dying").isFalse();
            assertThat(m.memMap().memunmap(map)).contains(Errno.EBUSY);
            map.put();
            assertThat(map.liveReferences()).isZero();
            assertThat(m.memMap().memunmap(map)).isEmpty();
            assertThat(m.memMap().page(PageSize.pfn(0x3_0000_0000L))).isEmpty();
            assertThatThrownBy(map::put).hasMessageContaining("more often");
        }
    }

    @Test
    void pagesOfTheSamePagemapOrBothRamMayMerge_spec2_4() {
        DevicePageMap a = new DevicePageMap(1, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:01:00.0"), 2, 0x100000, 8192, 0);
        DevicePageMap b = new DevicePageMap(2, DevicePageMap.Type.PCI_P2PDMA, PciAddress.parse("0000:02:00.0"), 2, 0x102000, 8192, 0);
        assertThat(Page.haveSamePagemap(Page.ram(1), Page.ram(2))).isTrue();
        assertThat(Page.haveSamePagemap(Page.device(0x100, a), Page.device(0x101, a))).isTrue();
        assertThat(Page.haveSamePagemap(Page.device(0x101, a), Page.device(0x102, b))).isFalse();
        assertThat(Page.haveSamePagemap(Page.ram(0xff), Page.device(0x100, a))).isFalse();
    }
}
