package dev.p2pdma.p2pdma;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.CpuInfo;
import java.util.Optional;

/**
 * The knobs of a P2PDMA decision that the topology itself does not fix. Immutable.
 *
 * @param kernel       which kernel version's rules (allowlist rows, log gating, providers); default {@link KernelVersion#V6_12}
 * @param cpuOverride  a CPU to use instead of the captured one ({@code --cpu})
 * @param unknownAcs   what to assume where ACS is unknown
 */
public record DecisionOptions(KernelVersion kernel, Optional<CpuInfo> cpuOverride, UnknownAcsPolicy unknownAcs) {

    /** Linux 6.12 rules, the captured CPU, and no redirect where ACS is unknown. */
    public static DecisionOptions defaults() {
        return new DecisionOptions(KernelVersion.V6_12, Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
    }

    /** The era of the kernel version ({@link KernelVersion#era()}). */
    public Era era() {
        return kernel.era();
    }

    /** These options with the given CPU. */
    public DecisionOptions withCpu(CpuInfo cpu) {
        return new DecisionOptions(kernel, Optional.of(cpu), unknownAcs);
    }

    /** These options with the given unknown-ACS policy. */
    public DecisionOptions withUnknownAcs(UnknownAcsPolicy policy) {
        return new DecisionOptions(kernel, cpuOverride, policy);
    }

    /** These options for another kernel version. */
    public DecisionOptions withKernel(KernelVersion k) {
        return new DecisionOptions(k, cpuOverride, unknownAcs);
    }

    /**
     * These options for the era's reference version: {@link Era#NEXT} is {@code next}, {@link Era#SG}
     * 6.12, {@link Era#IOVA25} 6.16, {@link Era#PRE} 4.20.
     *
     * @throws IllegalArgumentException for {@link Era#RFC}, a patch series rather than a kernel version
     */
    public DecisionOptions withEra(Era e) {
        KernelVersion k = switch (e) {
            case PRE -> KernelVersion.FIRST_P2PDMA;
            case RFC -> throw new IllegalArgumentException("era rfc is a patch series, not a kernel version");
            case SG -> KernelVersion.V6_12;
            case IOVA25 -> new KernelVersion(6, 16);
            case NEXT -> KernelVersion.NEXT;
        };
        return withKernel(k);
    }
}
