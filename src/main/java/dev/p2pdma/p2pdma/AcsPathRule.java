package dev.p2pdma.p2pdma;

/**
 * Which ports' ACS controls decide whether a peer-to-peer path may use bus addresses, as an
 * {@link Era} carries it. Immutable; thread-safe.
 */
public enum AcsPathRule {
    /**
     * Linux 6.12 (spec 1.8, 1.9): RR, CR or EC on any device of the provider's chain up to and
     * including the common upstream device, or of the client's chain below it (the endpoints
     * included), sends the path through the host bridge.
     */
    EVERY_PORT_ON_PATH,
    /**
     * The proposed directional rule (spec 12.2 R1, in review; {@link DirectionalAcsRule}): only
     * the two children of the common upstream device decide, each for its own direction, per TLP
     * class.
     */
    DIVERGENCE_PORTS
}
