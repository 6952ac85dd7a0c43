package dev.p2pdma.dma;

/**
 * Models one {@code struct bus_dma_region} of a device's DMA range map (spec 3.4): CPU physical
 * addresses {@code [cpuStart, cpuStart + sizeBytes)} appear to the device at
 * {@code [dmaStart, dmaStart + sizeBytes)}. Immutable; thread-safe.
 *
 * @param cpuStart  first CPU physical address
 * @param dmaStart  the DMA address of {@code cpuStart}
 * @param sizeBytes length; never 0 (0 terminates the kernel's array)
 */
public record DmaRange(long cpuStart, long dmaStart, long sizeBytes) {

    /** Validates the range. */
    public DmaRange {
        if (sizeBytes == 0) {
            throw new IllegalArgumentException("a DMA range needs a size (0 terminates the kernel's map)");
        }
    }
}
