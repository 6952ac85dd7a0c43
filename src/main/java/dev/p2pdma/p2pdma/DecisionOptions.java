package dev.p2pdma.p2pdma;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.CpuInfo;
import java.util.Optional;

/**
 * The knobs of a P2PDMA decision that the topology itself does not fix.
 *
 * @param era          which kernel generation's rules (whitelist rows); default {@link Era#SG}
 * @param cpuOverride  a CPU to use instead of the captured one ({@code --cpu})
 * @param unknownAcs   what to assume where ACS is unknown
 */
public record DecisionOptions(Era era, Optional<CpuInfo> cpuOverride, UnknownAcsPolicy unknownAcs) {

    /** Linux 6.12 rules, the captured CPU, and no redirect where ACS is unknown. */
    public static DecisionOptions defaults() {
        return new DecisionOptions(Era.SG, Optional.empty(), UnknownAcsPolicy.NO_REDIRECT);
    }

    public DecisionOptions withCpu(CpuInfo cpu) {
        return new DecisionOptions(era, Optional.of(cpu), unknownAcs);
    }

    public DecisionOptions withUnknownAcs(UnknownAcsPolicy policy) {
        return new DecisionOptions(era, cpuOverride, policy);
    }

    public DecisionOptions withEra(Era e) {
        return new DecisionOptions(e, cpuOverride, unknownAcs);
    }
}
