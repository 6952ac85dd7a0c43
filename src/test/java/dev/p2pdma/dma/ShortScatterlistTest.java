package dev.p2pdma.dma;

import dev.p2pdma.testing.SwitchMachine;
import static dev.p2pdma.testing.SgLists.seg;
import static dev.p2pdma.testing.SgLists.table;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import org.junit.jupiter.api.Test;

/**
 * Spec 2.2, 3.3: dma-direct and the legacy ops walk exactly the nents entries they are given
 * (for_each_sg); a list shorter than nents is a caller bug the model refuses loudly, where the
 * kernel would follow a NULL sg_next().
 */
class ShortScatterlistTest {

    /** The machine. */
    private final DmaFixture f = DmaFixture.intel();

    private void assertEveryWalkRefusesTheShortList(DmaDevice dev) {
        SgTable t = table(seg(f.machine.ramPage(0)), seg(f.machine.ramPage(1)));
        SgEntry first = t.first().orElseThrow();
        assertThatThrownBy(() -> f.mapping.mapSg(dev, first, 3, DmaDirection.TO_DEVICE, DmaAttrs.NONE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 3 entries");
        assertThatThrownBy(() -> f.mapping.unmapSg(dev, first, 3, DmaDirection.TO_DEVICE, DmaAttrs.NONE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 3 entries");
        assertThatThrownBy(() -> f.mapping.syncSgForCpu(dev, first, 3, DmaDirection.FROM_DEVICE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 3 entries");
        assertThatThrownBy(() -> f.mapping.syncSgForDevice(dev, first, 3, DmaDirection.TO_DEVICE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 3 entries");
    }

    @Test
    void dmaDirectRefusesAListShorterThanNents_spec2_2_spec3_3() {
        assertEveryWalkRefusesTheShortList(f.client(SwitchMachine.SWITCH_PEER).build());
    }

    @Test
    void legacyOpsRefuseAListShorterThanNents_spec2_2() {
        assertEveryWalkRefusesTheShortList(f.client(SwitchMachine.SWITCH_PEER).ops(LegacyDmaOps.create()).build());
    }
}
