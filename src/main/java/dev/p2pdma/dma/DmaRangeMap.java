package dev.p2pdma.dma;

import java.util.List;

/**
 * Models a device's {@code dma_range_map} (spec 3.4): an ordered list of {@link DmaRange}s, or
 * none (identity). Translation takes the first range that contains the address; a miss gives
 * DMA_MAPPING_ERROR (phys to DMA) or all ones (DMA to phys). The memory-encryption bit is not
 * modelled.
 *
 * <p>Immutable; thread-safe.
 */
public final class DmaRangeMap {

    /** The identity map (no dma_range_map). */
    public static final DmaRangeMap IDENTITY = new DmaRangeMap(new DmaRange[0]);

    /** The ranges in kernel order. */
    private final DmaRange[] ranges;

    private DmaRangeMap(DmaRange[] ranges) {
        this.ranges = ranges;
    }

    /** A map of these ranges, searched in order; an empty list is the identity. */
    public static DmaRangeMap of(List<DmaRange> ranges) {
        return ranges.isEmpty() ? IDENTITY : new DmaRangeMap(ranges.toArray(DmaRange[]::new));
    }

    /** True when the device has no dma_range_map. */
    public boolean isIdentity() {
        return ranges.length == 0;
    }

    /** The ranges, in order. */
    public List<DmaRange> ranges() {
        return List.of(ranges);
    }

    /** Models phys_to_dma() / translate_phys_to_dma(): DMA_MAPPING_ERROR when no range holds {@code phys}. */
    public long physToDma(long phys) {
        if (ranges.length == 0) {
            return phys;
        }
        for (DmaRange m : ranges) {
            long offset = phys - m.cpuStart();
            if (Long.compareUnsigned(phys, m.cpuStart()) >= 0 && Long.compareUnsigned(offset, m.sizeBytes()) < 0) {
                return m.dmaStart() + offset;
            }
        }
        return DmaMasks.DMA_MAPPING_ERROR;
    }

    /** Models dma_to_phys() / translate_dma_to_phys(): all ones when no range holds {@code dma}. */
    public long dmaToPhys(long dma) {
        if (ranges.length == 0) {
            return dma;
        }
        for (DmaRange m : ranges) {
            long offset = dma - m.dmaStart();
            if (Long.compareUnsigned(dma, m.dmaStart()) >= 0 && Long.compareUnsigned(offset, m.sizeBytes()) < 0) {
                return m.cpuStart() + offset;
            }
        }
        return DmaMasks.INVALID_PHYS;
    }

    /**
     * Models check_ram_in_range_map() over one RAM range: true when every byte of
     * {@code [start, start + sizeBytes)} is covered by some range.
     */
    public boolean covers(long start, long sizeBytes) {
        if (ranges.length == 0) {
            return true;
        }
        long at = start;
        long end = start + sizeBytes;
        while (Long.compareUnsigned(at, end) < 0) {
            DmaRange hit = null;
            for (DmaRange m : ranges) {
                if (Long.compareUnsigned(at, m.cpuStart()) >= 0 && Long.compareUnsigned(at - m.cpuStart(), m.sizeBytes()) < 0) {
                    hit = m;
                    break;
                }
            }
            if (hit == null) {
                return false;
            }
            at = hit.cpuStart() + hit.sizeBytes();
            if (at == 0) {
                return true;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return ranges.length == 0 ? "identity" : List.of(ranges).toString();
    }
}
