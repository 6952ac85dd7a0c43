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

/** Spec 9: a caller that falls back to a bounce through RAM, written against each API shape. */
class P2pFallbackTest {

    /** The RAM buffer the fallback copies through. */
    private static final long RAM_BUF = 128L << 20;
    /** The machine. */
    private final DmaFixture intel = DmaFixture.intel();
    /** The device side. */
    private final DeviceDma device = DeviceDma.of(intel.topology, intel.memory);
    /** What the P2P pages hold. */
    private final byte[] p2pData = SgLists.pattern(3 * PageSize.PAGE_SIZE, 9);

    private SgTable p2pTable(DmaFixture f) {
        f.memory.write(SwitchMachine.BAR_CPU, p2pData, 0, p2pData.length);
        return table(seg(f.machine.p2pPage(0)), seg(f.machine.p2pPage(1)), seg(f.machine.p2pPage(2)));
    }

    private P2pFallback fallback(DmaFixture f) {
        return P2pFallback.of(f.mapping, new P2pFallback.RamBuffer(RAM_BUF, 16 * PageSize.PAGE_SIZE));
    }

    private byte[] deviceReadsAll(DmaDevice dev, SgTable t, int nents) {
        byte[] out = new byte[p2pData.length];
        int at = 0;
        for (SgEntry e : t.entries(nents)) {
            byte[] b = device.readSegment(dev, e);
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
    }

    @Test
    void sgtableShapeFallsBackOnEremoteioAndTheDeviceReadsTheP2pData_spec9_4() {
        DmaDevice dev = intel.client(SwitchMachine.OTHER_ROOT).build();
        SgTable p2p = p2pTable(intel);
        P2pFallback.Outcome o = fallback(intel).mapWithSgtable(dev, p2p, DmaDirection.TO_DEVICE);
        assertThat(o).isInstanceOf(P2pFallback.MappedViaRam.class);
        P2pFallback.MappedViaRam v = (P2pFallback.MappedViaRam) o;
        assertThat(v.why()).isEqualTo("dma_map_sgtable() = -EREMOTEIO");
        assertThat(deviceReadsAll(dev, v.ramTable(), v.nents())).isEqualTo(p2pData);
        fallback(intel).complete(dev, o, DmaDirection.TO_DEVICE);
    }

    @Test
    void dataTheDeviceWritesThroughRamLandsInTheP2pPagesOnCompletion_spec9_4() {
        DmaDevice dev = intel.client(SwitchMachine.OTHER_ROOT).build();
        SgTable p2p = p2pTable(intel);
        P2pFallback fb = fallback(intel);
        P2pFallback.MappedViaRam v = (P2pFallback.MappedViaRam) fb.mapWithSgtable(dev, p2p, DmaDirection.FROM_DEVICE);
        byte[] written = SgLists.pattern(p2pData.length, 10);
        int at = 0;
        for (SgEntry e : v.ramTable().entries(v.nents())) {
            byte[] chunk = Arrays.copyOfRange(written, at, at + e.dmaLength());
            device.write(dev, e.dmaAddress(), chunk);
            at += e.dmaLength();
        }
        fb.complete(dev, v, DmaDirection.FROM_DEVICE);
        assertThat(intel.memory.read(SwitchMachine.BAR_CPU, written.length)).isEqualTo(written);
    }

    @Test
    void reachableMemoryIsMappedDirectlyInEveryShape_spec9() {
        DmaDevice dev = intel.client(SwitchMachine.SWITCH_PEER).build();
        P2pFallback fb = fallback(intel);
        for (int shape = 0; shape < 4; shape++) {
            SgTable p2p = p2pTable(intel);
            P2pFallback.Outcome o = switch (shape) {
                case 0 -> fb.mapWithSgtable(dev, p2p, DmaDirection.TO_DEVICE);
                case 1 -> fb.mapWithMapSgRfc(dev, p2p, DmaDirection.TO_DEVICE);
                case 2 -> fb.mapWithMapSg(dev, p2p, DmaDirection.TO_DEVICE);
                default -> fb.mapWithDedicated(dev, p2p, DmaDirection.TO_DEVICE);
            };
            assertThat(o).as("shape " + shape).isInstanceOf(P2pFallback.MappedDirect.class);
            if (shape == 1) {
                // the RFC's formula (phys + offset - bus_offset) points the device at no memory when the bus offset is not 0
                assertThat(device.target(dev, entries(p2p).get(0).dmaAddress(), 4096)).isEmpty();
            } else {
                assertThat(deviceReadsAll(dev, p2p, 3)).as("shape " + shape).isEqualTo(p2pData);
            }
            fb.complete(dev, o, DmaDirection.TO_DEVICE);
        }
    }

    @Test
    void eachShapeNamesTheFailureItFellBackOn_spec9() {
        DmaDevice dev = intel.client(SwitchMachine.OTHER_ROOT).build();
        P2pFallback fb = fallback(intel);
        assertThat(((P2pFallback.MappedViaRam) fb.mapWithMapSgRfc(dev, p2pTable(intel), DmaDirection.TO_DEVICE)).why())
                .isEqualTo("dma_map_sg() = -121");
        assertThat(((P2pFallback.MappedViaRam) fb.mapWithMapSg(dev, p2pTable(intel), DmaDirection.TO_DEVICE)).why())
                .isEqualTo("dma_map_sg() = 0 (reason unknown)");
        assertThat(((P2pFallback.MappedViaRam) fb.mapWithDedicated(dev, p2pTable(intel), DmaDirection.TO_DEVICE)).why())
                .isEqualTo("dma_map_sg_p2p() = -ENXIO");
    }

    @Test
    void onlyTheZeroReturningShapeBouncesAFailureThatIsNotAboutP2p_spec9_3() {
        // AMD: the host-bridge path is allowed, but the BAR at 8 GiB is beyond a 32-bit mask: -EIO, not -EREMOTEIO
        DmaFixture amd = DmaFixture.amd();
        DmaDevice dev = amd.client(SwitchMachine.OTHER_ROOT).dmaMask(DmaMasks.bitMask(32)).build();
        P2pFallback fb = fallback(amd);
        assertThat(fb.mapWithSgtable(dev, p2pTable(amd), DmaDirection.TO_DEVICE)).isInstanceOf(P2pFallback.Failed.class);
        assertThat(fb.mapWithDedicated(dev, p2pTable(amd), DmaDirection.TO_DEVICE)).isInstanceOf(P2pFallback.Failed.class);
        assertThat(fb.mapWithMapSgRfc(dev, p2pTable(amd), DmaDirection.TO_DEVICE)).isInstanceOf(P2pFallback.Failed.class);
        assertThat(fb.mapWithMapSg(dev, p2pTable(amd), DmaDirection.TO_DEVICE)).isInstanceOf(P2pFallback.MappedViaRam.class);
    }

    @Test
    void aBackendWithoutP2pSupportSendsTheSgMapSgCallerToRamBeforeMapping_spec3_2() {
        DmaDevice dev = intel.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).build();
        P2pFallback.Outcome o = fallback(intel).mapWithMapSg(dev, p2pTable(intel), DmaDirection.TO_DEVICE);
        assertThat(((P2pFallback.MappedViaRam) o).why()).isEqualTo("dma_pci_p2pdma_supported() = false");
        assertThat(fallback(intel).mapWithSgtable(dev, p2pTable(intel), DmaDirection.TO_DEVICE)).isInstanceOf(P2pFallback.MappedViaRam.class);
    }

    @Test
    void aRamBufferTooSmallFailsWithEnomem_spec9() {
        DmaDevice dev = intel.client(SwitchMachine.OTHER_ROOT).build();
        P2pFallback tiny = P2pFallback.of(intel.mapping, new P2pFallback.RamBuffer(RAM_BUF, PageSize.PAGE_SIZE));
        P2pFallback.Outcome o = tiny.mapWithSgtable(dev, p2pTable(intel), DmaDirection.TO_DEVICE);
        assertThat(o).isInstanceOf(P2pFallback.Failed.class);
        assertThat(((P2pFallback.Failed) o).kernelReturn()).isEqualTo(-12);
        assertThat(entries(p2pTable(intel))).noneMatch(SgEntry::isDmaBusAddress);
    }
}
