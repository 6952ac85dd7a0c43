package dev.p2pdma.iommu;

import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.dma.DmaWarnings;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Models the default domain of one IOMMU group (struct iommu_domain plus dma-iommu's
 * iommu_dma_cookie; spec 5.1, 5.2): a DMA domain owns an {@link IoPageTable}, an
 * {@link IovaDomain} (granule 4 KiB, start pfn 1) with the reserved regions taken out, and, in
 * {@link IommuDomainFlushMode#LAZY lazy} mode, a flush queue; an identity domain translates
 * nothing (DMA address = physical address). The domain is also what a device's DMA goes through
 * ({@link DmaTranslation}): every page of an access must be mapped with the needed permission,
 * else the access is refused as a whole and an {@link IommuFault} is recorded.
 *
 * <p>Invariants: the IOVA allocator never hands out a reserved region; in lazy mode an IOVA goes
 * back to the allocator only when its flush-queue entry is flushed, and until then its old
 * translations stay visible to devices; in strict mode an unmapped IOVA is invalid at once.
 *
 * <p>Thread-safe: the page table, the allocator, the flush queue and the fault log are each
 * thread-safe; callers map and unmap disjoint IOVA ranges (each one is owned by the mapping that
 * allocated it).
 */
public final class IommuDomain implements DmaTranslation {

    /** The IOVA granule (the smallest IOMMU page). */
    public static final long GRANULE_BYTES = IoPageTable.SIZE_4K;
    /** IOVA_START_PFN: IOVA 0 is never handed out. */
    public static final long START_PFN = 1;

    /** The IOMMU group this is the default domain of. */
    private final int groupId;
    /** DMA or identity. */
    private final IommuDomainType type;
    /** Strict or lazy invalidation (DMA domains). */
    private final IommuDomainFlushMode mode;
    /** The IO page table (empty and unused for identity). */
    private final IoPageTable pageTable = new IoPageTable();
    /** The IOVA allocator, empty for identity. */
    private final Optional<IovaDomain> iovad;
    /** The reserved regions taken out of the IOVA space. */
    private final List<IommuDomainReservedRegion> reserved;
    /** The flush queue (lazy mode only). */
    private final Optional<IommuDomainFlushQueue> flushQueue;
    /** Every fault recorded, oldest first. */
    private final ConcurrentLinkedQueue<IommuFault> faults = new ConcurrentLinkedQueue<>();

    private IommuDomain(int groupId, IommuDomainType type, IommuDomainFlushMode mode, List<IommuDomainReservedRegion> reserved,
            LongSupplier clockNs) {
        this.groupId = groupId;
        this.type = type;
        this.mode = mode;
        this.reserved = List.copyOf(reserved);
        if (type == IommuDomainType.DMA) {
            IovaDomain iova = new IovaDomain(GRANULE_BYTES, START_PFN);
            iova.initRcaches();
            int shift = iova.shift();
            for (IommuDomainReservedRegion r : this.reserved) {
                iova.reserveIova(r.first() >>> shift, r.last() >>> shift);
            }
            this.iovad = Optional.of(iova);
            this.flushQueue = mode == IommuDomainFlushMode.LAZY
                    ? Optional.of(IommuDomainFlushQueue.create(IommuDomainFlushQueue.FQ_SIZE, IommuDomainFlushQueue.FQ_TIMEOUT_MS, clockNs,
                            iova::freeIovaFast))
                    : Optional.empty();
        } else {
            this.iovad = Optional.empty();
            this.flushQueue = Optional.empty();
        }
    }

    /**
     * Models iommu_dma_init_domain() for group {@code groupId}: a DMA domain with these reserved
     * regions and this invalidation mode; the flush-queue timer runs on {@code clockNs}.
     */
    public static IommuDomain dma(int groupId, IommuDomainFlushMode mode, List<IommuDomainReservedRegion> reserved, LongSupplier clockNs) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(clockNs, "clockNs");
        return new IommuDomain(groupId, IommuDomainType.DMA, mode, reserved, clockNs);
    }

    /** An identity (passthrough) domain for group {@code groupId}. */
    public static IommuDomain identity(int groupId) {
        return new IommuDomain(groupId, IommuDomainType.IDENTITY, IommuDomainFlushMode.STRICT, List.of(), () -> 0);
    }

    /**
     * Models iova_reserve_pci_windows() + iova_reserve_iommu_regions() for a machine: the bus
     * window of every MMIO region of {@code memory} (the model's stand-in for the host bridges' MEM
     * windows, which hold those BARs) and the x86 MSI range.
     */
    public static List<IommuDomainReservedRegion> reservedRegionsOf(PhysicalMemory memory) {
        List<IommuDomainReservedRegion> out = new ArrayList<>();
        for (PhysicalMemory.Region r : memory.regions()) {
            if (r.kind() == PhysicalMemory.Kind.MMIO) {
                out.add(new IommuDomainReservedRegion(r.busAddress(), r.busAddress() + r.sizeBytes() - 1, r.name() + " bus window"));
            }
        }
        out.add(IommuDomainReservedRegion.X86_MSI);
        return out;
    }

    /** The group. */
    public int groupId() {
        return groupId;
    }

    /** DMA or identity. */
    public IommuDomainType type() {
        return type;
    }

    /** Strict or lazy (identity domains report STRICT). */
    public IommuDomainFlushMode mode() {
        return mode;
    }

    /** The IO page table. */
    public IoPageTable pageTable() {
        return pageTable;
    }

    /** The IOVA allocator (DMA domains). */
    public Optional<IovaDomain> iovaDomain() {
        return iovad;
    }

    /** The reserved regions. */
    public List<IommuDomainReservedRegion> reservedRegions() {
        return reserved;
    }

    /** The flush queue (lazy DMA domains). */
    public Optional<IommuDomainFlushQueue> flushQueue() {
        return flushQueue;
    }

    /** The granule (iovad->granule). */
    public long granuleBytes() {
        return GRANULE_BYTES;
    }

    /** Models iommu_map(): EINVAL on an identity domain (not a paging domain), else the page table's answer. */
    public Optional<Errno> map(long iova, long phys, long sizeBytes, IommuProt prot) {
        if (type != IommuDomainType.DMA) {
            return Optional.of(Errno.EINVAL);
        }
        return pageTable.map(iova, phys, sizeBytes, prot);
    }

    /** Models iommu_unmap() (strict: the IOTLB is invalidated with it): bytes unmapped; 0 on an identity domain. */
    public long unmap(long iova, long sizeBytes) {
        if (type != IommuDomainType.DMA) {
            return 0;
        }
        return pageTable.unmap(iova, sizeBytes);
    }

    /** Models iommu_iova_to_phys(): identity domains give the address back. */
    public OptionalLong iovaToPhys(long iova) {
        if (type != IommuDomainType.DMA) {
            return OptionalLong.of(iova);
        }
        return pageTable.iovaToPhys(iova);
    }

    /**
     * Models iommu_dma_alloc_iova() (spec 5.2): a granule-multiple {@code sizeBytes} below
     * min_not_zero(dmaLimit, bus_dma_limit) and the aperture; 32-bit first while the device's
     * {@code pci32bitWorkaround} holds, which a failure there turns off for good (with the kernel's
     * notice).
     *
     * @return the IOVA, 0 when the space is exhausted
     * @throws IllegalStateException on an identity domain (the kernel never calls it there)
     */
    public long allocIova(DmaDevice dev, long sizeBytes, long dmaLimit, AtomicBoolean pci32bitWorkaround, DmaWarnings log) {
        IovaDomain iova = requireDma();
        int shift = iova.shift();
        long pages = sizeBytes >>> shift;
        long limit = DmaMasks.minNotZero(dmaLimit, dev.busDmaLimit());
        if (Long.compareUnsigned(limit, IoPageTable.APERTURE_END) > 0) {
            limit = IoPageTable.APERTURE_END;
        }
        if (Long.compareUnsigned(limit, DmaMasks.bitMask(32)) > 0 && pci32bitWorkaround.get()) {
            long pfn = iova.allocIovaFast(pages, DmaMasks.bitMask(32) >>> shift, false);
            if (pfn != 0) {
                return pfn << shift;
            }
            if (pci32bitWorkaround.getAndSet(false)) {
                log.print(dev.name() + ": Using " + (64 - Long.numberOfLeadingZeros(limit)) + "-bit DMA addresses");
            }
        }
        long pfn = iova.allocIovaFast(pages, limit >>> shift, true);
        return pfn << shift;
    }

    /** Models iommu_dma_free_iova() without a gather: the range goes straight back to the allocator. */
    public void freeIova(long iova, long sizeBytes) {
        IovaDomain d = requireDma();
        d.freeIovaFast(iova >>> d.shift(), sizeBytes >>> d.shift());
    }

    /**
     * Models __iommu_dma_unmap(): aligns {@code [dmaAddress, + sizeBytes)} out to granules, clears
     * its page-table entries, and frees its IOVA: at once in strict mode; through the flush queue in
     * lazy mode (with the translations the IOTLB may still hold).
     *
     * @return the bytes unmapped from the page table
     */
    public long unmapAndFree(long dmaAddress, long sizeBytes) {
        IovaDomain d = requireDma();
        long off = dmaAddress & (GRANULE_BYTES - 1);
        long iova = dmaAddress - off;
        long size = align(sizeBytes + off);
        if (flushQueue.isPresent()) {
            List<IoPageTable.Leaf> stale = leaves(iova, size);
            long unmapped = pageTable.unmap(iova, size);
            flushQueue.get().queue(iova >>> d.shift(), size >>> d.shift(), stale);
            return unmapped;
        }
        long unmapped = pageTable.unmap(iova, size);
        d.freeIovaFast(iova >>> d.shift(), size >>> d.shift());
        return unmapped;
    }

    /**
     * Clears {@code [iova, + sizeBytes)} from the page table without freeing the IOVA (dma_iova_unlink
     * without free: always invalidated at once).
     */
    public long unmapKeepIova(long iova, long sizeBytes) {
        requireDma();
        return pageTable.unmap(iova, sizeBytes);
    }

    /** Models iommu_dma_flush_iotlb_all() with the queue: every queued IOVA goes back; stale translations vanish. */
    public void flush() {
        flushQueue.ifPresent(IommuDomainFlushQueue::flush);
    }

    /** Models the flush-queue timer: flushes when it is due on the domain's clock; true when it did. */
    public boolean flushIfDue() {
        return flushQueue.map(IommuDomainFlushQueue::flushIfDue).orElse(false);
    }

    /** Every fault recorded so far, oldest first. */
    public List<IommuFault> faults() {
        return List.copyOf(faults);
    }

    /**
     * A device access through the domain: identity passes it through; a DMA domain translates it page
     * by page (page table first, then stale lazy-mode translations, as the IOTLB would), checking the
     * permission; the first page that fails records an {@link IommuFault} and the access is refused.
     */
    @Override
    public Result translate(DmaDevice dev, long dmaAddress, int lenBytes, Access access) {
        if (lenBytes <= 0) {
            throw new IllegalArgumentException("access length must be positive: " + lenBytes);
        }
        if (type != IommuDomainType.DMA) {
            return new Mapped(List.of(new Piece(dmaAddress, lenBytes)));
        }
        flushIfDue();
        List<Piece> pieces = new ArrayList<>();
        long at = dmaAddress;
        long end = dmaAddress + lenBytes;
        while (at != end) {
            Optional<IoPageTable.Leaf> leaf = pageTable.lookup(at);
            if (leaf.isEmpty() && flushQueue.isPresent()) {
                leaf = flushQueue.get().staleLeaf(at);
            }
            IommuFaultReason reason = leaf.isEmpty() ? IommuFaultReason.NOT_PRESENT
                    : access == Access.READ && !leaf.get().prot().canRead() ? IommuFaultReason.READ_NOT_PERMITTED
                    : access == Access.WRITE && !leaf.get().prot().canWrite() ? IommuFaultReason.WRITE_NOT_PERMITTED : null;
            if (reason != null) {
                IommuFault f = new IommuFault(dev.name(), at, access, reason);
                faults.add(f);
                return new Faulted(at, f.toString());
            }
            IoPageTable.Leaf l = leaf.get();
            long leafEnd = l.iova() + l.sizeBytes();
            long n = Long.compareUnsigned(leafEnd - at, end - at) < 0 ? leafEnd - at : end - at;
            long phys = l.phys() + (at - l.iova());
            Piece last = pieces.isEmpty() ? null : pieces.get(pieces.size() - 1);
            if (last != null && last.phys() + last.lenBytes() == phys) {
                pieces.set(pieces.size() - 1, new Piece(last.phys(), last.lenBytes() + (int) n));
            } else {
                pieces.add(new Piece(phys, (int) n));
            }
            at += n;
        }
        return new Mapped(pieces);
    }

    /** The leaves mapping {@code [iova, + size)} now. */
    private List<IoPageTable.Leaf> leaves(long iova, long size) {
        List<IoPageTable.Leaf> out = new ArrayList<>();
        long at = iova;
        while (at - iova < size) {
            Optional<IoPageTable.Leaf> l = pageTable.lookup(at);
            if (l.isEmpty()) {
                at += GRANULE_BYTES;
                continue;
            }
            out.add(l.get());
            at = l.get().iova() + l.get().sizeBytes();
        }
        return out;
    }

    private IovaDomain requireDma() {
        return iovad.orElseThrow(() -> new IllegalStateException("group " + groupId + ": identity domain has no IOVA space"));
    }

    private static long align(long bytes) {
        return (bytes + GRANULE_BYTES - 1) & ~(GRANULE_BYTES - 1);
    }

    @Override
    public String toString() {
        return "group " + groupId + " " + (type == IommuDomainType.DMA ? "DMA (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ")" : "identity");
    }
}
