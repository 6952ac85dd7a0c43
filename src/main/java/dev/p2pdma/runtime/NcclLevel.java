package dev.p2pdma.runtime;

import java.util.Locale;
import java.util.Optional;

/**
 * NCCL's PCI path types as {@code NCCL_P2P_LEVEL} and {@code NCCL_NET_GDR_LEVEL} name them
 * (NVIDIA/nccl src/graph/topo.h; NVLink, C2C and PXN types are out of scope: the PCI tree does not
 * show them). Ordered from nearest to farthest; a path is allowed when its type is at most the level.
 */
public enum NcclLevel {
    /** The same device (also what {@code NCCL_P2P_DISABLE=1} sets: nothing but the device itself). */
    LOC,
    /** Through at most one PCIe switch. */
    PIX,
    /** Through several PCIe switches, no host bridge. */
    PXB,
    /** Through a PCIe host bridge (the CPU). */
    PHB,
    /** Across the SMP interconnect between NUMA nodes. */
    SYS;

    /** NCCL's old numeric levels 0..5, which map to LOC, PIX, PXB, PHB, SYS, SYS (paths.cc {@code levelsOldToNew}). */
    private static final NcclLevel[] OLD_NUMBERS = {LOC, PIX, PXB, PHB, SYS, SYS};

    /**
     * Reads an {@code NCCL_P2P_LEVEL} value: a name (LOC, NVL, PIX, PXB, PHB, SYS; NVL allows
     * NVLink only, so no PCIe path: LOC here), an old number (0..5, larger numbers clamp to 5), or
     * {@code disable} for {@code NCCL_P2P_DISABLE=1}.
     *
     * @return empty when the text is none of these
     */
    public static Optional<NcclLevel> parse(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.equals("DISABLE")) {
            return Optional.of(LOC);
        }
        if (s.equals("NVL")) {
            return Optional.of(LOC);
        }
        for (NcclLevel l : values()) {
            if (l.name().equals(s)) {
                return Optional.of(l);
            }
        }
        if (!s.isEmpty() && s.length() <= 9 && s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            int n = Integer.parseInt(s);
            return Optional.of(OLD_NUMBERS[Math.min(n, OLD_NUMBERS.length - 1)]);
        }
        return Optional.empty();
    }
}
