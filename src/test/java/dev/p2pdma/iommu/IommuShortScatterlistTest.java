package dev.p2pdma.iommu;

import dev.p2pdma.testing.SwitchMachine;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import org.junit.jupiter.api.Test;

/**
 * Spec 2.2, 5.3: dma-iommu walks exactly the nents entries it is given (for_each_sg) in map,
 * unmap and both syncs; a list shorter than nents is refused loudly, never cut short quietly.
 */
class IommuShortScatterlistTest {

    private final IommuFixture f = IommuFixture.intel();
    private final IommuDomain domain = f.domain(IommuDomainFlushMode.STRICT);

    @Test
    void dmaIommuRefusesAListShorterThanNentsInMapUnmapAndSync_spec2_2_spec5_3() {
        DmaDevice dev = f.client(SwitchMachine.SWITCH_PEER, domain).coherent(false).build();
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)));
        SgEntry first = t.first().orElseThrow();
        assertThatThrownBy(() -> f.mapping.mapSg(dev, first, 3, DmaDirection.TO_DEVICE, DmaAttrs.NONE.with(DmaAttrs.SKIP_CPU_SYNC)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 3 entries");
        assertThat(domain.pageTable().mappedBytes()).as("nothing mapped").isZero();
        assertThatThrownBy(() -> f.mapping.unmapSg(dev, first, 3, DmaDirection.TO_DEVICE, DmaAttrs.NONE.with(DmaAttrs.SKIP_CPU_SYNC)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 3 entries");
        assertThatThrownBy(() -> f.mapping.syncSgForCpu(dev, first, 3, DmaDirection.FROM_DEVICE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 3 entries");
        assertThatThrownBy(() -> f.mapping.syncSgForDevice(dev, first, 3, DmaDirection.TO_DEVICE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 3 entries");
    }
}
