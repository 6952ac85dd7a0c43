package dev.p2pdma.iommu;

import static dev.p2pdma.testing.SgLists.entries;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.DeviceDma;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.sg.SgTable;
import dev.p2pdma.testing.SgLists;
import dev.p2pdma.testing.SwitchMachine;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Strict vs lazy invalidation (issue 4 part 2, spec 5.1 flush queue): in lazy mode an IOVA is never reused before its flush. */
class IommuFlushModeTest {

    private final IommuFixture f = IommuFixture.intel();

    private long mapUnmapOnePage(DmaDevice dev) {
        SgTable t = table(seg(f.machine.ramPage(0)));
        f.mapping.mapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        long dma = entries(t).get(0).dmaAddress();
        f.mapping.unmapSgtable(dev, t, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        return dma;
    }

    @Test
    void strictModeReusesAnIovaAtOnce_spec5_1() {
        IommuDomain d = f.domain(IommuDomainFlushMode.STRICT);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, d).build();
        assertThat(mapUnmapOnePage(dev)).isEqualTo(mapUnmapOnePage(dev));
        assertThat(d.flushQueue()).isEmpty();
    }

    @Test
    void lazyModeNeverHandsOutAnIovaBeforeItsFlush_spec5_1() {
        IommuDomain d = f.domain(IommuDomainFlushMode.LAZY);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, d).build();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < IommuDomainFlushQueue.FQ_SIZE; i++) {
            assertThat(seen.add(mapUnmapOnePage(dev))).as("map %d reused an unflushed IOVA", i).isTrue();
        }
        assertThat(d.flushQueue().orElseThrow().size()).isEqualTo(IommuDomainFlushQueue.FQ_SIZE);
        assertThat(d.flushQueue().orElseThrow().flushes()).isZero();
        mapUnmapOnePage(dev);
        assertThat(d.flushQueue().orElseThrow().flushes()).as("the 257th entry finds the queue full").isEqualTo(1);
        assertThat(d.flushQueue().orElseThrow().size()).isEqualTo(1);
    }

    @Test
    void theTimerFlushesTenMillisecondsAfterTheFirstQueuedEntry_spec5_1() {
        IommuDomain d = f.domain(IommuDomainFlushMode.LAZY);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, d).build();
        long first = mapUnmapOnePage(dev);
        f.clockNs.addAndGet(9_999_999L);
        assertThat(d.flushIfDue()).isFalse();
        assertThat(mapUnmapOnePage(dev)).isNotEqualTo(first);
        f.clockNs.addAndGet(1L);
        assertThat(d.flushIfDue()).isTrue();
        assertThat(d.flushQueue().orElseThrow().size()).isZero();
        assertThat(d.iovaDomain().orElseThrow().allocatedPfns()).isZero();
    }

    @Test
    void aStaleTranslationStaysUsableUntilTheFlushInLazyMode_spec5_1() {
        IommuDomain d = f.domain(IommuDomainFlushMode.LAZY);
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, d).build();
        DeviceDma device = DeviceDma.of(f.topology, f.memory);
        byte[] data = SgLists.pattern(32, 4);
        f.memory.write(SwitchMachine.BUFFERS_PHYS, data, 0, data.length);
        long dma = mapUnmapOnePage(dev);
        assertThat(d.pageTable().isEmpty()).isTrue();
        assertThat(device.tryRead(dev, dma, 32)).as("the IOTLB still holds the old translation").contains(data);
        d.flush();
        assertThat(device.tryRead(dev, dma, 32)).isEmpty();
        assertThat(d.faults()).hasSize(1);
    }
}
