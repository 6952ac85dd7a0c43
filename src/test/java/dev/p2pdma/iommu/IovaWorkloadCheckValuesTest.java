package dev.p2pdma.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.testing.IovaWorkload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The IOVA check values of {@code ../shared/bench/workloads.md}, printed by the kernel's own
 * {@code drivers/iommu/iova.c}: the same pfns, run for run, prove the allocator makes the kernel's
 * exact choices (top-down search from the cached node, size alignment, cached node moved to the
 * successor on free, rcache magazines). Both builds of the workloads (real spinlocks, none) give
 * them.
 */
class IovaWorkloadCheckValuesTest {

    @ParameterizedTest
    @EnumSource(IovaLocking.class)
    void warmSize1PopsTheSamePfnEveryTimeFromTheLoadedMagazine_spec5_5(IovaLocking locking) {
        assertThat(IovaWorkload.warmCheckLine(1, locking)).isEqualTo(IovaWorkload.KERNEL_WARM_SIZE1);
    }

    @ParameterizedTest
    @EnumSource(IovaLocking.class)
    void warmSize32PopsTheSamePfnEveryTimeFromTheLoadedMagazine_spec5_5(IovaLocking locking) {
        assertThat(IovaWorkload.warmCheckLine(32, locking)).isEqualTo(IovaWorkload.KERNEL_WARM_SIZE32);
    }

    @ParameterizedTest
    @EnumSource(IovaLocking.class)
    void coldFragmentedPairsMatchTheKernelRunForRun_spec5_4(IovaLocking locking) {
        assertThat(IovaWorkload.fragmentedCheckLine(false, IovaWorkload.RUNS, locking)).isEqualTo(IovaWorkload.KERNEL_COLD);
    }

    @ParameterizedTest
    @EnumSource(IovaLocking.class)
    void fragfastPairsMatchTheKernelAndParkSixRanges_spec5_4_spec5_5(IovaLocking locking) {
        assertThat(IovaWorkload.fragmentedCheckLine(true, IovaWorkload.RUNS, locking)).isEqualTo(IovaWorkload.KERNEL_FRAGFAST);
    }
}
