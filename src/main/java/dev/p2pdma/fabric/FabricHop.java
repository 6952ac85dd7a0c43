package dev.p2pdma.fabric;

import java.util.Objects;

/**
 * One step of a transaction through the fabric: where it was and what happened there, e.g.
 * {@code ("0000:02:00.0", "ACS RR set: request redirected upstream")}. Immutable.
 *
 * @param at   a PCI address, {@code "root complex"}, {@code "IOMMU"}, {@code "RAM"}
 * @param what what the fabric did there
 */
public record FabricHop(String at, String what) {

    /** Refuses nulls. */
    public FabricHop {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(what, "what");
    }

    @Override
    public String toString() {
        return at + ": " + what;
    }
}
