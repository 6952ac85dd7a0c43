package dev.p2pdma.sg;

import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import java.util.Optional;

/**
 * Models {@code struct scatterlist} (spec 2.1): a page, an offset and a length on the CPU side;
 * after mapping a DMA address, a DMA length and the {@code dma_flags}. The low bits of the
 * kernel's {@code page_link} (CHAIN, END and the RFC's P2PDMA bit) are kept in {@link #linkFlags}.
 *
 * <p>An entry is a view of one slot of an {@link SgChunk} (one allocation, stored field by field);
 * views of the same slot are {@link #equals equal} and see the same data. A chain entry holds no
 * data and points to the next chunk. Invariants: a chain entry has no page and length 0; END and
 * CHAIN are never both set. Not thread-safe: a scatterlist belongs to one caller at a time, as in
 * the kernel.
 *
 * <p>Lengths are the kernel's {@code unsigned int}: {@link #length()} and {@link #dmaLength()} return
 * the 32 bits as a Java {@code int}, to be read as unsigned (a segment of 0xFFFFF000 bytes, which
 * {@code sg_alloc_table_from_pages()} makes, reads back as -4096). {@link #lengthBytes()} and
 * {@link #dmaLengthBytes()} give the same values widened without sign; every computation in this
 * package uses them.
 */
public final class SgEntry {

    /** page_link bit: this entry links to the next chunk. */
    public static final int SG_CHAIN = 0x1;
    /** page_link bit: this entry is the last one. */
    public static final int SG_END = 0x2;
    /** page_link bit of the RFC v2 series: "dma_address is a PCI bus address" (RFC era only). */
    public static final int SG_PCI_P2PDMA = 0x4;
    /** dma_flags bit: dma_address is a PCI bus address; unmap must not touch it. */
    public static final int SG_DMA_BUS_ADDRESS = 1;
    /** dma_flags bit (first entry): the list was mapped with per-entry swiotlb bouncing. */
    public static final int SG_DMA_SWIOTLB = 1 << 1;
    /** The DMA_MAPPING_ERROR sentinel. */
    public static final long DMA_MAPPING_ERROR = -1L;

    /** The chunk holding this entry's fields. */
    private final SgChunk chunk;
    /** This entry's slot in {@link #chunk}. */
    private final int slot;

    /** A view of {@code slot} in {@code chunk}. */
    SgEntry(SgChunk chunk, int slot) {
        this.chunk = chunk;
        this.slot = slot;
    }

    /** The chunk (allocation) this entry lives in. */
    public SgChunk chunk() {
        return chunk;
    }

    /** This entry's slot in its chunk. */
    public int slot() {
        return slot;
    }

    /** Models sg_next(): the following entry, through a chain link; empty after the END entry. */
    public Optional<SgEntry> next() {
        return Optional.ofNullable(chunk.nextOf(slot));
    }

    /** sg_next() without the Optional, for this package's hot loops: null after the END entry ({@link SgWalk} outside). */
    SgEntry nextOrNull() {
        return chunk.nextOf(slot);
    }

    /** Models sg_set_page(): keeps the CHAIN and END bits and drops the RFC P2PDMA bit; {@code length} is unsigned. */
    public void setPage(Page page, int length, int offset) {
        chunk.setPage(slot, page, length, offset);
    }

    /** Models sg_mark_end(): END set, CHAIN cleared. */
    public void markEnd() {
        chunk.setLinkFlags(slot, (chunk.linkFlags(slot) | SG_END) & ~SG_CHAIN);
    }

    /** Models sg_unmark_end(). */
    public void unmarkEnd() {
        chunk.setLinkFlags(slot, chunk.linkFlags(slot) & ~SG_END);
    }

    /** sg_is_last(). */
    public boolean isLast() {
        return (chunk.linkFlags(slot) & SG_END) != 0;
    }

    /** sg_is_chain(). */
    public boolean isChain() {
        return (chunk.linkFlags(slot) & SG_CHAIN) != 0;
    }

    /** The chunk a chain entry links to. */
    public Optional<SgChunk> chainTarget() {
        return Optional.ofNullable(chunk.chainTargetOf(slot));
    }

    /** sg_page(): the page, empty for an unset entry. */
    public Optional<Page> page() {
        return Optional.ofNullable(chunk.page(slot));
    }

    /** sg_page() without the Optional, for this package's hot loops: null for an unset entry. */
    Page pageOrNull() {
        return chunk.page(slot);
    }

    /**
     * sg_page() of an entry that must have one, as the DMA backends read it.
     *
     * @throws IllegalStateException for an entry without a page (the kernel would oops on NULL)
     */
    public Page pageOrThrow() {
        Page p = chunk.page(slot);
        if (p == null) {
            throw new IllegalStateException("scatterlist entry without a page: " + this);
        }
        return p;
    }

    /** The byte offset into the page. */
    public int offset() {
        return chunk.offset(slot);
    }

    /** The CPU byte length's 32 bits (the kernel's unsigned int): read with {@link #lengthBytes()} when it may reach 2^31. */
    public int length() {
        return chunk.length(slot);
    }

    /** The CPU byte length, 0 .. 0xFFFFFFFF. */
    public long lengthBytes() {
        return Integer.toUnsignedLong(chunk.length(slot));
    }

