package dev.p2pdma.block;

/**
 * Models the {@code struct queue_limits} fields the O_DIRECT path reads (spec 6.2–6.5), plus the
 * queue's P2PDMA capability ({@code BLK_FEAT_PCI_P2PDMA}, spec 6.1). Sizes are in bytes where the
 * name says so and in 512-byte sectors where it says sectors; masks are unsigned 64-bit values.
 *
 * <p>Invariants: block sizes are powers of two from 512 to the page size, the physical block at
 * least the logical one; {@code maxSectors <= maxHwSectors}, both positive and whole logical
 * blocks; {@code maxSegments} positive; masks are of the form 2^n - 1. Immutable.
 *
 * @param logicalBlockBytes  logical block size (512 for QEMU's NVMe)
 * @param physicalBlockBytes physical block size
 * @param maxHwSectors       max_hw_sectors
 * @param maxSectors         max_sectors (what splitting uses for reads and writes)
 * @param maxSegments        max_segments
 * @param maxSegmentBytes    max_segment_size (unsigned 32-bit value; 0xFFFFFFFF for nvme-pci)
 * @param segBoundaryMask    seg_boundary_mask (0xFFFFFFFF by default)
 * @param virtBoundaryMask   virt_boundary_mask (4095 for nvme-pci, 0 for none)
 * @param dmaAlignment       dma_alignment: a user buffer must be aligned to dmaAlignment + 1
 * @param p2pdma             BLK_FEAT_PCI_P2PDMA: user pages may be P2PDMA pages (FOLL_PCI_P2PDMA)
 */
public record QueueLimits(int logicalBlockBytes, int physicalBlockBytes, int maxHwSectors, int maxSectors, int maxSegments,
        long maxSegmentBytes, long segBoundaryMask, long virtBoundaryMask, int dmaAlignment, boolean p2pdma) {

    /** Bytes per sector, the unit of max_sectors. */
    public static final int SECTOR_BYTES = 512;

    /** Checks the invariants. */
    public QueueLimits {
        if (Integer.bitCount(logicalBlockBytes) != 1 || logicalBlockBytes < SECTOR_BYTES || logicalBlockBytes > 4096) {
            throw new IllegalArgumentException("logical block size must be a power of two from 512 to 4096: " + logicalBlockBytes);
        }
        if (Integer.bitCount(physicalBlockBytes) != 1 || physicalBlockBytes < logicalBlockBytes) {
            throw new IllegalArgumentException("physical block size must be a power of two >= the logical one: " + physicalBlockBytes);
        }
        if (maxHwSectors <= 0 || maxSectors <= 0 || maxSectors > maxHwSectors) {
            throw new IllegalArgumentException("need 0 < max_sectors <= max_hw_sectors: " + maxSectors + ", " + maxHwSectors);
        }
        if ((long) maxSectors * SECTOR_BYTES % logicalBlockBytes != 0) {
            throw new IllegalArgumentException("max_sectors must be whole logical blocks: " + maxSectors);
        }
        if (maxSegments <= 0) {
            throw new IllegalArgumentException("max_segments must be positive: " + maxSegments);
        }
        if (maxSegmentBytes <= 0 || maxSegmentBytes > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("max_segment_size must be 1..0xffffffff: " + maxSegmentBytes);
        }
        for (long mask : new long[] {segBoundaryMask, virtBoundaryMask, dmaAlignment}) {
            if (mask < 0 || (mask & (mask + 1)) != 0) {
                throw new IllegalArgumentException("masks must be 2^n - 1: 0x" + Long.toHexString(mask));
            }
        }
    }

    /** max_sectors in bytes: the most one read or write request carries. */
    public long maxBytes() {
        return (long) maxSectors * SECTOR_BYTES;
    }
}
