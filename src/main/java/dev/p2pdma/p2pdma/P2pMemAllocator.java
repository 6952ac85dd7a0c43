package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.Optional;

/**
 * Models pci_alloc_p2pmem(), pci_free_p2pmem(), pci_p2pmem_virt_to_bus() and the one-entry
 * scatterlists of pci_p2pmem_alloc_sgl() and pci_p2pmem_free_sgl() (spec 1.3-1.4, era SG): a
 * driver takes p2pmem from a provider's pool, holding one page-map reference per allocation, and
 * gives it back.
 *
 * <p>Thread-safe without locks: records are read atomically, pools are lock-free and page-map
 * references atomic.
 */
public final class P2pMemAllocator {

    /** The records and what they share. */
    private final P2pDmaRecords records;

    P2pMemAllocator(P2pDmaRecords records) {
        this.records = records;
    }

    /**
     * Models pci_alloc_p2pmem(): {@code sizeBytes} (unsigned) of the provider's pool, holding one
     * reference on the page map of the chunk it came from.
     *
     * @return the block; empty (NULL) without a record, when the pool cannot serve the size (or it
     *         is 0), and when the page map is being torn down (the block is given back first)
     */
    public Optional<P2pMemBlock> allocP2pmem(PciAddress device, long sizeBytes) {
        Optional<P2pDmaProvider> record = records.record(device);
        if (record.isEmpty()) {
            return Optional.empty();
        }
        P2pDmaProvider p = record.get();
        Optional<GenPool.Block<DevicePageMap>> got = p.pool().alloc(sizeBytes);
        if (got.isEmpty()) {
            return Optional.empty();
        }
        GenPool.Block<DevicePageMap> b = got.get();
        if (!b.owner().tryGet()) {
            p.pool().free(b.virt(), sizeBytes);
            return Optional.empty();
        }
        return Optional.of(new P2pMemBlock(device, b.virt(), sizeBytes));
    }

    /**
     * Models pci_free_p2pmem(): returns {@code sizeBytes} at {@code virt} to the pool and drops the
     * page-map reference the allocation held.
     *
     * @throws IllegalStateException where the kernel crashes: no record (NULL dereference), or a
     *         range that is not allocated (BUG in gen_pool_free)
     */
    public void freeP2pmem(PciAddress device, long virt, long sizeBytes) {
        P2pDmaProvider p = records.record(device).orElseThrow(
                () -> new IllegalStateException("kernel oops: pci_free_p2pmem on " + device + ", which has no P2PDMA record"));
        p.pool().free(virt, sizeBytes).put();
    }

    /** {@link #freeP2pmem(PciAddress, long, long)} of a block from {@link #allocP2pmem}. */
    public void freeP2pmem(P2pMemBlock block) {
        freeP2pmem(block.provider(), block.virt(), block.sizeBytes());
    }

    /**
     * Models pci_p2pmem_virt_to_bus(): 0 for a zero ("NULL") address and for a function without a
     * record; else the pool's translation, which gives the PCI bus address because chunks record
     * bus addresses as their "phys" (all-ones for an address outside the pool).
     */
    public long virtToBus(PciAddress device, long virt) {
        if (virt == 0) {
            return 0;
        }
        return records.record(device).map(p -> p.pool().virtToPhys(virt)).orElse(0L);
    }

    /** Models virt_to_page() for a direct-map address: the struct page behind it, if the memory map has one. */
    public Optional<Page> page(long virt) {
        if (!DirectMap.isDirectMapped(virt)) {
            return Optional.empty();
        }
        return records.memory().memMap().pageOfPhys(DirectMap.phys(virt));
    }

    /**
     * Models pci_p2pmem_alloc_sgl(): allocates {@code lengthBytes} of p2pmem and describes it with
     * a one-entry list (page of the address, offset in that page, length).
     *
     * @return the list; empty (NULL) when the allocation fails
     * @throws IllegalArgumentException when {@code lengthBytes} is not a u32
     */
    public Optional<SgTable> allocSgl(PciAddress device, long lengthBytes) {
        if (lengthBytes < 0 || lengthBytes > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("length must fit in 32 unsigned bits: " + lengthBytes);
        }
        Optional<P2pMemBlock> got = allocP2pmem(device, lengthBytes);
        if (got.isEmpty()) {
            return Optional.empty();
        }
        long virt = got.get().virt();
        Page page = records.memory().memMap().pageOrThrow(PageSize.pfn(DirectMap.phys(virt)));
        SgTable table = new SgTable();
        if (table.alloc(1).isPresent()) {
            freeP2pmem(got.get());
            return Optional.empty();
        }
        table.first().orElseThrow().setPage(page, (int) lengthBytes, (int) (virt & PageSize.PAGE_MASK));
        return Optional.of(table);
    }

    /** Models pci_p2pmem_free_sgl(): frees the p2pmem of every entry (sg_virt(), length). */
    public void freeSgl(PciAddress device, SgTable sgl) {
        for (SgEntry e : sgl.cpuEntries()) {
            freeP2pmem(device, DirectMap.virt(e.phys()), e.lengthBytes());
        }
        sgl.free();
    }
}
