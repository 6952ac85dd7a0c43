package dev.p2pdma.p2pdma;

/**
 * Models enum pci_p2pdma_tlp_flags of the proposed directional ACS rule (spec 12.2 R1, in review):
 * the kind of TLPs a client will issue to the provider, which ACS routes differently. The flag
 * values (relaxed completion = bit 0, translated = bit 1) follow the order of the candidate's
 * "classes strict=... relaxed=... translated=... translated+relaxed=..." debug line and its cache
 * packing (one 4-bit map type per class, indexed by the flags); the header defining them was not
 * found in the corpora. Linux 6.12 has no classes: every class gets the same answer there.
 * Immutable; thread-safe.
 */
public enum TlpClass {
    /** Untranslated Requests, Completions without Relaxed Ordering: what every existing caller passes (flags 0). */
    STRICT(0, "strict"),
    /** Completions carry Relaxed Ordering, so Completion Redirect leaves them alone. */
    RELAXED_COMPLETION(1, "relaxed"),
    /** Requests carry Translated (ATS) addresses: Translation Blocking refuses them, Direct Translated P2P routes them directly. */
    TRANSLATED(2, "translated"),
    /** Both: Translated Requests and Relaxed-Ordering Completions. */
    TRANSLATED_RELAXED(3, "translated+relaxed");

    /**
     * The class the kernel decides when a caller names none: pci_p2pdma_distance_many() passes
     * flags 0, and the disable_acs_redir hint is computed for flags 0 ("the default class").
     */
    public static final TlpClass KERNEL_DEFAULT = STRICT;

    /** The candidate's tlp_flags value, also this class's 4-bit slot in the map-types cache entry. */
    private final int flags;
    /** The name in the candidate's debug line. */
    private final String label;

    TlpClass(int flags, String label) {
        this.flags = flags;
        this.label = label;
    }

    /** The tlp_flags value (0..3). */
    public int flags() {
        return flags;
    }

    /** The name the candidate's debug line uses ("strict", "translated+relaxed"). */
    public String label() {
        return label;
    }

    /** True when Requests carry Translated addresses (PCI_P2PDMA_TLP_TRANSLATED). */
    public boolean translated() {
        return (flags & 2) != 0;
    }

    /** True when Completions carry Relaxed Ordering (PCI_P2PDMA_TLP_RELAXED_CPL). */
    public boolean relaxedCompletion() {
        return (flags & 1) != 0;
    }
}
