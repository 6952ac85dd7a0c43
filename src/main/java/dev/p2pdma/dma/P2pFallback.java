package dev.p2pdma.dma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.p2pdma.Era;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.Objects;
import java.util.Optional;

/**
 * A caller-side fallback (spec 9): map a table of P2PDMA pages for a device, and when the device
 * cannot reach them, copy the data through a RAM buffer the caller owns and map that instead. There
 * is one method per API shape; each is the code a driver would write against that shape, so the
 * differences show: the SG-era dma_map_sgtable() and the dedicated entry point say exactly why they
 * failed, the RFC's dma_map_sg() says it with a negative count, and the SG-era dma_map_sg() says 0
 * for everything, leaving the caller to guess.
 *
 * <p>Not thread-safe: the RAM buffer is used by one mapping at a time (the caller serialises, as a
 * driver serialises use of its bounce buffer).
 */
public final class P2pFallback {

    /** The mapping core (its era is the shape the RFC / SG methods use). */
    private final DmaMapping mapping;
    /** The RAM the fallback copies through. */
    private final RamBuffer ram;

    /**
     * A page-aligned RAM region the caller owns for bouncing. Immutable.
     *
     * @param physStart first CPU physical address
     * @param sizeBytes length
     */
    public record RamBuffer(long physStart, long sizeBytes) {
        /** Validates alignment. */
        public RamBuffer {
            if ((physStart & PageSize.PAGE_MASK) != 0 || sizeBytes <= 0 || (sizeBytes & PageSize.PAGE_MASK) != 0) {
                throw new IllegalArgumentException(String.format("RAM buffer 0x%x+0x%x must be page aligned", physStart, sizeBytes));
            }
        }
    }

    /** What the caller holds after trying: mapped directly, mapped through RAM, or nothing mapped. */
    public sealed interface Outcome {
        /** Short description for logs and docs. */
        String describe();
    }

    /**
     * The P2P table itself was mapped (bus addresses, or through the host bridge).
     *
     * @param table   the P2P table, mapped
     * @param nents   DMA segments
     * @param mapping the core that mapped it (unmap with the same one)
     */
    public record MappedDirect(SgTable table, int nents, DmaMapping mapping) implements Outcome {
        @Override
        public String describe() {
            return "mapped the P2P pages directly, " + nents + " segment(s)";
        }
    }

    /**
     * The data went through RAM: {@code ramTable} is mapped; device-written data is copied back to
     * the P2P pages on {@link #complete}.
     *
     * @param p2pTable the caller's P2P table (not mapped)
     * @param ramTable the RAM table, mapped
     * @param nents    DMA segments of the RAM table
     * @param mapping  the core that mapped it
     * @param why      the failure that sent the caller to RAM, as the shape reported it
     */
    public record MappedViaRam(SgTable p2pTable, SgTable ramTable, int nents, DmaMapping mapping, String why) implements Outcome {
        @Override
        public String describe() {
            return "fell back to RAM after " + why + ", " + nents + " segment(s)";
        }
    }

    /**
     * Nothing is mapped.
     *
     * @param kernelReturn what the last call returned
     * @param why          the caller's reading of it
     */
    public record Failed(int kernelReturn, String why) implements Outcome {
        @Override
        public String describe() {
            return "failed (" + kernelReturn + "): " + why;
        }
    }

    private P2pFallback(DmaMapping mapping, RamBuffer ram) {
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.ram = Objects.requireNonNull(ram, "ram");
        Optional<PhysicalMemory.Region> r = mapping.memory().regionOf(ram.physStart(), ram.sizeBytes());
        if (r.isEmpty() || r.get().kind() != PhysicalMemory.Kind.RAM) {
            throw new IllegalArgumentException(String.format("0x%x+0x%x is not RAM", ram.physStart(), ram.sizeBytes()));
        }
    }

    /** A fallback over {@code mapping} bouncing through {@code ram}. */
    public static P2pFallback of(DmaMapping mapping, RamBuffer ram) {
        return new P2pFallback(mapping, ram);
    }

    /**
     * SG shape, dma_map_sgtable(): -EREMOTEIO means "unreachable, for good": go through RAM; any
     * other error is reported as it is (ENOMEM may be retried later).
     */
    public Outcome mapWithSgtable(DmaDevice dev, SgTable p2p, DmaDirection dir) {
        DmaMapping core = shaped(Era.SG);
        DmaMapResult r = core.mapSgtable(dev, p2p, dir, DmaAttrs.NONE);
        if (r.isOk()) {
            return new MappedDirect(p2p, r.nents(), core);
        }
        if (r.error().orElseThrow() == Errno.EREMOTEIO) {
            return viaRam(core, dev, p2p, dir, "dma_map_sgtable() = -EREMOTEIO");
        }
        return new Failed(r.kernelReturn(), "dma_map_sgtable() = " + r.kernelReturn() + " (not a P2P problem)");
    }

    /**
     * RFC shape, dma_map_sg(): a negative count (-EREMOTEIO) means unreachable: go through RAM; 0
     * means "out of resources, retry later"; positive is the segment count.
     */
    public Outcome mapWithMapSgRfc(DmaDevice dev, SgTable p2p, DmaDirection dir) {
        DmaMapping core = shaped(Era.RFC);
        int n = core.mapSg(dev, p2p.first().orElseThrow(), p2p.origNents(), dir, DmaAttrs.NONE);
        if (n > 0) {
            p2p.setNents(n);
            return new MappedDirect(p2p, n, core);
        }
        if (n < 0) {
            return viaRam(core, dev, p2p, dir, "dma_map_sg() = " + n);
        }
        return new Failed(0, "dma_map_sg() = 0: a resource error, retry later");
    }

