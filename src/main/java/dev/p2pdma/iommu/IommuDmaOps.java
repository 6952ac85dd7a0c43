package dev.p2pdma.iommu;

import dev.p2pdma.dma.DirectDmaOps;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaBackendCapabilities;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaOps;
import dev.p2pdma.dma.DmaPageMapping;
import dev.p2pdma.dma.P2pMapState;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.sg.BusAddressMark;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgWalk;
import java.util.Iterator;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Models dma-iommu (drivers/iommu/dma-iommu.c, spec 5.2, 5.3) as the DMA backend of one device
 * attached to a DMA domain: map_sg aligns every segment to the IOVA granule (stashing the original
 * offset and length), pads so no merged segment crosses the boundary mask, allocates one IOVA
 * range for the whole list (32-bit first while the device's workaround holds), maps physically
 * contiguous runs through the page table (iommu_map_sg), and rebuilds the DMA view merging under
 * max_segment_size and the boundary mask. P2PDMA pages follow their map type: BUS_ADDR keeps the
 * bus address and the mark and takes no IOVA (the domain reserves the bus windows, spec 5.1, so the
 * two coexist), THRU_HOST_BRIDGE is mapped through the page table like RAM, NOT_SUPPORTED fails the
 * list with -EREMOTEIO after restoring every entry and before any IOVA is allocated.
 *
 * <p>As in 6.12 the layer is called directly (no dma_map_ops: {@link #isMapOps()} is false, so
 * dma_pci_p2pdma_supported() is true) and carries DMA_F_PCI_P2PDMA_SUPPORTED for the RFC-era
 * check. map_page (iommu_dma_map_page) gives one range one IOVA, keeping the in-granule offset,
 * whatever the page (it never asks for a P2P map type). Not modelled: the swiotlb paths of untrusted
 * devices (spec 5.3's first branch and map_page's bounce of unaligned ranges; the model has no
 * dev->untrusted), deferred attach.
 *
 * <p>Invariants: after a failed map no IOVA and no page-table entry of the list remains; unmap
 * frees exactly the range map allocated. Thread-safe: the domain is; the per-device 32-bit
 * workaround flag is atomic; a scatterlist belongs to one caller at a time.
 */
public final class IommuDmaOps implements DmaOps {

    /** The device's default domain (a DMA domain). */
    private final IommuDomain domain;
    /** dev->iommu->pci_32bit_workaround: try 32-bit IOVAs first; cleared for good by the first failure there. */
    private final AtomicBoolean pci32bitWorkaround;

    private IommuDmaOps(IommuDomain domain, boolean pci32bitWorkaround) {
        this.domain = domain;
        this.pci32bitWorkaround = new AtomicBoolean(pci32bitWorkaround);
    }

    /**
     * Models iommu_setup_dma_ops() for one device of {@code domain}'s group: dma-iommu for a DMA
     * domain, dma-direct for an identity domain (passthrough). {@code pciDevice} starts the
     * 32-bit-first workaround (PCI devices, unless iommu.forcedac=1).
     */
    public static DmaOps forDevice(IommuDomain domain, boolean pciDevice) {
        Objects.requireNonNull(domain, "domain");
        if (domain.type() == IommuDomainType.IDENTITY) {
            return DirectDmaOps.INSTANCE;
        }
        return new IommuDmaOps(domain, pciDevice);
    }

    /**
     * dma-iommu on the DMA domain {@code domain}.
     *
     * @throws IllegalArgumentException for an identity domain (it uses dma-direct: {@link #forDevice})
     */
    public static IommuDmaOps attach(IommuDomain domain, boolean pci32bitWorkaround) {
        if (domain.type() != IommuDomainType.DMA) {
            throw new IllegalArgumentException(domain + ": dma-iommu needs a DMA domain");
        }
        return new IommuDmaOps(domain, pci32bitWorkaround);
    }

    /** The domain. */
    public IommuDomain domain() {
        return domain;
    }

    /** The current value of the device's pci_32bit_workaround. */
    public boolean pci32bitWorkaround() {
        return pci32bitWorkaround.get();
    }

    /** The per-device workaround flag, for the two-step API (same device, same flag). */
    AtomicBoolean pci32bitWorkaroundFlag() {
        return pci32bitWorkaround;
    }

    @Override
    public String name() {
        return "dma-iommu";
    }

    @Override
    public boolean isMapOps() {
        return false;
    }

    @Override
    public int flags() {
        return DMA_F_PCI_P2PDMA_SUPPORTED;
    }

    /** Bus address or IOVA for P2P pages, swiotlb=force ignored, -ENOMEM when the IOVA space runs out, translated, merging. */
    @Override
    public DmaBackendCapabilities capabilities() {
        return new DmaBackendCapabilities(DmaBackendCapabilities.P2pPages.BUS_ADDRESS_OR_IOVA, false, Errno.ENOMEM.negative(), true, true);
    }

    /** Models dma_info_to_prot(): READ for TO_DEVICE, WRITE for FROM_DEVICE, both for BIDIRECTIONAL; CACHE if coherent; PRIV if asked. */
    public static IommuProt prot(DmaDirection dir, boolean coherent, DmaAttrs attrs) {
        int bits = coherent ? IommuProt.CACHE : 0;
        if (attrs.has(DmaAttrs.PRIVILEGED)) {
            bits |= IommuProt.PRIV;
        }
        bits |= switch (dir) {
            case BIDIRECTIONAL -> IommuProt.READ | IommuProt.WRITE;
            case TO_DEVICE -> IommuProt.READ;
            case FROM_DEVICE -> IommuProt.WRITE;
            case NONE -> 0;
        };
        return new IommuProt(bits);
    }

    /**
     * Models iommu_dma_map_sg() (spec 5.3): see the class comment.
     *
     * @return the number of DMA segments, or -ENOMEM (IOVA space exhausted), -EREMOTEIO (a P2PDMA page
     *         the device cannot reach), -EINVAL (the page table refused)
     */
    @Override
    public int mapSg(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        if (!attrs.skipCpuSync()) {
            syncSgForDevice(m, dev, sgl, nents, dir);
        }
        long granule = domain.granuleBytes();
        long mask = dev.segmentBoundaryMask();
        BusAddressMark mark = m.sgDma().mark();
        P2pMapState state = null;
        long iovaLen = 0;
        SgEntry prev = null;
        for (SgWalk.Cursor c = SgWalk.of(sgl, nents).iterator(); c.hasNext();) {
            SgEntry e = c.next();
            Page page = e.pageOrThrow();
            int off = (int) (e.offset() & (granule - 1));
            long len = e.lengthBytes();
            long pad = (mask - iovaLen + 1) & mask;
            if (page.isP2pdma()) {
                if (state == null) {
                    state = new P2pMapState();
                }
                MapType map = state.mapSegment(m, dev, e, page);
                if (map == MapType.BUS_ADDR) {
                    continue;
                }
                if (map != MapType.THRU_HOST_BRIDGE) {
                    invalidate(mark, sgl, nents, c.index());
                    return Errno.EREMOTEIO.negative();
                }
            }
            e.setDmaAddress(off);
            e.setDmaLength((int) len);
            long sLength = align(len + off, granule);
            e.setPage(page, (int) sLength, e.offset() - off);
            if (pad != 0 && Long.compareUnsigned(pad, sLength - 1) < 0) {
                prev.setPage(prev.pageOrThrow(), (int) (prev.lengthBytes() + pad), prev.offset());
                iovaLen += pad;
            }
            iovaLen += sLength;
            prev = e;
        }
        if (iovaLen == 0) {
            return finalise(mark, dev, sgl, nents, 0);
        }
        long iova = domain.allocIova(dev, iovaLen, dev.dmaMask().orElse(0), pci32bitWorkaround, m.warnings());
        if (iova == 0) {
            invalidate(mark, sgl, nents, nents);
            return Errno.ENOMEM.negative();
        }
        long mapped = iommuMapSg(mark, iova, sgl, nents, prot(dir, dev.coherent(), attrs));
        if (mapped < iovaLen) {
            domain.freeIova(iova, iovaLen);
            invalidate(mark, sgl, nents, nents);
            return Errno.EINVAL.negative();
        }
        return finalise(mark, dev, sgl, nents, iova);
    }

    /**
     * Models iommu_dma_unmap_sg() (spec 5.3, last paragraph): bus-address entries lose their mark
     * (when the era clears it; the RFC left it);
     * the IOVA range from the first to the end of the last IOVA segment (stopping at a zero length)
     * is unmapped and freed, through the flush queue in lazy mode.
     */
    @Override
    public void unmapSg(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir, DmaAttrs attrs) {
        if (!attrs.skipCpuSync()) {
            syncSgForCpu(m, dev, sgl, nents, dir);
        }
        BusAddressMark mark = m.sgDma().mark();
        boolean clearMark = m.sgDma().unmapClearsMark();
        long start = 0;
        long end = 0;
        boolean found = false;
        for (SgEntry e : SgWalk.of(sgl, nents)) {
            if (mark.isMarked(e)) {
                if (clearMark) {
                    mark.unmark(e);
                }
                continue;
            }
            if (e.dmaLength() == 0) {
                break;
            }
            if (!found) {
                start = e.dmaAddress();
                found = true;
            }
            end = e.dmaAddress() + e.dmaLengthBytes();
        }
        if (end != 0) {
            long size = align(end - start + (start & (domain.granuleBytes() - 1)), domain.granuleBytes());
            long unmapped = domain.unmapAndFree(start, end - start);
            if (unmapped != size) {
                m.warnings().warnOnce("__iommu_dma_unmap:size", "__iommu_dma_unmap (drivers/iommu/dma-iommu.c): WARN_ON(unmapped != size) for "
                        + dev.name() + ": " + unmapped + " != " + size);
            }
        }
    }

    /** Models iommu_dma_sync_sg_for_cpu(): cache maintenance of every entry on a non-coherent device. */
    @Override
    public void syncSgForCpu(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir) {
        if (dev.coherent()) {
            return;
        }
        for (SgEntry e : SgWalk.of(sgl, nents)) {
            m.cache().syncForCpu(e.lengthBytes());
        }
    }

    /** Models iommu_dma_sync_sg_for_device(): cache maintenance of every entry on a non-coherent device. */
    @Override
    public void syncSgForDevice(DmaMapping m, DmaDevice dev, SgEntry sgl, int nents, DmaDirection dir) {
        if (dev.coherent()) {
            return;
        }
        for (SgEntry e : SgWalk.of(sgl, nents)) {
            m.cache().syncForDevice(e.lengthBytes());
        }
    }

    /** Models iommu_dma_max_mapping_size(): no limit for a trusted device. */
    @Override
    public long maxMappingBytes(DmaMapping m, DmaDevice dev) {
        return DmaMasks.SIZE_MAX;
    }

    /**
     * Models iommu_dma_map_page() with __iommu_dma_map(): cache maintenance for a non-coherent device
     * (unless SKIP_CPU_SYNC), then one IOVA range of the granule-aligned span of {@code [page +
     * offset, + size)} mapped through the page table; the address returned keeps the range's offset
     * in its granule. DMA_MAPPING_ERROR, with nothing held, when the device's min_align_mask is wider
     * than the granule (a once-only WARN), the IOVA space is exhausted, or the page table refuses
     * (the IOVA is freed again). P2PDMA pages are mapped like RAM, at their CPU address.
     */
    @Override
    public DmaPageMapping mapPage(DmaMapping m, DmaDevice dev, Page page, long offset, long size, DmaDirection dir, DmaAttrs attrs) {
        long phys = page.physAddress() + offset;
        if (!dev.coherent() && !attrs.skipCpuSync()) {
            m.cache().syncForDevice(size);
        }
        long granuleMask = domain.granuleBytes() - 1;
        if (Integer.toUnsignedLong(dev.minAlignMask()) > granuleMask) {
            m.warnings().warnOnce("__iommu_dma_map:min_align", dev.name() + ": Unsupported alignment constraint");
            return DmaPageMapping.ERROR;
        }
        long iovaOff = phys & granuleMask;
        long span = align(size + iovaOff, domain.granuleBytes());
        long iova = domain.allocIova(dev, span, dev.dmaMask().orElse(0), pci32bitWorkaround, m.warnings());
        if (iova == 0) {
            return DmaPageMapping.ERROR;
        }
        if (domain.map(iova, phys - iovaOff, span, prot(dir, dev.coherent(), attrs)).isPresent()) {
            domain.freeIova(iova, span);
            return DmaPageMapping.ERROR;
        }
        return new DmaPageMapping(iova + iovaOff, DmaPageMapping.Kind.IOVA);
    }

    /**
     * Models iommu_dma_unmap_page() with __iommu_dma_unmap(): an address the page table does not
     * translate gets a WARN and nothing else; otherwise cache maintenance for a non-coherent device
     * (unless SKIP_CPU_SYNC), then the granule-aligned span is unmapped and its IOVA freed (through
     * the flush queue in lazy mode), with a WARN when the page table unmapped another size.
     */
    @Override
    public void unmapPage(DmaMapping m, DmaDevice dev, long dmaAddress, long size, DmaDirection dir, DmaAttrs attrs) {
        OptionalLong phys = domain.iovaToPhys(dmaAddress);
        if (phys.isEmpty() || phys.getAsLong() == 0) {
            m.warnings().print("WARNING: iommu_dma_unmap_page (drivers/iommu/dma-iommu.c): WARN_ON(!phys) for " + dev.name() + " at "
                    + DmaMasks.pad(dmaAddress));
            return;
        }
        if (!attrs.skipCpuSync() && !dev.coherent()) {
            m.cache().syncForCpu(size);
        }
        long granule = domain.granuleBytes();
        long span = align(size + (dmaAddress & (granule - 1)), granule);
        long unmapped = domain.unmapAndFree(dmaAddress, size);
        if (unmapped != span) {
            m.warnings().print("WARNING: __iommu_dma_unmap (drivers/iommu/dma-iommu.c): WARN_ON(unmapped != size) for " + dev.name() + ": "
                    + unmapped + " != " + span);
        }
    }

    /** Models iommu_dma_opt_mapping_size(): iova_rcache_range(), 128 KiB, the largest size the IOVA caches serve. */
    @Override
    public long optMappingBytes(DmaMapping m, DmaDevice dev) {
        return IovaDomain.iovaRcacheRangeBytes();
    }

    /**
     * Models iommu_map_sg(): maps each physically contiguous run of the (granule-aligned) entries at
     * the next IOVA, skipping bus-address entries; on an error unmaps what it mapped.
     *
     * @return the bytes mapped, or -1 when the page table refused
     */
    private long iommuMapSg(BusAddressMark mark, long iova, SgEntry sgl, int nents, IommuProt prot) {
        long mapped = 0;
        long start = 0;
        long len = 0;
        for (SgEntry e : SgWalk.of(sgl, nents)) {
            long phys = e.phys();
            if (len != 0 && phys != start + len) {
                if (domain.map(iova + mapped, start, len, prot).isPresent()) {
                    domain.unmap(iova, mapped);
                    return -1;
                }
                mapped += len;
                len = 0;
            }
            if (mark.isMarked(e)) {
                continue;
            }
            if (len != 0) {
                len += e.lengthBytes();
            } else {
                len = e.lengthBytes();
                start = phys;
            }
        }
        if (len != 0) {
            if (domain.map(iova + mapped, start, len, prot).isPresent()) {
                domain.unmap(iova, mapped);
                return -1;
            }
            mapped += len;
        }
        return mapped;
    }

    /**
     * Models __finalise_sg() (spec 5.3): restores each entry's CPU view from the stash and writes the
     * DMA view from the first entry on, concatenating an entry into the open segment when it starts
     * on a granule, the running IOVA is not on a boundary-mask boundary, and the merged length stays
     * within max_segment_size (compared as the kernel's unsigned int). Bus-address entries are
     * copied over as segments of their own, keeping the mark.
     *
     * @return the number of DMA segments
     */
    private static int finalise(BusAddressMark mark, DmaDevice dev, SgEntry sgl, int nents, long dmaAddr) {
        Iterator<SgEntry> out = SgWalk.of(sgl, nents).iterator();
        SgEntry cur = null;
        long curLen = 0;
        int count = 0;
        long maxLen = Integer.toUnsignedLong(dev.maxSegmentBytes());
        long segMask = dev.segmentBoundaryMask();
        long addr = dmaAddr;
        for (SgWalk.Cursor c = SgWalk.of(sgl, nents).iterator(); c.hasNext();) {
            SgEntry s = c.next();
            long sDma = s.dmaAddress();
            long sLen = s.dmaLengthBytes();
            long sIovaLen = s.lengthBytes();
            s.setDmaAddress(DmaMasks.DMA_MAPPING_ERROR);
            s.setDmaLength(0);
            if (mark.isMarked(s)) {
                cur = out.next();
                mark.unmark(s);
                cur.setDmaAddress(sDma);
                cur.setDmaLength((int) sLen);
                mark.mark(cur);
                count++;
                curLen = 0;
                continue;
            }
            long off = sDma;
            s.setPage(s.pageOrThrow(), (int) sLen, (int) (s.offset() + off));
            if (curLen != 0 && off == 0 && (addr & segMask) != 0 && ((maxLen - curLen) & 0xFFFF_FFFFL) >= sLen) {
                curLen += sLen;
            } else {
                cur = out.next();
                curLen = sLen;
                count++;
                cur.setDmaAddress(addr + off);
            }
            cur.setDmaLength((int) curLen);
            addr += sIovaLen;
            if (sLen + off < sIovaLen) {
                curLen = 0;
            }
        }
        return count;
    }

    /**
     * Models __invalidate_sg(): bus-address entries lose their mark; the first {@code stashed}
     * entries get their CPU offset and length back from the stash; every entry's DMA view is reset.
     * (The kernel restores from whatever every entry holds; entries the first pass never reached
     * hold no stash here, so they are only reset.)
     */
    private static void invalidate(BusAddressMark mark, SgEntry sgl, int nents, int stashed) {
        for (SgWalk.Cursor c = SgWalk.of(sgl, nents).iterator(); c.hasNext();) {
            SgEntry s = c.next();
            if (mark.isMarked(s)) {
                mark.unmark(s);
            } else if (c.index() < stashed) {
                long off = s.dmaAddress();
                int offset = off != DmaMasks.DMA_MAPPING_ERROR ? (int) (s.offset() + off) : s.offset();
                int length = s.dmaLength() != 0 ? s.dmaLength() : s.length();
                s.setPage(s.pageOrThrow(), length, offset);
            }
            s.setDmaAddress(DmaMasks.DMA_MAPPING_ERROR);
            s.setDmaLength(0);
        }
    }

    private static long align(long bytes, long granule) {
        return (bytes + granule - 1) & ~(granule - 1);
    }

    @Override
    public String toString() {
        return "dma-iommu on " + domain;
    }
}
