package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.IovaWorkload;
import org.junit.jupiter.api.Test;

/**
 * The IOVA check values of {@code ../shared/bench/workloads.md}, printed by the kernel's own
 * {@code drivers/iommu/iova.c}: the same pfns, run for run, prove the allocator makes the kernel's
 * exact choices (top-down search from the cached node, size alignment, cached node moved to the
 * successor on free, rcache magazines).
 */
class IovaWorkloadCheckValuesTest {

    @Test
    void warmSize1PopsTheSamePfnEveryTimeFromTheLoadedMagazine_spec5_5() {
        assertThat(IovaWorkload.warmCheckLine(1)).isEqualTo(IovaWorkload.KERNEL_WARM_SIZE1);
    }

    @Test
    void warmSize32PopsTheSamePfnEveryTimeFromTheLoadedMagazine_spec5_5() {
        assertThat(IovaWorkload.warmCheckLine(32)).isEqualTo(IovaWorkload.KERNEL_WARM_SIZE32);
    }

    @Test
    void coldFragmentedPairsMatchTheKernelRunForRun_spec5_4() {
        assertThat(IovaWorkload.fragmentedCheckLine(false, IovaWorkload.RUNS)).isEqualTo(IovaWorkload.KERNEL_COLD);
    }

    @Test
    void fragfastPairsMatchTheKernelAndParkSixRanges_spec5_4_spec5_5() {
        assertThat(IovaWorkload.fragmentedCheckLine(true, IovaWorkload.RUNS)).isEqualTo(IovaWorkload.KERNEL_FRAGFAST);
    }
}