    /** Sets the length alone (the append builder grows its last entry in place); {@code lengthBits} is unsigned. */
    void setLength(int lengthBits) {
        chunk.setLength(slot, lengthBits);
    }

    /** Models sg_phys(): the page's physical address plus the offset. */
    public long phys() {
        Page page = chunk.page(slot);
        if (page == null) {
            throw new IllegalStateException("entry has no page");
        }
        return page.physAddress() + chunk.offset(slot);
    }

    /**
     * Models sg_page_count(): the pages the CPU side spans, ceil((offset + length) / PAGE_SIZE), with
     * the length read as unsigned. (The kernel adds in 32 bits; the sum cannot wrap for entries the
     * builders make, whose offset plus length stays within max_segment.)
     */
    public int pageCount() {
        return spanPages(lengthBytes());
    }

    /** Models sg_dma_page_count(): ceil((offset + dma_length) / PAGE_SIZE), dma_length unsigned. */
    public int dmaPageCount() {
        return spanPages(dmaLengthBytes());
    }

    private int spanPages(long bytes) {
        return (int) ((Integer.toUnsignedLong(chunk.offset(slot)) + bytes + PageSize.PAGE_SIZE - 1) >>> PageSize.PAGE_SHIFT);
    }

    /** sg_dma_address(). */
    public long dmaAddress() {
        return chunk.dmaAddress(slot);
    }

    /** Sets sg_dma_address() (mapping). */
    public void setDmaAddress(long dmaAddress) {
        chunk.setDmaAddress(slot, dmaAddress);
    }

    /** sg_dma_len(): the 32 bits of the kernel's unsigned int; see {@link #dmaLengthBytes()}. */
    public int dmaLength() {
        return chunk.dmaLength(slot);
    }

    /** sg_dma_len() widened without sign, 0 .. 0xFFFFFFFF. */
    public long dmaLengthBytes() {
        return Integer.toUnsignedLong(chunk.dmaLength(slot));
    }

    /** Sets sg_dma_len() (mapping); {@code dmaLength} is unsigned (its 32 bits). */
    public void setDmaLength(int dmaLength) {
        chunk.setDmaLength(slot, dmaLength);
    }

    /** The dma_flags word. */
    public int dmaFlags() {
        return chunk.dmaFlags(slot);
    }

    /** Models sg_dma_is_bus_address(). */
    public boolean isDmaBusAddress() {
        return (chunk.dmaFlags(slot) & SG_DMA_BUS_ADDRESS) != 0;
    }

    /** Models sg_dma_mark_bus_address(). */
    public void markDmaBusAddress() {
        chunk.setDmaFlags(slot, chunk.dmaFlags(slot) | SG_DMA_BUS_ADDRESS);
    }

    /** Models sg_dma_unmark_bus_address(). */
    public void unmarkDmaBusAddress() {
        chunk.setDmaFlags(slot, chunk.dmaFlags(slot) & ~SG_DMA_BUS_ADDRESS);
    }

    /** Models sg_dma_is_swiotlb(). */
    public boolean isDmaSwiotlb() {
        return (chunk.dmaFlags(slot) & SG_DMA_SWIOTLB) != 0;
    }

    /** Models sg_dma_mark_swiotlb(). */
    public void markDmaSwiotlb() {
        chunk.setDmaFlags(slot, chunk.dmaFlags(slot) | SG_DMA_SWIOTLB);
    }

    /** Clears the swiotlb mark (unmap). */
    public void unmarkDmaSwiotlb() {
        chunk.setDmaFlags(slot, chunk.dmaFlags(slot) & ~SG_DMA_SWIOTLB);
    }

    /** The page_link low bits: CHAIN, END, and the RFC's P2PDMA bit. */
    public int linkFlags() {
        return chunk.linkFlags(slot);
    }

    /** Models the RFC's sg_is_pci_p2pdma(): the page_link P2PDMA bit. */
    public boolean isPageLinkP2pdma() {
        return (chunk.linkFlags(slot) & SG_PCI_P2PDMA) != 0;
    }

    /** Models the RFC's sg_mark_pci_p2pdma(). */
    public void markPageLinkP2pdma() {
        chunk.setLinkFlags(slot, chunk.linkFlags(slot) | SG_PCI_P2PDMA);
    }

    /** Models the RFC's sg_unmark_pci_p2pdma(). */
    public void unmarkPageLinkP2pdma() {
        chunk.setLinkFlags(slot, chunk.linkFlags(slot) & ~SG_PCI_P2PDMA);
    }

    /** Two views are equal when they show the same slot of the same chunk. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SgEntry e && e.chunk == chunk && e.slot == slot;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(chunk) * 31 + slot;
    }

    @Override
    public String toString() {
        if (isChain()) {
            return "sg[chain]";
        }
        Page page = chunk.page(slot);
        return "sg[" + (page == null ? "-" : "pfn 0x" + Long.toHexString(page.pfn())) + " off " + offset() + " len " + lengthBytes()
                + (dmaLength() != 0 || dmaAddress() != 0 ? String.format(" dma 0x%x/%d", dmaAddress(), dmaLengthBytes()) : "")
                + (isDmaBusAddress() || isPageLinkP2pdma() ? " BUS" : "") + (isLast() ? " END" : "") + "]";
    }
}
