package dev.p2pdma.dma;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Models the DMA side of a {@code struct device} (spec 3): the PCI function it is (if any), its
 * DMA masks and bus limit, its DMA range map, its {@code dma_parms} (max segment size, segment
 * boundary mask, min align mask), whether it is cache coherent, its swiotlb pool and whether that
 * pool forces bouncing, and its DMA backend ({@link DmaOps}).
 *
 * <p>Invariants: the segment boundary mask is {@code 2^k - 1}; forced bouncing needs a swiotlb
 * pool; a device without a DMA mask ({@code dev->dma_mask == NULL}) still has a value of 0 for
 * the unused field. Immutable; thread-safe. Setting a mask (dma_set_mask()) makes a new instance.
 */
public final class DmaDevice {

    /** Default max segment size (no dma_parms, and the PCI core's default): 64 KiB. */
    public static final int DEFAULT_MAX_SEGMENT_BYTES = 65536;
    /** The PCI core's default segment boundary mask. */
    public static final long PCI_DEFAULT_SEGMENT_BOUNDARY = 0xFFFF_FFFFL;
    /** Default boundary mask without dma_parms: ULONG_MAX. */
    public static final long NO_SEGMENT_BOUNDARY = -1L;
    /** The DMA cache alignment assumed for the unaligned-kmalloc bounce rule (ARCH_DMA_MINALIGN on arm64). */
    public static final int DMA_CACHE_ALIGNMENT_BYTES = 128;

    /** The dev_printk prefix, e.g. "nvme 0000:01:00.1". */
    private final String name;
    /** Index of the PCI function in the topology the P2P decisions use, or -1 for a non-PCI device. */
    private final int pciIndex;
    /** The PCI address, or null for a non-PCI device. */
    private final PciAddress pciAddress;
    /** False when the device has no DMA mask at all (dev->dma_mask == NULL). */
    private final boolean hasDmaMask;
    /** *dev->dma_mask, when {@link #hasDmaMask}. */
    private final long dmaMask;
    /** dev->coherent_dma_mask. */
    private final long coherentDmaMask;
    /** dev->bus_dma_limit (0 = none). */
    private final long busDmaLimit;
    /** dev->dma_range_map. */
    private final DmaRangeMap rangeMap;
    /** dma_get_max_seg_size(). */
    private final int maxSegmentBytes;
    /** dma_get_seg_boundary(). */
    private final long segmentBoundaryMask;
    /** dma_get_min_align_mask(). */
    private final int minAlignMask;
    /** dev_is_dma_coherent(). */
    private final boolean coherent;
    /** dev->dma_io_tlb_mem, or null when the device has no swiotlb. */
    private final Swiotlb swiotlb;
    /** io_tlb_mem->force_bounce for this device's pool. */
    private final boolean forceBounce;
    /** CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC in effect for this device (spec 3.4; default off). */
    private final boolean bounceUnalignedKmalloc;
    /** The DMA backend: dma-direct or a dma_map_ops. */
    private final DmaOps ops;

    private DmaDevice(Builder b) {
        this.name = b.name;
        this.pciIndex = b.pciIndex;
        this.pciAddress = b.pciAddress;
        this.hasDmaMask = b.hasDmaMask;
        this.dmaMask = b.hasDmaMask ? b.dmaMask : 0;
        this.coherentDmaMask = b.coherentDmaMask;
        this.busDmaLimit = b.busDmaLimit;
        this.rangeMap = b.rangeMap;
        this.maxSegmentBytes = b.maxSegmentBytes;
        this.segmentBoundaryMask = b.segmentBoundaryMask;
        this.minAlignMask = b.minAlignMask;
        this.coherent = b.coherent;
        this.swiotlb = b.swiotlb;
        this.forceBounce = b.forceBounce;
        this.bounceUnalignedKmalloc = b.bounceUnalignedKmalloc;
        this.ops = b.ops;
    }

    /** A non-PCI device called {@code name}, with no dma_parms (64 KiB segments, no boundary) and a 32-bit mask. */
    public static Builder builder(String name) {
        return new Builder(name, -1, null, NO_SEGMENT_BOUNDARY);
    }

    /**
     * The PCI function {@code address} of {@code topology}, as the PCI core sets it up: named by its
     * driver and address, 32-bit DMA masks, 64 KiB max segment, 4 GiB boundary.
     *
     * @throws IllegalArgumentException when the topology has no such function
     */
    public static Builder forPci(PciTopology topology, PciAddress address) {
        int i = topology.indexOf(address);
        if (i < 0) {
            throw new IllegalArgumentException("no PCI function " + address + " in the topology");
        }
        return new Builder(topology.function(i).logPrefix(), i, address, PCI_DEFAULT_SEGMENT_BOUNDARY);
    }

