package dev.p2pdma.nvme;

import java.util.Optional;

/**
 * The DMA setup facts of one NVMe PCI function that decide its queue limits (spec 6.1, 6.2 step 2):
 * which DMA layer it uses, whether swiotlb would bounce for it, and whether it has its own
 * {@code dma_map_ops}. Sizes are unsigned 64-bit {@code size_t} values; {@link #SIZE_MAX} (all
 * ones) means unlimited.
 *
 * <p>Invariants: forced bouncing implies an active swiotlb pool. Immutable and thread-safe.
 *
 * @param layer             dma-direct (IOMMU off or an identity domain) or the IOMMU DMA layer (DMA or DMA-FQ domain)
 * @param swiotlbActive     the device has an active swiotlb pool
 * @param forceBounce       is_swiotlb_force_bounce(): swiotlb=force, a restricted pool or a confidential guest
 * @param addressingLimited dma_addressing_limited(): the DMA mask cannot reach all of RAM
 * @param untrusted         the device is untrusted (external facing), so the IOMMU layer bounces sub-granule buffers
 * @param hasDmaMapOps      the device has its own dma_map_ops (a legacy IOMMU driver); false on x86 in every mode
 */
public record NvmeDmaSetup(Layer layer, boolean swiotlbActive, boolean forceBounce, boolean addressingLimited, boolean untrusted,
        boolean hasDmaMapOps) {

    /** SIZE_MAX: an unlimited mapping size. */
    public static final long SIZE_MAX = -1L;
    /** nvme-pci's device min_align_mask (spec 6.2 step 1). */
    public static final long NVME_MIN_ALIGN_MASK = 4095;
    /** IO_TLB_SIZE: bytes per swiotlb slot. */
    public static final long IO_TLB_SIZE = 2048;
    /** IO_TLB_SEGSIZE: the most slots one swiotlb mapping spans. */
    public static final long IO_TLB_SEGSIZE = 128;
    /** iova_rcache_range(): the largest IOVA size the rcache serves, 4096 << 5 (spec 6.2 step 2). */
    public static final long IOVA_RCACHE_RANGE = 4096L << 5;

    /** Which DMA layer a device uses. */
    public enum Layer {
        /** dma-direct: IOMMU off, or an identity (passthrough) domain. */
        DIRECT,
        /** The IOMMU DMA layer: a DMA or DMA-FQ domain (strict or lazy). */
        IOMMU_DMA
    }

    /** Checks the invariant. */
    public NvmeDmaSetup {
        if (forceBounce && !swiotlbActive) {
            throw new IllegalArgumentException("forced bouncing needs an active swiotlb pool");
        }
    }

    /** dma-direct without forced bouncing (IOMMU off or passthrough): the x86 default with a 64-bit mask. */
    public static NvmeDmaSetup direct() {
        return new NvmeDmaSetup(Layer.DIRECT, true, false, false, false, false);
    }

    /** dma-direct with {@code swiotlb=force}. */
    public static NvmeDmaSetup directForcedSwiotlb() {
        return new NvmeDmaSetup(Layer.DIRECT, true, true, false, false, false);
    }

    /** The IOMMU DMA layer for a trusted device (DMA or DMA-FQ domain). */
    public static NvmeDmaSetup iommuDma() {
        return new NvmeDmaSetup(Layer.IOMMU_DMA, true, false, false, false, false);
    }

    /**
     * The setup a traced x86 guest gives an NVMe function: the IOMMU DMA layer when its IOMMU group
     * type is {@code DMA} or {@code DMA-FQ}, else dma-direct (no IOMMU, or {@code identity}),
     * with forced bouncing when the kernel command line has {@code swiotlb=force}.
     *
     * @param cmdline   the kernel command line
     * @param groupType the function's IOMMU group type, empty when there is no IOMMU
     */
    public static NvmeDmaSetup fromKernel(String cmdline, Optional<String> groupType) {
        boolean iommu = groupType.filter(t -> t.equals("DMA") || t.equals("DMA-FQ")).isPresent();
        boolean force = false;
        for (String word : cmdline.trim().split("\\s+")) {
            if (word.startsWith("swiotlb=")) {
                for (String opt : word.substring("swiotlb=".length()).split(",")) {
                    force |= opt.equals("force");
                }
            }
        }
        return new NvmeDmaSetup(iommu ? Layer.IOMMU_DMA : Layer.DIRECT, true, force, false, false, false);
    }

    /** Models swiotlb_max_mapping_size() for nvme-pci's min_align_mask: 2048 x 128 - roundup(4095, 2048) = 258048. */
    public static long swiotlbMaxMappingSize() {
        long alignPad = (NVME_MIN_ALIGN_MASK + IO_TLB_SIZE - 1) / IO_TLB_SIZE * IO_TLB_SIZE;
        return IO_TLB_SIZE * IO_TLB_SEGSIZE - alignPad;
    }

    /** Models dma_max_mapping_size() (spec 6.2 step 2); {@link #SIZE_MAX} when unlimited. */
    public long dmaMaxMappingSize() {
        return switch (layer) {
            case DIRECT -> swiotlbActive && (addressingLimited || forceBounce) ? swiotlbMaxMappingSize() : SIZE_MAX;
            case IOMMU_DMA -> untrusted ? swiotlbMaxMappingSize() : SIZE_MAX;
        };
    }

    /** Models dma_opt_mapping_size(): min(dma_max_mapping_size, the IOMMU layer's rcache range or unlimited). */
    public long dmaOptMappingSize() {
        long opt = layer == Layer.IOMMU_DMA ? IOVA_RCACHE_RANGE : SIZE_MAX;
        return Long.compareUnsigned(dmaMaxMappingSize(), opt) < 0 ? dmaMaxMappingSize() : opt;
    }

    /** Models dma_pci_p2pdma_supported() (spec 6.1, 6.10+): the device has no dma_map_ops. */
    public boolean p2pdmaSupported() {
        return !hasDmaMapOps;
    }
}
