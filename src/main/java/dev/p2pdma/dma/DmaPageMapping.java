package dev.p2pdma.dma;

import dev.p2pdma.base.Errno;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of dma_map_page_attrs() (spec 3.4, 4, 5.3, 6.7): the {@code dma_addr_t} the kernel
 * returns, and what kind of address it is, which the kernel leaves implicit (dma-direct's unmap
 * finds a bounce buffer again by asking whether the address's CPU side lies in the swiotlb pool).
 * A failure is the value {@link #ERROR}: DMA_MAPPING_ERROR, nothing held; {@link #dmaMappingError()}
 * turns it into the kernel's -ENOMEM. Immutable; thread-safe.
 *
 * @param dmaAddress the DMA address the device uses, {@link DmaMasks#DMA_MAPPING_ERROR} on failure
 * @param kind       what the address is; {@link Kind#MAPPING_ERROR} exactly when it is DMA_MAPPING_ERROR
 */
public record DmaPageMapping(long dmaAddress, Kind kind) {

    /** What a page mapping's DMA address is. */
    public enum Kind {
        /** The range map's image of the page's own CPU physical address (dma-direct, legacy ops; P2PDMA pages included). */
        PHYSICAL,
        /** The DMA address of a swiotlb bounce slot holding a copy of the range. */
        SWIOTLB_SLOT,
        /** An IOVA the device's IOMMU domain translates to the range (the in-granule offset kept). */
        IOVA,
        /** DMA_MAPPING_ERROR: nothing was mapped. */
        MAPPING_ERROR
    }

    /** DMA_MAPPING_ERROR. */
    public static final DmaPageMapping ERROR = new DmaPageMapping(DmaMasks.DMA_MAPPING_ERROR, Kind.MAPPING_ERROR);

    /**
     * Checks the pairing of address and kind.
     *
     * @throws IllegalArgumentException when exactly one of "address is DMA_MAPPING_ERROR" and "kind is
     *                                  MAPPING_ERROR" holds
     */
    public DmaPageMapping {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.MAPPING_ERROR) != (dmaAddress == DmaMasks.DMA_MAPPING_ERROR)) {
            throw new IllegalArgumentException("DMA_MAPPING_ERROR and kind " + kind + " disagree for " + DmaMasks.pad(dmaAddress));
        }
    }

    /** A successful mapping at {@code dmaAddress} of this kind, or {@link #ERROR} when the address is DMA_MAPPING_ERROR. */
    public static DmaPageMapping of(long dmaAddress, Kind kind) {
        return dmaAddress == DmaMasks.DMA_MAPPING_ERROR ? ERROR : new DmaPageMapping(dmaAddress, kind);
    }

    /** True when the mapping failed (the address is DMA_MAPPING_ERROR). */
    public boolean isError() {
        return kind == Kind.MAPPING_ERROR;
    }

    /** Models dma_mapping_error(): ENOMEM for DMA_MAPPING_ERROR, empty for a usable address. */
    public Optional<Errno> dmaMappingError() {
        return isError() ? Optional.of(Errno.ENOMEM) : Optional.empty();
    }

    @Override
    public String toString() {
        return isError() ? "DMA_MAPPING_ERROR" : DmaMasks.pad(dmaAddress) + " (" + kind.name().toLowerCase(Locale.ROOT) + ")";
    }
}
