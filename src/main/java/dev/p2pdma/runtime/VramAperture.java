package dev.p2pdma.runtime;

import dev.p2pdma.pci.Bar;

/**
 * What ROCm's peer check needs of a provider's VRAM BAR (its largest memory BAR): which BAR, its
 * size, and how many address bits its last byte needs (the DMA-mask test). Keeps no address, so
 * that functions with equal apertures share decisions.
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param barIndex    the BAR's index
 * @param sizeBytes   its size
 * @param addressBits bits needed to address its last byte (0 for a BAR at 0 of size 1)
 */
public record VramAperture(int barIndex, long sizeBytes, int addressBits) {

    /** The aperture of {@code bar}. */
    public static VramAperture of(Bar bar) {
        return new VramAperture(bar.index(), bar.sizeBytes(), 64 - Long.numberOfLeadingZeros(bar.cpuEnd()));
    }

    /** True when a DMA mask of {@code maskBits} bits covers the whole BAR. */
    public boolean fits(int maskBits) {
        return addressBits <= maskBits;
    }
}
