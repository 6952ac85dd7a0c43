package dev.p2pdma.report;

import dev.p2pdma.p2pdma.MapType;

/**
 * How the report marks a function relative to the chosen provider: a letter, a CSS class (colour
 * and fill pattern) and words, so that colour is never the only signal. Values; thread-safe.
 */
public enum MapTypeStyle {
    /** The chosen provider itself. */
    PROVIDER('P', "the provider: the memory being shared"),
    /** BUS_ADDR: through PCIe switches only. */
    BUS_ADDR('B', "BUS_ADDR: through switches only; the client is given PCI bus addresses"),
    /** THRU_HOST_BRIDGE: through an allowed host bridge. */
    THRU_HOST_BRIDGE('H', "THRU_HOST_BRIDGE: through the host bridge, allowed; mapped like RAM"),
    /** NOT_SUPPORTED: the kernel refuses the pair. */
    NOT_SUPPORTED('X', "NOT_SUPPORTED: a host bridge the kernel does not allow; dma_map_sg fails with -EREMOTEIO"),
    /** A bridge: not a client in the matrix. */
    NOT_A_CLIENT('-', "a bridge: not a client in the matrix");

    /** The letter drawn in the node's badge and the matrix cell. */
    private final char letter;
    /** What it means, for the legend. */
    private final String meaning;

    MapTypeStyle(char letter, String meaning) {
        this.letter = letter;
        this.meaning = meaning;
    }

    public char letter() {
        return letter;
    }

    public String meaning() {
        return meaning;
    }

    /** The CSS class: {@code mt-P}, {@code mt-B}, {@code mt-H}, {@code mt-X} or {@code mt-none}. */
    public String cssClass() {
        return this == NOT_A_CLIENT ? "mt-none" : "mt-" + letter;
    }

    /** The style of a verdict's map type. */
    public static MapTypeStyle of(MapType t) {
        return switch (t) {
            case BUS_ADDR -> BUS_ADDR;
            case THRU_HOST_BRIDGE -> THRU_HOST_BRIDGE;
            case NOT_SUPPORTED -> NOT_SUPPORTED;
            default -> throw new IllegalArgumentException("no report style for map type " + t);
        };
    }
}