    /** A builder holding this device's settings. */
    public Builder toBuilder() {
        Builder b = new Builder(name, pciIndex, pciAddress, segmentBoundaryMask);
        b.hasDmaMask = hasDmaMask;
        b.dmaMask = dmaMask;
        b.coherentDmaMask = coherentDmaMask;
        b.busDmaLimit = busDmaLimit;
        b.rangeMap = rangeMap;
        b.maxSegmentBytes = maxSegmentBytes;
        b.minAlignMask = minAlignMask;
        b.coherent = coherent;
        b.swiotlb = swiotlb;
        b.forceBounce = forceBounce;
        b.bounceUnalignedKmalloc = bounceUnalignedKmalloc;
        b.ops = ops;
        return b;
    }

    /** The dev_printk prefix. */
    public String name() {
        return name;
    }

    /** The PCI function's index in the topology, or -1 when the device is not PCI (dev_is_pci() false). */
    public int pciIndex() {
        return pciIndex;
    }

    /** The PCI address, when the device is PCI. */
    public Optional<PciAddress> pciAddress() {
        return Optional.ofNullable(pciAddress);
    }

    /** dev_is_pci(). */
    public boolean isPci() {
        return pciIndex >= 0;
    }

    /** True unless dev->dma_mask is NULL. */
    public boolean hasDmaMask() {
        return hasDmaMask;
    }

    /** *dev->dma_mask, empty when the device has none. */
    public OptionalLong dmaMask() {
        return hasDmaMask ? OptionalLong.of(dmaMask) : OptionalLong.empty();
    }

    /** The streaming mask, 0 when the device has none (callers check {@link #hasDmaMask()} first, as the kernel does). */
    long rawDmaMask() {
        return dmaMask;
    }

    public long coherentDmaMask() {
        return coherentDmaMask;
    }

    /** dev->bus_dma_limit, 0 for none. */
    public long busDmaLimit() {
        return busDmaLimit;
    }

    /** min_not_zero(*dev->dma_mask, dev->bus_dma_limit): the highest DMA address the device can reach. */
    public long effectiveDmaLimit() {
        return DmaMasks.minNotZero(dmaMask, busDmaLimit);
    }

    public DmaRangeMap rangeMap() {
        return rangeMap;
    }

    /** dma_get_max_seg_size(). */
    public int maxSegmentBytes() {
        return maxSegmentBytes;
    }

    /** dma_get_seg_boundary(). */
    public long segmentBoundaryMask() {
        return segmentBoundaryMask;
    }

    /** dma_get_min_align_mask(). */
    public int minAlignMask() {
        return minAlignMask;
    }

    /** dev_is_dma_coherent(). */
    public boolean coherent() {
        return coherent;
    }

    /** dev->dma_io_tlb_mem. */
    public Optional<Swiotlb> swiotlb() {
        return Optional.ofNullable(swiotlb);
    }

    /** The pool, or null (hot paths). */
    Swiotlb swiotlbOrNull() {
        return swiotlb;
    }

    /** Models is_swiotlb_active(dev). */
    public boolean isSwiotlbActive() {
        return swiotlb != null;
    }

    /** Models is_swiotlb_force_bounce(dev). */
    public boolean isSwiotlbForceBounce() {
        return forceBounce;
    }

    /** True when CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC applies to this device. */
    public boolean bounceUnalignedKmalloc() {
        return bounceUnalignedKmalloc;
    }

    public DmaOps ops() {
        return ops;
    }

    /** Models phys_to_dma(dev, phys). */
    public long physToDma(long phys) {
        return rangeMap.physToDma(phys);
    }

    /** Models dma_to_phys(dev, dma). */
    public long dmaToPhys(long dma) {
        return rangeMap.dmaToPhys(dma);
    }

    /**
     * Models dma_capable(dev, addr, size, is_ram) on a 64-bit dma_addr_t: false for DMA_MAPPING_ERROR,
     * else {@code addr + size - 1 <= min_not_zero(mask, bus_dma_limit)} (unsigned).
     */
    public boolean dmaCapable(long dmaAddress, long sizeBytes) {
        if (dmaAddress == DmaMasks.DMA_MAPPING_ERROR) {
            return false;
        }
        long end = dmaAddress + sizeBytes - 1;
        return Long.compareUnsigned(end, DmaMasks.minNotZero(dmaMask, busDmaLimit)) <= 0;
    }

    /**
     * Models dma_kmalloc_needs_bounce(dev, size, dir): only with the unaligned-kmalloc bounce
     * feature, on a non-coherent device, for a direction other than TO_DEVICE and a size that is not
     * a multiple of the DMA cache alignment.
     */
    public boolean kmallocNeedsBounce(long sizeBytes, DmaDirection dir) {
        return bounceUnalignedKmalloc && !coherent && dir != DmaDirection.TO_DEVICE && sizeBytes % DMA_CACHE_ALIGNMENT_BYTES != 0;
    }

    @Override
    public String toString() {
        return name + " [" + ops.name() + (hasDmaMask ? String.format(", mask %x", dmaMask) : ", no mask")
                + (busDmaLimit != 0 ? String.format(", bus limit %x", busDmaLimit) : "") + (swiotlb != null ? ", swiotlb" : "")
                + (forceBounce ? " forced" : "") + (coherent ? "" : ", non-coherent") + "]";
    }

