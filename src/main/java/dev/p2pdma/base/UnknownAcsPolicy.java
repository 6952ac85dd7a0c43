package dev.p2pdma.base;

/**
 * What to assume for a function whose ACS state the input does not show (hwloc XML, 64-byte
 * config files). The choice is always reported with the verdicts that depend on it.
 */
public enum UnknownAcsPolicy {
    /** Assume no RR, CR or EC: the usual state without an IOMMU (default). */
    NO_REDIRECT,
    /** Assume RR/CR set wherever an ACS capability could be: the usual state with an IOMMU on. */
    REDIRECT;

    /** Whether the assumed state counts as a redirect for bridge_has_acs_redir(). */
    public boolean redirects() {
        return this == REDIRECT;
    }
}
