package dev.p2pdma.runtime;

/** What a runtime does with a pair. */
public enum Outcome {
    /** Not a decision: a class for people ({@code nvidia-smi}). */
    CLASS,
    /** Peer-to-peer: the data goes from one device to the other without host memory. */
    PEER,
    /** Staged: the data goes through host memory (a bounce or a migrated buffer). */
    STAGED,
    /** The operation fails (an errno), or never completes. */
    REFUSED;

    /** The value in JSON output: "class", "peer", "staged", "refused". */
    public String jsonValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
