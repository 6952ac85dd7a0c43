package dev.p2pdma.runtime;

import java.util.Optional;

/**
 * What the user set for the runtimes (the kernel side comes from the machine: its command line,
 * IOMMU and CPU).
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param ncclP2pLevel {@code NCCL_P2P_LEVEL} (or {@code NCCL_P2P_DISABLE=1} as {@link NcclLevel#LOC}), when set
 */
public record RuntimeOptions(Optional<NcclLevel> ncclP2pLevel) {

    /** Nothing set: every runtime's default. */
    public static RuntimeOptions defaults() {
        return new RuntimeOptions(Optional.empty());
    }
}