    /** Builds a {@link DmaDevice}. Not thread-safe. */
    public static final class Builder {
        /** See {@link DmaDevice#name}. */
        private final String name;
        /** See {@link DmaDevice#pciIndex}. */
        private final int pciIndex;
        /** See {@link DmaDevice#pciAddress}. */
        private final PciAddress pciAddress;
        /** See {@link DmaDevice#hasDmaMask}. */
        private boolean hasDmaMask = true;
        /** See {@link DmaDevice#dmaMask}. */
        private long dmaMask = DmaMasks.bitMask(32);
        /** See {@link DmaDevice#coherentDmaMask}. */
        private long coherentDmaMask = DmaMasks.bitMask(32);
        /** See {@link DmaDevice#busDmaLimit}. */
        private long busDmaLimit;
        /** See {@link DmaDevice#rangeMap}. */
        private DmaRangeMap rangeMap = DmaRangeMap.IDENTITY;
        /** See {@link DmaDevice#maxSegmentBytes}. */
        private int maxSegmentBytes = DEFAULT_MAX_SEGMENT_BYTES;
        /** See {@link DmaDevice#segmentBoundaryMask}. */
        private long segmentBoundaryMask;
        /** See {@link DmaDevice#minAlignMask}. */
        private int minAlignMask;
        /** See {@link DmaDevice#coherent}. */
        private boolean coherent = true;
        /** See {@link DmaDevice#swiotlb}. */
        private Swiotlb swiotlb;
        /** See {@link DmaDevice#forceBounce}. */
        private boolean forceBounce;
        /** See {@link DmaDevice#bounceUnalignedKmalloc}. */
        private boolean bounceUnalignedKmalloc;
        /** See {@link DmaDevice#ops}. */
        private DmaOps ops = DirectDmaOps.INSTANCE;

        private Builder(String name, int pciIndex, PciAddress pciAddress, long boundary) {
            this.name = Objects.requireNonNull(name, "name");
            this.pciIndex = pciIndex;
            this.pciAddress = pciAddress;
            this.segmentBoundaryMask = boundary;
        }

        /** Models dma_set_mask(): sets *dev->dma_mask. */
        public Builder dmaMask(long mask) {
            this.hasDmaMask = true;
            this.dmaMask = mask;
            return this;
        }

        /** Models dma_set_mask_and_coherent(). */
        public Builder dmaMaskAndCoherent(long mask) {
            dmaMask(mask);
            this.coherentDmaMask = mask;
            return this;
        }

        /** A device with dev->dma_mask == NULL. */
        public Builder noDmaMask() {
            this.hasDmaMask = false;
            return this;
        }

        public Builder coherentDmaMask(long mask) {
            this.coherentDmaMask = mask;
            return this;
        }

        /** dev->bus_dma_limit; 0 for none. */
        public Builder busDmaLimit(long limit) {
            this.busDmaLimit = limit;
            return this;
        }

        /** dev->dma_range_map; an empty list is the identity. */
        public Builder rangeMap(List<DmaRange> ranges) {
            this.rangeMap = DmaRangeMap.of(ranges);
            return this;
        }

        /** Models dma_set_max_seg_size(). */
        public Builder maxSegmentBytes(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("max segment size must be positive: " + bytes);
            }
            this.maxSegmentBytes = bytes;
            return this;
        }

        /** Models dma_set_seg_boundary(); the mask must be 2^k - 1. */
        public Builder segmentBoundaryMask(long mask) {
            if (!DmaMasks.isLowBitMask(mask)) {
                throw new IllegalArgumentException(String.format("segment boundary mask %x is not 2^k-1", mask));
            }
            this.segmentBoundaryMask = mask;
            return this;
        }

        /** Models dma_set_min_align_mask(). */
        public Builder minAlignMask(int mask) {
            if (mask < 0 || !DmaMasks.isLowBitMask(mask)) {
                throw new IllegalArgumentException(String.format("min align mask %x is not 2^k-1", mask));
            }
            this.minAlignMask = mask;
            return this;
        }

        /** dev->dma_coherent (true on x86). */
        public Builder coherent(boolean c) {
            this.coherent = c;
            return this;
        }

        /** Gives the device a swiotlb pool (dev->dma_io_tlb_mem), not forcing bounces. */
        public Builder swiotlb(Swiotlb pool) {
            this.swiotlb = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /** Gives the device a pool that bounces everything (swiotlb=force, a restricted pool, a CoCo guest). */
        public Builder swiotlbForceBounce(Swiotlb pool) {
            swiotlb(pool);
            this.forceBounce = true;
            return this;
        }

        /** Removes the swiotlb pool. */
        public Builder noSwiotlb() {
            this.swiotlb = null;
            this.forceBounce = false;
            return this;
        }

        /** Turns the unaligned-kmalloc bounce rule on (spec 3.4; default off). */
        public Builder bounceUnalignedKmalloc(boolean on) {
            this.bounceUnalignedKmalloc = on;
            return this;
        }

        /** The DMA backend (default dma-direct). */
        public Builder ops(DmaOps backend) {
            this.ops = Objects.requireNonNull(backend, "backend");
            return this;
        }

        public DmaDevice build() {
            return new DmaDevice(this);
        }
    }
}