    /**
     * SG shape, dma_map_sg(): 0 for every error. The caller asks dma_pci_p2pdma_supported() first
     * (a backend without P2P support goes straight to RAM) but still cannot tell -EREMOTEIO from
     * -ENOMEM or -EIO, so it falls back on every 0: a copy wasted when the failure was transient,
     * and a resource shortage it cannot report as such.
     */
    public Outcome mapWithMapSg(DmaDevice dev, SgTable p2p, DmaDirection dir) {
        DmaMapping core = shaped(Era.SG);
        if (!core.p2pdmaSupported(dev)) {
            return viaRam(core, dev, p2p, dir, "dma_pci_p2pdma_supported() = false");
        }
        int n = core.mapSg(dev, p2p.first().orElseThrow(), p2p.origNents(), dir, DmaAttrs.NONE);
        if (n > 0) {
            p2p.setNents(n);
            return new MappedDirect(p2p, n, core);
        }
        return viaRam(core, dev, p2p, dir, "dma_map_sg() = 0 (reason unknown)");
    }

    /** Dedicated shape, dma_map_sg_p2p(): ENXIO means unreachable: go through RAM; other errors are reported. */
    public Outcome mapWithDedicated(DmaDevice dev, SgTable p2p, DmaDirection dir) {
        DmaMapSgP2p api = DmaMapSgP2p.on(mapping);
        DmaMapResult r = api.map(dev, p2p, dir, DmaAttrs.NONE);
        if (r.isOk()) {
            return new MappedDirect(p2p, r.nents(), shaped(Era.SG));
        }
        if (r.error().orElseThrow() == Errno.ENXIO) {
            return viaRam(shaped(Era.SG), dev, p2p, dir, "dma_map_sg_p2p() = -ENXIO");
        }
        return new Failed(r.kernelReturn(), "dma_map_sg_p2p() = " + r.kernelReturn());
    }

    /**
     * Ends the DMA: unmaps, and for data the device wrote through RAM copies it back into the P2P
     * pages; frees the RAM table. Does nothing for {@link Failed}.
     */
    public void complete(DmaDevice dev, Outcome outcome, DmaDirection dir) {
        switch (outcome) {
            case MappedDirect d -> d.mapping().unmapSgtable(dev, d.table(), dir, DmaAttrs.NONE);
            case MappedViaRam v -> {
                v.mapping().unmapSgtable(dev, v.ramTable(), dir, DmaAttrs.NONE);
                if (dir.deviceWrites()) {
                    copy(v.p2pTable(), false);
                }
                v.ramTable().free();
            }
            case Failed f -> {
            }
        }
    }

    private DmaMapping shaped(Era era) {
        return mapping.withEra(era);
    }

    /** Copies the P2P data into RAM (if the device reads it), builds the RAM table and maps it in the same shape. */
    private Outcome viaRam(DmaMapping core, DmaDevice dev, SgTable p2p, DmaDirection dir, String why) {
        long total = 0;
        for (SgEntry e : p2p.cpuEntries()) {
            total += e.lengthBytes();
        }
        if (total > ram.sizeBytes() || total == 0) {
            return new Failed(Errno.ENOMEM.negative(), why + "; the RAM buffer cannot hold " + total + " bytes");
        }
        if (dir.deviceReads()) {
            copy(p2p, true);
        }
        int pages = (int) (PageSize.alignUp(total) >>> PageSize.PAGE_SHIFT);
        SgTable ramTable = new SgTable();
        Optional<Errno> alloc = ramTable.alloc(pages);
        if (alloc.isPresent()) {
            return new Failed(alloc.get().negative(), why + "; no scatterlist for the RAM copy");
        }
        long left = total;
        long pfn = PageSize.pfn(ram.physStart());
        for (SgEntry e : ramTable.cpuEntries()) {
            int len = (int) Math.min(PageSize.PAGE_SIZE, left);
            e.setPage(mapping.memory().memMap().pageOrThrow(pfn++), len, 0);
            left -= len;
        }
        int n;
        if (core.sgDma().dmaMapSgReturnsErrno()) {
            n = core.mapSg(dev, ramTable.first().orElseThrow(), ramTable.origNents(), dir, DmaAttrs.NONE);
            if (n > 0) {
                ramTable.setNents(n);
            }
        } else {
            DmaMapResult r = core.mapSgtable(dev, ramTable, dir, DmaAttrs.NONE);
            n = r.isOk() ? r.nents() : r.kernelReturn();
        }
        if (n <= 0) {
            ramTable.free();
            return new Failed(n, why + "; mapping the RAM copy failed too");
        }
        return new MappedViaRam(p2p, ramTable, n, core, why);
    }

    /** Copies between the P2P entries and the packed RAM buffer: P2P to RAM when {@code toRam}, else back. */
    private void copy(SgTable p2p, boolean toRam) {
        long at = ram.physStart();
        for (SgEntry e : p2p.cpuEntries()) {
            if (toRam) {
                mapping.memory().copy(e.phys(), at, e.lengthBytes());
            } else {
                mapping.memory().copy(at, e.phys(), e.lengthBytes());
            }
            at += e.lengthBytes();
        }
    }
}
