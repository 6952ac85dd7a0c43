package dev.p2pdma.runtime;

import java.util.Optional;

/**
 * One runtime's decision for one (provider, client) pair.
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param runtime      which runtime
 * @param outcome      what it does
 * @param decision     the decision in a word or two ("PIX", "P2P", "SHM", "-EREMOTEIO")
 * @param reason       why, in one line, with any assumption marked "assumed"
 * @param disagreement when the runtime and the kernel's map type disagree, how (e.g. the kernel allows THRU_HOST_BRIDGE but NCCL stages)
 */
public record RuntimeDecision(Runtime runtime, Outcome outcome, String decision, String reason, Optional<String> disagreement) {

    /** A decision that agrees with the kernel. */
    static RuntimeDecision agreeing(Runtime runtime, Outcome outcome, String decision, String reason) {
        return new RuntimeDecision(runtime, outcome, decision, reason, Optional.empty());
    }

    /** The line {@code explain} prints: "NCCL: SHM (staged ...): reason; disagrees: ...". */
    public String line() {
        return runtime.label() + ": " + decision + ": " + reason + disagreement.map(d -> "; differs from the kernel: " + d).orElse("");
    }
}
