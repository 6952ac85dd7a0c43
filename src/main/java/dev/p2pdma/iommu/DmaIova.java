package dev.p2pdma.iommu;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.p2pdma.MapType;
import java.util.Objects;
import java.util.Optional;

/**
 * Models the 2025 two-step DMA API (IOVA25, spec 8.1; include/linux/dma-mapping.h, implemented in
 * dma-iommu): the caller allocates one IOVA range for a whole transfer, links physical pieces into
 * it at offsets of its choosing, syncs, and later unlinks and frees (or destroys) it. P2P memory is
 * classified per provider first ({@link #p2pState}): BUS_ADDR pieces are used at their bus address
 * ({@link #busAddress}) and take no IOVA, THRU_HOST_BRIDGE pieces are linked like RAM (with
 * DMA_ATTR_MMIO: IOMMU_MMIO prot, no cache maintenance), NOT_SUPPORTED pieces cannot be used
 * (the caller fails the request with -EREMOTEIO).
 *
 * <p>Rules: every link except the first must start on the IOVA granule (a piece whose physical
 * address is not granule aligned at a non-zero offset is a WARN and -EIO), every link except the
 * last must be a granule multiple (otherwise the next link overlaps it and the page table refuses
 * it, -EINVAL as dma-iommu reports it); unlink and destroy take the same offsets and lengths. The
 * model also refuses (-EINVAL) a link outside the allocated size, which the kernel trusts the
 * caller with.
 *
 * <p>Immutable; thread-safe (the domain is). A state belongs to one caller at a time.
 */
public final class DmaIova {

    /** The DMA core (memory, P2P answers, warnings, cache counters). */
    private final DmaMapping mapping;

    private DmaIova(DmaMapping mapping) {
        this.mapping = mapping;
    }

    /** The two-step API over {@code mapping}'s machine. */
    public static DmaIova on(DmaMapping mapping) {
        return new DmaIova(Objects.requireNonNull(mapping, "mapping"));
    }

    /**
     * Models dma_iova_try_alloc(dev, state, phys, size): empty when the device does not use the
     * IOMMU DMA layer, for a size of 0 or with bit 63 set, or when the IOVA space is exhausted; else
     * an IOVA range of {@code align_up(size + (phys & (granule-1)))} from the normal allocator
     * (spec 5.2), the state's address carrying {@code phys}'s intra-granule offset.
     */
    public Optional<DmaIovaState> tryAlloc(DmaDevice dev, long phys, long sizeBytes) {
        if (!(dev.ops() instanceof IommuDmaOps ops)) {
            return Optional.empty();
        }
        if (sizeBytes == 0 || sizeBytes < 0) {
            mapping.warnings().warnOnce("dma_iova_try_alloc:size", "dma_iova_try_alloc (drivers/iommu/dma-iommu.c): WARN_ON_ONCE(!size || size & DMA_IOVA_USE_SWIOTLB) for "
                    + dev.name());
            return Optional.empty();
        }
        IommuDomain domain = ops.domain();
        long granule = domain.granuleBytes();
        long off = phys & (granule - 1);
        long addr = domain.allocIova(dev, align(sizeBytes + off, granule), dev.dmaMask().orElse(0), ops.pci32bitWorkaroundFlag(), mapping.warnings());
        if (addr == 0) {
            return Optional.empty();
        }
        return Optional.of(new DmaIovaState(addr + off, sizeBytes));
    }

    /**
     * Models dma_iova_link(dev, state, phys, offset, size, dir, attrs): maps {@code [phys, + size)}
     * at {@code state.addr + offset}, aligned out to granules.
     *
     * @return empty on success; EIO for an unaligned piece at a non-zero offset (with the kernel's
     *         WARN); EINVAL outside the allocation, for a device not on the state's domain, or when
     *         the page table refuses (an overlap)
     */
    public Optional<Errno> link(DmaDevice dev, DmaIovaState state, long phys, long offset, long sizeBytes, DmaDirection dir, DmaAttrs attrs) {
        if (!(dev.ops() instanceof IommuDmaOps ops) || sizeBytes <= 0 || offset < 0 || offset + sizeBytes > state.sizeBytes() || !dir.isValid()) {
            return Optional.of(Errno.EINVAL);
        }
        IommuDomain domain = ops.domain();
        long granule = domain.granuleBytes();
        long pad = phys & (granule - 1);
        if (pad != 0 && offset > 0) {
            mapping.warnings().warnOnce("dma_iova_link:pad", "dma_iova_link (drivers/iommu/dma-iommu.c): WARN_ON_ONCE(iova_start_pad && offset > 0) for "
                    + dev.name());
            return Optional.of(Errno.EIO);
        }
        boolean mmio = attrs.has(DmaAttrs.MMIO);
        if (!dev.coherent() && !attrs.skipCpuSync() && !mmio) {
            mapping.cache().syncForDevice(sizeBytes);
        }
        IommuProt prot = IommuDmaOps.prot(dir, dev.coherent(), attrs);
        if (mmio) {
            prot = prot.with(IommuProt.MMIO);
        }
        Optional<Errno> err = domain.map(state.addr() + offset - pad, phys - pad, align(sizeBytes + pad, granule), prot);
        return err.isPresent() ? Optional.of(Errno.EINVAL) : Optional.empty();
    }

