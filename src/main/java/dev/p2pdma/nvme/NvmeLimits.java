package dev.p2pdma.nvme;

import dev.p2pdma.block.QueueLimits;

/**
 * The queue limits of an nvme-pci namespace (spec 6.2 steps 1-5, 6.1 for the P2PDMA feature).
 * Stateless; thread-safe.
 */
public final class NvmeLimits {

    /** NVME_MAX_KB_SZ x 2: the most sectors nvme-pci ever asks for (8 MiB). */
    public static final long NVME_MAX_KB_SECTORS = 8192 * 2;
    /** NVME_MAX_SEGS: ctrl.max_segments. */
    public static final int NVME_MAX_SEGS = 128;
    /** ctrl.max_integrity_segments. */
    public static final int MAX_INTEGRITY_SEGMENTS = 1;
    /** The 16-bit cap blk-mq puts on max_segments. */
    public static final int MAX_SEGMENTS_CAP = 65535;
    /** BLK_DEF_MAX_SECTORS_CAP: max_sectors' default cap (1280 KiB). */
    public static final int BLK_DEF_MAX_SECTORS_CAP = 2560;
    /** UINT_MAX as an unsigned 32-bit value. */
    public static final long UINT_MAX = 0xFFFF_FFFFL;
    /** The nvme-pci queue's virt_boundary_mask: one controller page minus one. */
    public static final long VIRT_BOUNDARY_MASK = 4095;
    /** The nvme-pci queue's dma_alignment. */
    public static final int DMA_ALIGNMENT = 3;
    /** The default seg_boundary_mask. */
    public static final long SEG_BOUNDARY_MASK = 0xFFFF_FFFFL;

    private NvmeLimits() {
    }

    /** Models the DMA mask nvme_pci_alloc_dev() sets: 48 bits with NVME_QUIRK_DMA_ADDRESS_BITS_48, else 64. */
    public static int dmaMaskBits(NvmeIdentity id) {
        return id.quirks().contains(NvmeQuirk.DMA_ADDRESS_BITS_48) ? 48 : 64;
    }

    /**
     * Models ctrl.max_hw_sectors as nvme_pci_alloc_dev() sets it (step 1): min(16384,
     * dma_opt_mapping_size >> 9), the shifted size truncated to u32 as the kernel's min_t(u32)
     * does, so "unlimited" gives 16384.
     */
    public static long probeMaxHwSectors(NvmeDmaSetup setup) {
        long shifted = (setup.dmaOptMappingSize() >>> 9) & UINT_MAX;
        return Math.min(NVME_MAX_KB_SECTORS, shifted);
    }

    /**
     * Models nvme_mps_to_sectors(): 1 << (mdts + 12 + mpsMin - 9) sectors, UINT_MAX when the shift
     * overflows an unsigned 32-bit value.
     */
    public static long mdtsSectors(NvmeIdentity id) {
        int shift = id.mdts() + 12 + id.mpsMin() - 9;
        return shift >= 32 ? UINT_MAX : 1L << shift;
    }

    /** Models nvme_init_identify()'s MDTS step (step 3): min_not_zero(ctrl value, MDTS sectors) when MDTS != 0. */
    public static long identifyMaxHwSectors(long ctrlMaxHwSectors, NvmeIdentity id) {
        if (id.mdts() == 0) {
            return ctrlMaxHwSectors;
        }
        return minNotZero(ctrlMaxHwSectors, mdtsSectors(id));
    }

    /**
     * Models nvme_max_drv_segments() and nvme_set_ctrl_limits()' max_segments (step 4): min(65535,
     * min_not_zero(maxHwSectors / 8 + 1, ctrl.max_segments)).
     */
    public static int maxSegments(long maxHwSectors, int ctrlMaxSegments) {
        long drv = maxHwSectors / 8 + 1;
        return (int) Math.min(MAX_SEGMENTS_CAP, minNotZero(drv, ctrlMaxSegments));
    }

    /**
     * Models the queue limits of an nvme-pci namespace: nvme_pci_alloc_dev(), nvme_init_identify(),
     * nvme_set_ctrl_limits() and blk_validate_limits() (spec 6.2 steps 1-5), with
     * BLK_FEAT_PCI_P2PDMA set when the device has no dma_map_ops (spec 6.1). Assumes neither the
     * user nor io_opt/io_min set max_sectors.
     */
    public static QueueLimits queueLimits(NvmeIdentity id, NvmeDmaSetup setup) {
        long ctrlMax = identifyMaxHwSectors(probeMaxHwSectors(setup), id);
        int segments = maxSegments(ctrlMax, NVME_MAX_SEGS);
        long blockSectors = id.lbaBytes() / QueueLimits.SECTOR_BYTES;
        // blk_validate_limits: whole logical blocks; the model's QueueLimits holds sectors in an int
        long hw = Math.min(ctrlMax, Integer.MAX_VALUE) / blockSectors * blockSectors;
        long max = Math.min(hw, BLK_DEF_MAX_SECTORS_CAP) / blockSectors * blockSectors;
        return new QueueLimits(id.lbaBytes(), id.lbaBytes(), (int) hw, (int) max, segments, UINT_MAX, SEG_BOUNDARY_MASK,
                VIRT_BOUNDARY_MASK, DMA_ALIGNMENT, setup.p2pdmaSupported());
    }

    private static long minNotZero(long a, long b) {
        if (a == 0) {
            return b;
        }
        if (b == 0) {
            return a;
        }
        return Math.min(a, b);
    }
}
