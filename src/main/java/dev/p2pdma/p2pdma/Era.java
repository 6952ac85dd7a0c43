package dev.p2pdma.p2pdma;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Models the kernel generations whose P2PDMA behaviour differs (spec 0.1, 9, 12), each carrying
 * its behaviour as data so that no code branches on which era it is: {@link #sgDma()} says how the
 * scatterlist DMA API treats P2PDMA pages and {@link #acsPathRule()} which ports' ACS decides. A
 * {@link KernelVersion} maps to its era ({@link KernelVersion#era()}); finer per-version changes
 * (host-bridge allowlist rows, log gating, providers) are data on the version
 * ({@link HostBridgeWhitelist}, {@link KernelChange}). The default is {@link #SG} (Linux 6.12).
 * Immutable; thread-safe.
 *
 * <p>Adding a kernel version is additive: insert a constant in chronological order (the order is
 * what {@link #atLeast} compares), give it its tag and the behaviour it has (reuse an existing
 * {@link SgDmaBehaviour} when nothing changed, or declare a new constant there), and map the
 * versions it covers in {@link KernelVersion#era()}. A subsystem with per-era behaviour
 * (nvme-pci, the block layer) adds one record like {@link SgDmaBehaviour} with one constant per
 * distinct behaviour and one constructor argument here; its code then asks the era, never
 * compares it.
 */
public enum Era {
    /** Mainline v4.20-v5.19: drivers called pci_p2pdma_map_sg_attrs() themselves; dma_map_sg() knew no P2PDMA pages. */
    PRE("pre", Optional.empty(), AcsPathRule.EVERY_PORT_ON_PATH),
    /** The RFC v2 series "Add support to dma_map_sg for P2PDMA" (March 2021, on v5.12-rc2). */
    RFC("rfc", Optional.of(SgDmaBehaviour.RFC_V2), AcsPathRule.EVERY_PORT_ON_PATH),
    /** Mainline v6.0-v6.15, dma_map_sg understands P2PDMA pages: the default, as Linux 6.12. */
    SG("sg", Optional.of(SgDmaBehaviour.MERGED_6_12), AcsPathRule.EVERY_PORT_ON_PATH),
    /** Mainline from v6.16 (2025 on, 7.x included): two-step DMA API, per-BAR providers; the scatterlist path is unchanged. */
    IOVA25("iova25", Optional.of(SgDmaBehaviour.MERGED_6_12), AcsPathRule.EVERY_PORT_ON_PATH),
    /**
     * The in-review material ({@code --kernel-version next}, spec 12.2): every release's rows and
     * changes, and the proposed directional ACS rule (R1, {@link DirectionalAcsRule}).
     */
    NEXT("next", Optional.of(SgDmaBehaviour.MERGED_6_12), AcsPathRule.DIVERGENCE_PORTS);

    /** The lower-case name used in scenario files, the CLI and JSON ("sg", "rfc"). */
    private final String tag;
    /** How dma_map_sg() and friends treat P2PDMA pages; empty when they do not know them at all. */
    private final Optional<SgDmaBehaviour> sgDma;
    /** Which ports' ACS controls decide between bus addresses and the host bridge. */
    private final AcsPathRule acsPathRule;

    Era(String tag, Optional<SgDmaBehaviour> sgDma, AcsPathRule acsPathRule) {
        this.tag = tag;
        this.sgDma = sgDma;
        this.acsPathRule = acsPathRule;
    }

    /** The lower-case name used in scenario files, the CLI and JSON ("sg", "rfc"). */
    public String tag() {
        return tag;
    }

    /** How the scatterlist DMA API treats P2PDMA pages; empty for {@link #PRE}, whose dma_map_sg() did not know them. */
    public Optional<SgDmaBehaviour> sgDma() {
        return sgDma;
    }

    /** Which ports' ACS controls decide between bus addresses and the host bridge (spec 1.9; 12.2 R1 for {@link #NEXT}). */
    public AcsPathRule acsPathRule() {
        return acsPathRule;
    }

    /** True when this era is at least {@code other}. */
    public boolean atLeast(Era other) {
        return ordinal() >= other.ordinal();
    }

    /**
     * The era spelled {@code tag} (case-insensitive).
     *
     * @throws IllegalArgumentException for an unknown tag, naming the known ones
     */
    public static Era ofTag(String tag) {
        Objects.requireNonNull(tag, "tag");
        String t = tag.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(e -> e.tag.equals(t)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown era '" + tag + "': one of " + Arrays.stream(values()).map(Era::tag).toList()));
    }
}