    /**
     * Models dma_iova_sync(dev, state, offset, size): makes the page-table updates of the range
     * visible to the IOMMU (they already are in the model).
     *
     * @return empty (0), or EINVAL outside the allocation
     */
    public Optional<Errno> sync(DmaDevice dev, DmaIovaState state, long offset, long sizeBytes) {
        if (offset < 0 || sizeBytes < 0 || offset + sizeBytes > state.sizeBytes()) {
            return Optional.of(Errno.EINVAL);
        }
        return Optional.empty();
    }

    /**
     * Models dma_iova_unlink(dev, state, offset, size, dir, attrs): unmaps the linked range (aligned
     * out to granules) and invalidates at once (no flush queue without freeing); the IOVA stays
     * allocated.
     */
    public void unlink(DmaDevice dev, DmaIovaState state, long offset, long sizeBytes, DmaDirection dir, DmaAttrs attrs) {
        IommuDomain domain = domainOf(dev);
        long addr = state.addr() + offset;
        long pad = addr & (domain.granuleBytes() - 1);
        syncForCpu(dev, sizeBytes, attrs);
        domain.unmapKeepIova(addr - pad, align(sizeBytes + pad, domain.granuleBytes()));
    }

    /** Models dma_iova_free(dev, state): releases the whole IOVA range at once (every link must be unlinked). */
    public void free(DmaDevice dev, DmaIovaState state) {
        IommuDomain domain = domainOf(dev);
        long pad = state.addr() & (domain.granuleBytes() - 1);
        domain.freeIova(state.addr() - pad, align(state.sizeBytes() + pad, domain.granuleBytes()));
    }

    /**
     * Models dma_iova_destroy(dev, state, mapped_len, dir, attrs): frees when nothing is mapped, else
     * unlinks {@code mappedLen} bytes from offset 0 and frees that range (through the flush queue in
     * lazy mode).
     */
    public void destroy(DmaDevice dev, DmaIovaState state, long mappedLen, DmaDirection dir, DmaAttrs attrs) {
        if (mappedLen == 0) {
            free(dev, state);
            return;
        }
        IommuDomain domain = domainOf(dev);
        syncForCpu(dev, mappedLen, attrs);
        domain.unmapAndFree(state.addr(), mappedLen);
    }

    /**
     * Models pci_p2pdma_state(state, dev, page) (spec 1.14, IOVA25): NONE for a page that is not P2PDMA
     * memory, else the provider's map type for this device.
     */
    public MapType p2pState(DmaDevice dev, Page page) {
        Optional<DevicePageMap> pm = page.pagemap();
        if (!page.isP2pdma() || pm.isEmpty()) {
            return MapType.NONE;
        }
        return mapping.p2p().mapType(pm.get(), dev);
    }

    /** Models pci_p2pdma_bus_addr_map(provider, paddr): the PCI bus address of a P2PDMA byte. */
    public static long busAddress(Page page, int offset) {
        DevicePageMap pm = page.pagemap().orElseThrow(() -> new IllegalArgumentException(page + " is not device memory"));
        return page.physAddress() + offset + pm.busOffset();
    }

    private void syncForCpu(DmaDevice dev, long sizeBytes, DmaAttrs attrs) {
        if (!dev.coherent() && !attrs.skipCpuSync() && !attrs.has(DmaAttrs.MMIO)) {
            mapping.cache().syncForCpu(sizeBytes);
        }
    }

    private static IommuDomain domainOf(DmaDevice dev) {
        if (!(dev.ops() instanceof IommuDmaOps ops)) {
            throw new IllegalArgumentException(dev.name() + " does not use dma-iommu: it has no IOVA state");
        }
        return ops.domain();
    }

    private static long align(long bytes, long granule) {
        return (bytes + granule - 1) & ~(granule - 1);
    }
}
