package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.base.Errno;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import org.junit.jupiter.api.Test;

/** The 2025 two-step DMA API (spec 8.1): try_alloc / link / sync / unlink / free / destroy, and P2P classified per provider. */
class DmaIovaTest {

    private final IommuFixture f = IommuFixture.intel();
    private final IommuDomain domain = f.domain(IommuDomainFlushMode.STRICT);
    private final DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, domain).build();
    private final DmaIova api = DmaIova.on(f.mapping);
    private final long buf = SwitchMachine.BUFFERS_PHYS;

    @Test
    void tryAllocKeepsTheIntraGranuleOffsetOfPhys_spec8_1() {
        DmaIovaState s = api.tryAlloc(dev, buf + 0x80, 8192).orElseThrow();
        assertThat(s.addr() & 4095).isEqualTo(0x80);
        assertThat(s.sizeBytes()).isEqualTo(8192);
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).as("align_up(8192 + 0x80) = 3 granules, rounded to 4").isEqualTo(4);
        api.free(dev, s);
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void tryAllocFailsWithoutTheIommuLayerOrForSizeZero_spec8_1() {
        DmaDevice direct = DmaDevice.forPci(f.topology, SwitchMachine.SWITCH_PEER).dmaMaskAndCoherent(DmaMasks.bitMask(64)).build();
        assertThat(api.tryAlloc(direct, buf, 4096)).isEmpty();
        assertThat(api.tryAlloc(dev, buf, 0)).isEmpty();
        assertThat(f.warnings.warnings()).anyMatch(w -> w.contains("dma_iova_try_alloc"));
    }

    @Test
    void linkedPiecesReadBackAtTheirOffsetsThenUnlinkAndFreeLeaveNothing_spec8_1() {
        DmaIovaState s = api.tryAlloc(dev, buf + 0x100, 3 * 4096).orElseThrow();
        byte[] a = SgLists.pattern(4096 - 0x100, 1);
        byte[] b = SgLists.pattern(4096, 2);
        f.memory.write(buf + 0x100, a, 0, a.length);
        f.memory.write(buf + 10 * 4096, b, 0, b.length);
        assertThat(api.link(dev, s, buf + 0x100, 0, a.length, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEmpty();
        assertThat(api.link(dev, s, buf + 10 * 4096, a.length, 4096, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEmpty();
        assertThat(api.sync(dev, s, 0, a.length + 4096)).isEmpty();
        DeviceDma device = DeviceDma.of(f.topology, f.memory);
        assertThat(device.read(dev, s.addr(), a.length)).isEqualTo(a);
        assertThat(device.read(dev, s.addr() + a.length, 4096)).isEqualTo(b);
        api.unlink(dev, s, 0, a.length, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        api.unlink(dev, s, a.length, 4096, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(domain.pageTable().isEmpty()).isTrue();
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).as("unlink keeps the IOVA").isPositive();
        api.free(dev, s);
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void anUnalignedPieceAfterTheFirstIsAWarnAndEio_spec8_1() {
        DmaIovaState s = api.tryAlloc(dev, buf, 3 * 4096).orElseThrow();
        assertThat(api.link(dev, s, buf, 0, 4096, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEmpty();
        assertThat(api.link(dev, s, buf + 4096 + 12, 4096, 100, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).contains(Errno.EIO);
        assertThat(f.warnings.warnings()).anyMatch(w -> w.contains("iova_start_pad && offset > 0"));
        api.destroy(dev, s, 4096, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(domain.pageTable().isEmpty()).isTrue();
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void aPieceOverlappingTheLastPartialOneIsRefused_spec8_1() {
        DmaIovaState s = api.tryAlloc(dev, buf, 3 * 4096).orElseThrow();
        assertThat(api.link(dev, s, buf, 0, 100, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isEmpty();
        assertThat(api.link(dev, s, buf + 8 * 4096, 100, 4096, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).isPresent();
        assertThat(api.link(dev, s, buf, 2 * 4096, 2 * 4096, DmaDirection.TO_DEVICE, DmaAttrs.NONE)).as("past the allocation").contains(Errno.EINVAL);
        api.destroy(dev, s, 100, DmaDirection.TO_DEVICE, DmaAttrs.NONE);
        assertThat(domain.pageTable().isEmpty()).isTrue();
        assertThat(domain.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void destroyInLazyModeQueuesTheIovaUntilTheFlush_spec8_1() {
        IommuDomain lazy = f.domain(IommuDomainFlushMode.LAZY);
        DmaDevice d = f.client(SwitchMachine.SWITCH_PEER, lazy).build();
        DmaIovaState s = api.tryAlloc(d, buf, 4096).orElseThrow();
        api.link(d, s, buf, 0, 4096, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        api.destroy(d, s, 4096, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        assertThat(lazy.flushQueue().orElseThrow().size()).isEqualTo(1);
        lazy.flush();
        assertThat(lazy.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void p2pIsClassifiedPerProvider_spec8_1() {
        assertThat(api.p2pState(dev, f.machine.ramPage(0))).isEqualTo(MapType.NONE);
        assertThat(api.p2pState(dev, f.machine.p2pPage(0))).isEqualTo(MapType.BUS_ADDR);
        assertThat(DmaIova.busAddress(f.machine.p2pPage(2), 16)).isEqualTo(SwitchMachine.BAR_BUS + 2 * 4096 + 16);
        DmaDevice far = f.client(SwitchMachine.OTHER_ROOT, domain).build();
        assertThat(api.p2pState(far, f.machine.p2pPage(0))).isEqualTo(MapType.NOT_SUPPORTED);
        IommuFixture amd = IommuFixture.amd();
        IommuDomain amdDomain = amd.domain(IommuDomainFlushMode.STRICT);
        DmaDevice amdFar = amd.client(SwitchMachine.OTHER_ROOT, amdDomain).build();
        DmaIova amdApi = DmaIova.on(amd.mapping);
        assertThat(amdApi.p2pState(amdFar, amd.machine.p2pPage(0))).isEqualTo(MapType.THRU_HOST_BRIDGE);
        DmaIovaState s = amdApi.tryAlloc(amdFar, SwitchMachine.BAR_CPU, 4096).orElseThrow();
        assertThat(amdApi.link(amdFar, s, SwitchMachine.BAR_CPU, 0, 4096, DmaDirection.TO_DEVICE, new DmaAttrs(DmaAttrs.MMIO))).isEmpty();
        assertThat(amdDomain.pageTable().lookup(s.addr()).orElseThrow().prot().bits() & IommuProt.MMIO).isNotZero();
        amdApi.destroy(amdFar, s, 4096, DmaDirection.TO_DEVICE, new DmaAttrs(DmaAttrs.MMIO));
        assertThat(amdDomain.pageTable().isEmpty()).isTrue();
    }
}
