package dev.p2pdma.p2pdma;

/**
 * Models how a BUS_ADDR scatterlist entry's DMA address is computed from its CPU address and the
 * provider's bus offset (spec 1.14, 9.2 patch 06). Immutable; thread-safe.
 */
public enum BusAddressFormula {
    /** Merged kernels: {@code sg_phys + bus_offset}. */
    PHYS_PLUS_BUS_OFFSET {
        @Override
        public long busAddress(long sgPhys, int offset, long busOffset) {
            return sgPhys + busOffset;
        }
    },
    /** The RFC v2 series, faulted in review: {@code sg_phys + offset - bus_offset} (the offset counted twice). */
    RFC_V2 {
        @Override
        public long busAddress(long sgPhys, int offset, long busOffset) {
            return sgPhys + offset - busOffset;
        }
    };

    /** The DMA address of an entry at CPU address {@code sgPhys} (page address plus {@code offset}). */
    public abstract long busAddress(long sgPhys, int offset, long busOffset);
}
