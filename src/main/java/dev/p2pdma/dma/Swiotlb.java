package dev.p2pdma.dma;

import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * Models a software IO TLB pool ({@code struct io_tlb_mem} with its default {@code io_tlb_pool},
 * spec 4): a dedicated RAM region of {@link PhysicalMemory} cut into 2048-byte slots, grouped in
 * 128-slot segments that no allocation crosses, and split into areas that are searched from the
 * calling CPU's area on. Bounce copies move real bytes with {@link PhysicalMemory#copy}, so a
 * device reading the bounce buffer sees exactly what the CPU had when the last copy happened.
 *
 * <p>Slot search (swiotlb_search_pool_area() of Linux 6.12): each slot records how many free
 * slots follow it up to the end of its segment; the search starts at the area's rotating index
 * (just after the previous allocation), skips slots whose DMA address breaks the required
 * alignment (slot, page for sizes of a page or more without other constraints, the explicit
 * alloc_align_mask, the device's min_align_mask bits of the original address), rejects runs that
 * cross the device's segment boundary, and takes the first run that is long enough. The spec's
 * "first-fit" is therefore first-fit from the rotating index, as in the kernel.
 *
 * <p>Invariants: the pool is page aligned, its slot count a multiple of 128 × areas, the number
 * of areas a power of two; {@link #usedSlots()} equals the slots held by live mappings. Thread
 * safety: each area's free lists, rotating index and count are guarded by the area's monitor;
 * the used count is atomic; a live mapping's per-slot records (original address, size) belong to
 * the mapping's owner, who must hand the DMA address to another thread with a happens-before edge
 * (as for the scatterlist itself) before that thread syncs or unmaps.
 */
public final class Swiotlb {

    /** IO_TLB_SHIFT. */
    public static final int IO_TLB_SHIFT = 11;
    /** IO_TLB_SIZE: bytes per slot. */
    public static final int IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
    /** IO_TLB_SEGSIZE: slots per segment. */
    public static final int IO_TLB_SEGSIZE = 128;
    /** IO_TLB_DEFAULT_SIZE: 64 MiB. */
    public static final long IO_TLB_DEFAULT_SIZE = 64L << 20;
    /** INVALID_PHYS_ADDR: a free slot's original address. */
    private static final long INVALID_PHYS_ADDR = -1L;

    /** The address space the pool and the original buffers live in. */
    private final PhysicalMemory memory;
    /** First CPU physical address of the pool. */
    private final long start;
    /** Number of slots (nslabs). */
    private final int nslabs;
    /** Slots per area. */
    private final int areaNslabs;
    /** The areas. */
    private final Area[] areas;
    /** Per slot: free slots from here to the end of its segment (0 = in use). */
    private final int[] list;
    /** Per slot: the original address this slot bounces, or INVALID_PHYS_ADDR. */
    private final long[] origAddr;
    /** Per slot: bytes of the allocation from this slot's start on (minus the alignment offset). */
    private final long[] allocBytes;
    /** Per slot (first slot of a mapping): padding slots before it. */
    private final int[] padSlots;
    /** Slots in use (the accurate CONFIG_DEBUG_FS counter). */
    private final AtomicLong used = new AtomicLong();
    /** Highest {@link #used} seen. */
    private final AtomicLong highWater = new AtomicLong();
    /** The calling CPU's number (raw_smp_processor_id()), choosing the first area searched. */
    private final IntSupplier cpu;

    private Swiotlb(PhysicalMemory memory, long start, int nslabs, int nareas, IntSupplier cpu) {
        this.memory = memory;
        this.start = start;
        this.nslabs = nslabs;
        this.areaNslabs = nslabs / nareas;
        this.areas = new Area[nareas];
        for (int i = 0; i < nareas; i++) {
            areas[i] = new Area();
        }
        this.list = new int[nslabs];
        this.origAddr = new long[nslabs];
        this.allocBytes = new long[nslabs];
        this.padSlots = new int[nslabs];
        for (int i = 0; i < nslabs; i++) {
            list[i] = IO_TLB_SEGSIZE - ioTlbOffset(i);
            origAddr[i] = INVALID_PHYS_ADDR;
        }
        this.cpu = cpu;
    }

    /**
     * Models swiotlb_init_io_tlb_pool(): a pool of {@code nslabs} slots at {@code startPhys} in
     * {@code memory}'s RAM, with {@code nareas} areas; the calling thread's id picks the first area.
     *
     * @throws IllegalArgumentException when the region is not page-aligned RAM, nslabs is not a
     *                                  positive multiple of 128 × nareas, or nareas is not a power of two
     */
    public static Swiotlb create(PhysicalMemory memory, long startPhys, int nslabs, int nareas) {
        return create(memory, startPhys, nslabs, nareas, () -> (int) Thread.currentThread().threadId());
    }

    /** As {@link #create(PhysicalMemory, long, int, int)}, with {@code cpu} giving raw_smp_processor_id(). */
    public static Swiotlb create(PhysicalMemory memory, long startPhys, int nslabs, int nareas, IntSupplier cpu) {
        if (nareas <= 0 || Integer.bitCount(nareas) != 1) {
            throw new IllegalArgumentException("swiotlb areas must be a power of two: " + nareas);
        }
        if (nslabs <= 0 || nslabs % (IO_TLB_SEGSIZE * nareas) != 0) {
            throw new IllegalArgumentException("swiotlb slots must be a positive multiple of 128 x areas: " + nslabs);
        }
        if ((startPhys & PageSize.PAGE_MASK) != 0) {
            throw new IllegalArgumentException(String.format("swiotlb pool 0x%x is not page aligned", startPhys));
        }
        long bytes = (long) nslabs << IO_TLB_SHIFT;
        Optional<PhysicalMemory.Region> r = memory.regionOf(startPhys, bytes);
        if (r.isEmpty() || r.get().kind() != PhysicalMemory.Kind.RAM) {
            throw new IllegalArgumentException(String.format("swiotlb pool 0x%x+0x%x is not in RAM", startPhys, bytes));
        }
        return new Swiotlb(memory, startPhys, nslabs, nareas, cpu);
    }

    /** First CPU physical address of the pool. */
    public long startPhys() {
        return start;
    }

    /** Bytes in the pool. */
    public long sizeBytes() {
        return (long) nslabs << IO_TLB_SHIFT;
    }

    /** Number of slots (mem->nslabs). */
    public int totalSlots() {
        return nslabs;
    }

    /** Number of areas. */
    public int areaCount() {
        return areas.length;
    }

    /** Slots in use (mem_used()). */
    public long usedSlots() {
        return used.get();
    }

    /** Slots in use in one area. */
    public int areaUsedSlots(int area) {
        Area a = areas[area];
        synchronized (a) {
            return a.used;
        }
    }

    /** Highest slot use seen (io_tlb_used_hiwater). */
    public long highWaterSlots() {
        return highWater.get();
    }

    /** Models swiotlb_find_pool() / is_swiotlb_buffer(): true when {@code phys} lies in the pool. */
    public boolean contains(long phys) {
        return phys >= start && phys - start < ((long) nslabs << IO_TLB_SHIFT);
    }

    /** Models swiotlb_max_mapping_size(dev): 256 KiB minus the device's min_align_mask rounded up to a slot. */
    public static long maxMappingBytes(DmaDevice dev) {
        long minAlign = 0;
        int mask = dev.minAlignMask();
        if (mask != 0) {
            minAlign = ((mask + (long) IO_TLB_SIZE - 1) / IO_TLB_SIZE) * IO_TLB_SIZE;
        }
        return (long) IO_TLB_SIZE * IO_TLB_SEGSIZE - minAlign;
    }

    /**
     * Models swiotlb_map(): bounces {@code [paddr, paddr + size)} and returns the DMA address of the
     * bounce buffer; DMA_MAPPING_ERROR when the pool is full, or when the bounce buffer itself is not
     * DMA-capable for the device (then it is released and a once-only WARN is printed).
     */
    public long map(DmaMapping m, DmaDevice dev, long paddr, long sizeBytes, DmaDirection dir, DmaAttrs attrs) {
        long tlb = tblMapSingle(m.warnings(), dev, paddr, sizeBytes, 0, dir, attrs);
        if (tlb == DmaMasks.DMA_MAPPING_ERROR) {
            return DmaMasks.DMA_MAPPING_ERROR;
        }
        long dma = dev.physToDma(tlb);
        if (!dev.dmaCapable(dma, sizeBytes)) {
            tblUnmapSingle(m.warnings(), dev, tlb, sizeBytes, dir, attrs.with(DmaAttrs.SKIP_CPU_SYNC));
            m.warnings().warnOnce("swiotlb_map:overflow", String.format("%s: swiotlb addr %s+%d overflow (mask %x, bus limit %x).",
                    dev.name(), DmaMasks.pad(dma), sizeBytes, dev.rawDmaMask(), dev.busDmaLimit()));
            return DmaMasks.DMA_MAPPING_ERROR;
        }
        if (!dev.coherent() && !attrs.skipCpuSync()) {
            m.cache().syncForDevice(sizeBytes);
        }
        return dma;
    }

    /**
     * Models swiotlb_tbl_map_single(): finds slots for {@code mappingBytes} bytes of
     * {@code origAddr} honouring {@code allocAlignMask} and the device's masks, records the
     * original address per slot and copies the original into the bounce buffer (always, whatever
     * the direction).
     *
     * @return the bounce buffer's CPU physical address (same min_align_mask bits as the original),
     *         or DMA_MAPPING_ERROR when no run is free (with the rate-limited "buffer is full" line
     *         unless NO_WARN)
     * @throws IllegalArgumentException when {@code allocAlignMask} is not {@code 2^k - 1}
     */
    public long tblMapSingle(DmaWarnings w, DmaDevice dev, long origAddr, long mappingBytes, int allocAlignMask, DmaDirection dir,
            DmaAttrs attrs) {
        if (allocAlignMask < 0 || !DmaMasks.isLowBitMask(allocAlignMask)) {
            throw new IllegalArgumentException(String.format("alloc_align_mask %x is not 2^k-1", allocAlignMask));
        }
        if (allocAlignMask > PageSize.PAGE_MASK) {
            w.warnOnce("swiotlb_tbl_map_single:align", dev.name() + ": Alloc alignment may prevent fulfilling requests with max mapping_size");
        }
        long offset = alignOffset(dev, allocAlignMask, origAddr);
        long align = (long) allocAlignMask + 1;
        long size = (mappingBytes + offset + align - 1) & -align;
        int index = findSlots(dev, origAddr, size, allocAlignMask);
        if (index < 0) {
            if (!attrs.noWarn()) {
                w.warnRateLimited("swiotlb_tbl_map_single", String.format(
                        "%s: swiotlb buffer is full (sz: %d bytes), total %d (slots), used %d (slots)", dev.name(), size, nslabs, used.get()));
            }
            return DmaMasks.DMA_MAPPING_ERROR;
        }
        int pad = (int) (offset >>> IO_TLB_SHIFT);
        offset &= IO_TLB_SIZE - 1;
        index += pad;
        padSlots[index] = pad;
        long n = nrSlots(size) - pad;
        for (int i = 0; i < n; i++) {
            this.origAddr[index + i] = origAddr + ((long) i << IO_TLB_SHIFT);
        }
        long tlb = start + ((long) index << IO_TLB_SHIFT) + offset;
        bounce(w, dev, tlb, mappingBytes, DmaDirection.TO_DEVICE);
        return tlb;
    }

    /**
     * Models __swiotlb_tbl_unmap_single(): unless SKIP_CPU_SYNC, copies the bounce buffer back for
     * FROM_DEVICE and BIDIRECTIONAL; then releases the slots, merging them with free neighbours in
     * the segment.
     *
     * @throws IllegalStateException when {@code tlbAddr} is not a live mapping of this pool (the
     *                               kernel would corrupt its free lists)
     */
    public void tblUnmapSingle(DmaWarnings w, DmaDevice dev, long tlbAddr, long mappingBytes, DmaDirection dir, DmaAttrs attrs) {
        if (!attrs.skipCpuSync() && dir.deviceWrites()) {
            bounce(w, dev, tlbAddr, mappingBytes, DmaDirection.FROM_DEVICE);
        }
        releaseSlots(dev, tlbAddr);
    }

    /** Models __swiotlb_sync_single_for_device(): TO_DEVICE and BIDIRECTIONAL copy the original into the bounce buffer. */
    public void syncSingleForDevice(DmaWarnings w, DmaDevice dev, long tlbAddr, long sizeBytes, DmaDirection dir) {
        requireValid(dir);
        if (dir.deviceReads()) {
            bounce(w, dev, tlbAddr, sizeBytes, DmaDirection.TO_DEVICE);
        }
    }

    /** Models __swiotlb_sync_single_for_cpu(): FROM_DEVICE and BIDIRECTIONAL copy the bounce buffer back to the original. */
    public void syncSingleForCpu(DmaWarnings w, DmaDevice dev, long tlbAddr, long sizeBytes, DmaDirection dir) {
        requireValid(dir);
        if (dir.deviceWrites()) {
            bounce(w, dev, tlbAddr, sizeBytes, DmaDirection.FROM_DEVICE);
        }
    }

    /** Models swiotlb_align_offset(dev, align_mask, addr). */
    static long alignOffset(DmaDevice dev, long allocAlignMask, long addr) {
        return addr & dev.minAlignMask() & (allocAlignMask | (IO_TLB_SIZE - 1));
    }

    /** Models nr_slots(): slots to hold {@code bytes}. */
    static long nrSlots(long bytes) {
        return (bytes + IO_TLB_SIZE - 1) >>> IO_TLB_SHIFT;
    }

    /** Models io_tlb_offset(): the slot's position in its segment. */
    private static int ioTlbOffset(int slot) {
        return slot & (IO_TLB_SEGSIZE - 1);
    }

    /** Models swiotlb_find_slots() without dynamic pools: every area once, from the calling CPU's. */
    private int findSlots(DmaDevice dev, long origAddr, long allocBytesTotal, int allocAlignMask) {
        int n = areas.length;
        int first = cpu.getAsInt() & (n - 1);
        int i = first;
        do {
            int index = searchArea(dev, i, origAddr, allocBytesTotal, allocAlignMask);
            if (index >= 0) {
                return index;
            }
            if (++i >= n) {
                i = 0;
            }
        } while (i != first);
        return -1;
    }

    /** Models swiotlb_search_pool_area(): see the class comment. */
    private int searchArea(DmaDevice dev, int areaIndex, long origAddr, long allocBytesTotal, int allocAlignMaskIn) {
        Area area = areas[areaIndex];
        long boundaryMask = dev.segmentBoundaryMask();
        long tblDmaAddr = dev.physToDma(start) & boundaryMask;
        long maxSlots = (boundaryMask >>> IO_TLB_SHIFT) + 1;
        long iotlbAlignMask = dev.minAlignMask();
        long nslots = nrSlots(allocBytesTotal);
        long offset = alignOffset(dev, 0, origAddr);
        long allocAlignMask = allocAlignMaskIn;
        if (allocAlignMask == 0 && iotlbAlignMask == 0 && allocBytesTotal >= PageSize.PAGE_SIZE) {
            allocAlignMask = PageSize.PAGE_SIZE - 1;
        }
        allocAlignMask |= IO_TLB_SIZE - 1;
        iotlbAlignMask &= ~allocAlignMask;
        long stride = (Math.max(allocAlignMask, iotlbAlignMask) >>> IO_TLB_SHIFT) + 1;
        long shift = nrSlots(tblDmaAddr);
        int slotIndex = -1;
        synchronized (area) {
            if (nslots > areaNslabs - area.used) {
                return -1;
            }
            int slotBase = areaIndex * areaNslabs;
            int index = area.index;
            boolean found = false;
            for (long checked = 0; checked < areaNslabs;) {
                slotIndex = slotBase + index;
                long tlbAddr = tblDmaAddr + ((long) slotIndex << IO_TLB_SHIFT);
                if ((tlbAddr & allocAlignMask) != 0 || (origAddr != 0 && (tlbAddr & iotlbAlignMask) != (origAddr & iotlbAlignMask))) {
                    index = wrapAreaIndex(index + 1);
                    checked++;
                    continue;
                }
                if (!isSpanBoundary(slotIndex, nslots, shift, maxSlots) && list[slotIndex] >= nslots) {
                    found = true;
                    break;
                }
                index = wrapAreaIndex(index + stride);
                checked += stride;
            }
            if (!found) {
                return -1;
            }
            for (int i = slotIndex; i < slotIndex + nslots; i++) {
                list[i] = 0;
                allocBytes[i] = allocBytesTotal - (offset + ((long) (i - slotIndex) << IO_TLB_SHIFT));
            }
            int count = 0;
            for (int i = slotIndex - 1; ioTlbOffset(i) != IO_TLB_SEGSIZE - 1 && list[i] != 0; i--) {
                list[i] = ++count;
            }
            area.index = wrapAreaIndex(index + nslots);
            area.used += (int) nslots;
        }
        long now = used.addAndGet(nslots);
        highWater.accumulateAndGet(now, Math::max);
        return slotIndex;
    }

    /** Models wrap_area_index(): back to 0 once past the area. */
    private int wrapAreaIndex(long index) {
        return index >= areaNslabs ? 0 : (int) index;
    }

    /** Models iommu_is_span_boundary(index, nr, shift, boundary_size) for a power-of-two boundary size. */
    private static boolean isSpanBoundary(long index, long nr, long shift, long boundarySize) {
        long s = (shift + index) & (boundarySize - 1);
        return s + nr > boundarySize;
    }

    /** Models swiotlb_release_slots(). */
    private void releaseSlots(DmaDevice dev, long tlbAddr) {
        if (!contains(tlbAddr)) {
            throw new IllegalStateException(String.format("0x%x is not a swiotlb buffer of this pool", tlbAddr));
        }
        long offset = alignOffset(dev, 0, tlbAddr);
        int index = (int) ((tlbAddr - offset - start) >>> IO_TLB_SHIFT);
        Area area = areas[index / areaNslabs];
        int nslots;
        synchronized (area) {
            if (list[index] != 0 || origAddr[index] == INVALID_PHYS_ADDR) {
                throw new IllegalStateException(String.format("swiotlb buffer 0x%x is not mapped (double unmap?)", tlbAddr));
            }
            index -= padSlots[index];
            nslots = (int) nrSlots(allocBytes[index] + offset);
            int count = 0;
            int segEnd = (index + IO_TLB_SEGSIZE) & -IO_TLB_SEGSIZE;
            if (index + nslots < segEnd) {
                count = list[index + nslots];
            }
            for (int i = index + nslots - 1; i >= index; i--) {
                list[i] = ++count;
                origAddr[i] = INVALID_PHYS_ADDR;
                allocBytes[i] = 0;
                padSlots[i] = 0;
            }
            for (int i = index - 1; ioTlbOffset(i) != IO_TLB_SEGSIZE - 1 && list[i] != 0; i--) {
                list[i] = ++count;
            }
            area.used -= nslots;
        }
        used.addAndGet(-nslots);
    }

    /**
     * Models swiotlb_bounce(): copies between the original buffer and the bounce buffer at
     * {@code tlbAddr} (which may point into the middle of a mapping), TO_DEVICE meaning original to
     * bounce. A size beyond the allocation is cut to it with a once-only WARN.
     */
    private void bounce(DmaWarnings w, DmaDevice dev, long tlbAddr, long sizeBytes, DmaDirection dir) {
        int index = (int) ((tlbAddr - start) >>> IO_TLB_SHIFT);
        long orig = origAddr[index];
        long alloc = allocBytes[index];
        if (orig == INVALID_PHYS_ADDR) {
            return;
        }
        long tlbOffset = (tlbAddr & (IO_TLB_SIZE - 1)) - alignOffset(dev, 0, orig);
        orig += tlbOffset;
        alloc -= tlbOffset;
        long size = sizeBytes;
        if (size > alloc) {
            w.warnOnce("swiotlb_bounce:overflow", String.format("%s: Buffer overflow detected. Allocation size: %d. Mapping size: %d.",
                    dev.name(), alloc, size));
            size = alloc;
        }
        if (size <= 0) {
            return;
        }
        if (dir == DmaDirection.TO_DEVICE) {
            memory.copy(orig, tlbAddr, size);
        } else {
            memory.copy(tlbAddr, orig, size);
        }
    }

    private static void requireValid(DmaDirection dir) {
        if (!dir.isValid()) {
            throw new IllegalArgumentException("BUG: invalid DMA direction " + dir);
        }
    }

    /** Models struct io_tlb_area: its rotating search index and used count. Guarded by its own monitor. */
    private static final class Area {
        /** Where the next search starts (slot index within the area). */
        int index;
        /** Slots in use in this area. */
        int used;
    }
}
