package dev.p2pdma.dma;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.mm.PageSize;
import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Spec 4, bounce directions: which of map, sync_for_device, sync_for_cpu and unmap copy, with real bytes. */
class SwiotlbBounceTest {

    /** Bytes per mapping. */
    private static final int LEN = 3 * PageSize.PAGE_SIZE;
    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();
    /** A device forced to bounce. */
    private final DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER).swiotlbForceBounce(f.swiotlb).build();
    /** The device side. */
    private final DeviceDma device = DeviceDma.of(f.topology, f.memory);
    /** What the CPU wrote before mapping. */
    private final byte[] original = SgLists.pattern(LEN, 1);
    /** What the CPU writes after mapping. */
    private final byte[] newer = SgLists.pattern(LEN, 2);
    /** What the device writes. */
    private final byte[] fromDevice = SgLists.pattern(LEN, 3);

    /** Writes {@code original} into the buffer and maps it for {@code dir}. */
    private SgTable mapped(DmaDirection dir) {
        f.memory.write(SwitchMachine.BUFFERS_PHYS, original, 0, LEN);
        SgTable t = table(seg(f.machine.ramPage(0), 0, LEN));
        assertThat(f.mapping.mapSgtable(dev, t, dir, DmaAttrs.NONE).nents()).isEqualTo(1);
        return t;
    }

    private SgEntry only(SgTable t) {
        return entries(t).get(0);
    }

    private byte[] cpuView() {
        return f.memory.read(SwitchMachine.BUFFERS_PHYS, LEN);
    }

    @Test
    void mapAlwaysCopiesTheOriginalIntoTheBounceBuffer_spec4() {
        for (DmaDirection dir : new DmaDirection[] {DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL}) {
            SgTable t = mapped(dir);
            assertThat(device.readSegment(dev, only(t))).as(dir.name()).isEqualTo(original);
            f.mapping.unmapSgtable(dev, t, dir, DmaAttrs.SKIP_SYNC);
        }
    }

    @Test
    void syncForDeviceCopiesForToDeviceAndBidirectionalOnly_spec4() {
        for (DmaDirection dir : new DmaDirection[] {DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL}) {
            SgTable t = mapped(dir);
            f.memory.write(SwitchMachine.BUFFERS_PHYS, newer, 0, LEN);
            assertThat(device.readSegment(dev, only(t))).as("stale before sync, " + dir).isEqualTo(original);
            f.mapping.syncSgtableForDevice(dev, t, dir);
            assertThat(device.readSegment(dev, only(t))).as(dir.name()).isEqualTo(dir.deviceReads() ? newer : original);
            f.mapping.unmapSgtable(dev, t, dir, DmaAttrs.SKIP_SYNC);
        }
    }

    @Test
    void syncForCpuCopiesForFromDeviceAndBidirectionalOnly_spec4() {
        for (DmaDirection dir : new DmaDirection[] {DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL}) {
            SgTable t = mapped(dir);
            device.write(dev, only(t).dmaAddress(), fromDevice);
            assertThat(cpuView()).as("not yet visible, " + dir).isEqualTo(original);
            f.mapping.syncSgtableForCpu(dev, t, dir);
            assertThat(cpuView()).as(dir.name()).isEqualTo(dir.deviceWrites() ? fromDevice : original);
            f.mapping.unmapSgtable(dev, t, dir, DmaAttrs.SKIP_SYNC);
        }
    }

    @Test
    void unmapCopiesBackForFromDeviceAndBidirectionalOnly_spec4() {
        for (DmaDirection dir : new DmaDirection[] {DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL}) {
            SgTable t = mapped(dir);
            device.write(dev, only(t).dmaAddress(), fromDevice);
            f.mapping.unmapSgtable(dev, t, dir, DmaAttrs.NONE);
            assertThat(cpuView()).as(dir.name()).isEqualTo(dir.deviceWrites() ? fromDevice : original);
        }
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void unmapWithSkipCpuSyncCopiesNothing_spec4() {
        SgTable t = mapped(DmaDirection.BIDIRECTIONAL);
        device.write(dev, only(t).dmaAddress(), fromDevice);
        f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.SKIP_SYNC);
        assertThat(cpuView()).isEqualTo(original);
        assertThat(f.swiotlb.usedSlots()).isZero();
    }

    @Test
    void aSyncInsideAMappingCopiesJustThatRange_spec4() {
        DmaDevice nvme = dev.toBuilder().minAlignMask(4095).build();
        long orig = SwitchMachine.BUFFERS_PHYS + 0x300;
        f.memory.write(orig, original, 0, 8000);
        long tlb = f.swiotlb.tblMapSingle(f.warnings, nvme, orig, 8000, 0, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        f.memory.write(orig, newer, 0, 8000);
        f.swiotlb.syncSingleForDevice(f.warnings, nvme, tlb + 3000, 100, DmaDirection.TO_DEVICE);
        byte[] bounce = f.memory.read(tlb, 8000);
        assertThat(Arrays.copyOfRange(bounce, 3000, 3100)).isEqualTo(Arrays.copyOfRange(newer, 3000, 3100));
        assertThat(Arrays.copyOfRange(bounce, 0, 3000)).isEqualTo(Arrays.copyOfRange(original, 0, 3000));
        assertThat(Arrays.copyOfRange(bounce, 3100, 8000)).isEqualTo(Arrays.copyOfRange(original, 3100, 8000));
    }

    @Test
    void aSyncBeyondTheAllocationIsCutWithAOnceOnlyWarn_spec4() {
        long tlb = f.swiotlb.tblMapSingle(f.warnings, dev, SwitchMachine.BUFFERS_PHYS, 100, 0, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        f.swiotlb.syncSingleForCpu(f.warnings, dev, tlb, 5000, DmaDirection.FROM_DEVICE);
        assertThat(f.warnings.warnings()).singleElement().asString().contains("Buffer overflow detected. Allocation size: 100. Mapping size: 5000.");
    }

    @Test
    void aDeviceReadsStaleDataUntilTheDriverSyncsForTheDevice_spec4() {
        SgTable t = mapped(DmaDirection.TO_DEVICE);
        byte[] b = original.clone();
        b[0] ^= 0x55;
        f.memory.write(SwitchMachine.BUFFERS_PHYS, b, 0, 1);
        assertThat(device.read(dev, only(t).dmaAddress(), 1)[0]).isEqualTo(original[0]);
        f.mapping.syncSgtableForDevice(dev, t, DmaDirection.TO_DEVICE);
        assertThat(device.read(dev, only(t).dmaAddress(), 1)[0]).isEqualTo(b[0]);
    }

    @Test
    void tblUnmapSingleCopiesBackForDeviceWritesUnlessSkipCpuSync_spec4() {
        for (boolean skip : new boolean[] {false, true}) {
            f.memory.write(SwitchMachine.BUFFERS_PHYS, original, 0, LEN);
            long tlb = f.swiotlb.tblMapSingle(f.warnings, dev, SwitchMachine.BUFFERS_PHYS, LEN, 0, DmaDirection.FROM_DEVICE, DmaAttrs.NONE);
            f.memory.write(tlb, fromDevice, 0, LEN);
            f.swiotlb.tblUnmapSingle(f.warnings, dev, tlb, LEN, DmaDirection.FROM_DEVICE, skip ? DmaAttrs.SKIP_SYNC : DmaAttrs.NONE);
            assertThat(cpuView()).as("skip=" + skip).isEqualTo(skip ? original : fromDevice);
        }
        assertThat(f.swiotlb.usedSlots()).isZero();
    }
}
