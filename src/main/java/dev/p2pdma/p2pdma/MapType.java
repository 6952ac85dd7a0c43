package dev.p2pdma.p2pdma;

/**
 * Models enum pci_p2pdma_map_type (spec 1.11): how a client reaches a provider's memory.
 */
public enum MapType {
    /** Not yet computed; never returned by the public decisions. */
    UNKNOWN(0, 0, '?'),
    /** The page is not a P2PDMA page (IOVA25 only). */
    NONE(-1, 1, '-'),
    /** The path needs a host bridge that is not allowed: mapping must fail with -EREMOTEIO. */
    NOT_SUPPORTED(1, 2, 'X'),
    /** Switches only: the client is given PCI bus addresses. */
    BUS_ADDR(2, 3, 'B'),
    /** Through an allowed host bridge: mapped like ordinary memory (CPU physical address or IOVA). */
    THRU_HOST_BRIDGE(3, 4, 'H');

    /** The value in the SG era (v6.0..6.15); -1 where the era has no such value. */
    private final int sgValue;
    /** The value from IOVA25 on. */
    private final int iova25Value;
    /** One letter for grids and colour-blind legends. */
    private final char letter;

    MapType(int sgValue, int iova25Value, char letter) {
        this.sgValue = sgValue;
        this.iova25Value = iova25Value;
        this.letter = letter;
    }

    public int sgValue() {
        return sgValue;
    }

    public int iova25Value() {
        return iova25Value;
    }

    /** One letter: B bus address, H through host bridge, X not supported. */
    public char letter() {
        return letter;
    }

    /** True when peer-to-peer DMA can happen at all. */
    public boolean supported() {
        return this == BUS_ADDR || this == THRU_HOST_BRIDGE;
    }

    /** The type with this SG-era value. */
    static MapType ofSgValue(int v) {
        return switch (v) {
            case 1 -> NOT_SUPPORTED;
            case 2 -> BUS_ADDR;
            case 3 -> THRU_HOST_BRIDGE;
            default -> UNKNOWN;
        };
    }
}
