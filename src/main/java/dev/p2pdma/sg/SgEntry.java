package dev.p2pdma.sg;

import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import java.util.Optional;

/**
 * Models {@code struct scatterlist} (spec 2.1): a page, an offset and a length on the CPU side;
 * after mapping a DMA address, a DMA length and the {@code dma_flags}. The low bits of the
 * kernel's {@code page_link} (CHAIN, END and the RFC's P2PDMA bit) are kept in {@link #linkFlags}.
 *
 * <p>An entry lives in a chunk (an array of entries, one allocation); a chain entry holds no data
 * and points to the next chunk. Invariants: a chain entry has no page and length 0; END and CHAIN
 * are never both set. Not thread-safe: a scatterlist belongs to one caller at a time, as in the
 * kernel.
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

    /** The entry after this one in its chunk, null for the chunk's last entry (the chunk array is not kept: 8 bytes less per entry). */
    private SgEntry nextInChunk;
    /** The page, or null (empty entry or chain link). */
    private Page page;
    /** The chunk this entry links to when it is a chain entry. */
    private SgEntry[] chainTo;
    /** CHAIN / END / RFC P2PDMA bits (3 bits used; a byte keeps the entry at 48 bytes). */
    private byte linkFlags;
    /** Byte offset into the page. */
    private int offset;
    /** Byte length on the CPU side: the kernel's unsigned int, stored as its 32 bits. */
    private int length;
    /** Filled by mapping. */
    private long dmaAddress;
    /** Filled by mapping: the kernel's unsigned int, stored as its 32 bits. */
    private int dmaLength;
    /** SG_DMA_BUS_ADDRESS / SG_DMA_SWIOTLB (2 bits of the kernel's 32 used; a byte keeps the entry at 48 bytes). */
    private byte dmaFlags;

    private SgEntry() {
    }

    /** Models sg_init_table(): a zeroed chunk of {@code n} entries, the last marked END. */
    public static SgEntry[] initTable(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("a scatterlist chunk needs at least one entry: " + n);
        }
        SgEntry[] c = new SgEntry[n];
        SgEntry prev = c[0] = new SgEntry();
        for (int i = 1; i < n; i++) {
            SgEntry e = new SgEntry();
            prev.nextInChunk = e;
            c[i] = e;
            prev = e;
        }
        prev.linkFlags = SG_END;
        return c;
    }

    /** Models sg_next(): the following entry, through a chain link; empty after the END entry. */
    public Optional<SgEntry> next() {
        SgEntry n = nextOrNull();
        return Optional.ofNullable(n);
    }

    /** sg_next() without the Optional, for hot loops: null after the END entry. */
    public SgEntry nextOrNull() {
        if ((linkFlags & SG_END) != 0) {
            return null;
        }
        SgEntry n = nextInChunk;
        if (n == null) {
            throw new IllegalStateException("scatterlist runs off its chunk without END or CHAIN");
        }
        return (n.linkFlags & SG_CHAIN) != 0 ? n.chainTo[0] : n;
    }

    /** Models sg_chain(prv, prv_nents, next): the last entry of {@code prv} becomes a link to {@code next}. */
    public static void chain(SgEntry[] prv, int prvNents, SgEntry[] next) {
        prv[prvNents - 1].becomeLinkTo(next);
    }

    /** Models __sg_chain(): this entry becomes a link to {@code next} (no page, offset and length 0, END cleared). */
    void becomeLinkTo(SgEntry[] next) {
        page = null;
        offset = 0;
        length = 0;
        chainTo = next;
        linkFlags = (byte) ((linkFlags & ~SG_END & ~SG_PCI_P2PDMA) | SG_CHAIN);
    }

    /** Models sg_set_page(): keeps the CHAIN and END bits and drops the RFC P2PDMA bit; {@code length} is unsigned. */
    public void setPage(Page page, int length, int offset) {
        if ((linkFlags & SG_CHAIN) != 0) {
            throw new IllegalStateException("cannot put a page in a chain entry");
        }
        this.page = page;
        this.length = length;
        this.offset = offset;
        // sg_assign_page() keeps only the CHAIN and END bits of page_link: a new page drops the RFC P2PDMA mark
        linkFlags = (byte) (linkFlags & (SG_CHAIN | SG_END));
    }

    /** Models sg_mark_end(): END set, CHAIN cleared. */
    public void markEnd() {
        linkFlags = (byte) ((linkFlags | SG_END) & ~SG_CHAIN);
    }

    /** Models sg_unmark_end(). */
    public void unmarkEnd() {
        linkFlags &= ~SG_END;
    }

    /** sg_is_last(). */
    public boolean isLast() {
        return (linkFlags & SG_END) != 0;
    }

    /** sg_is_chain(). */
    public boolean isChain() {
        return (linkFlags & SG_CHAIN) != 0;
    }

    /** The chunk a chain entry links to. */
    public Optional<SgEntry[]> chainTarget() {
        return Optional.ofNullable(chainTo);
    }

    /** sg_page(): the page, empty for an unset entry. */
    public Optional<Page> page() {
        return Optional.ofNullable(page);
    }

    /** sg_page() without the Optional, for hot loops. */
    public Page pageOrNull() {
        return page;
    }

    /** The byte offset into the page. */
    public int offset() {
        return offset;
    }

    /** The CPU byte length's 32 bits (the kernel's unsigned int): read with {@link #lengthBytes()} when it may reach 2^31. */
    public int length() {
        return length;
    }

    /** The CPU byte length, 0 .. 0xFFFFFFFF. */
    public long lengthBytes() {
        return Integer.toUnsignedLong(length);
    }

    /** Sets the length alone (the append builder grows its last entry in place); {@code lengthBits} is unsigned. */
    void setLength(int lengthBits) {
        this.length = lengthBits;
    }

    /** Models sg_phys(): the page's physical address plus the offset. */
    public long phys() {
        if (page == null) {
            throw new IllegalStateException("entry has no page");
        }
        return page.physAddress() + offset;
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
        return (int) ((Integer.toUnsignedLong(offset) + bytes + PageSize.PAGE_SIZE - 1) >>> PageSize.PAGE_SHIFT);
    }

    /** sg_dma_address(). */
    public long dmaAddress() {
        return dmaAddress;
    }

    /** Sets sg_dma_address() (mapping). */
    public void setDmaAddress(long dmaAddress) {
        this.dmaAddress = dmaAddress;
    }

    /** sg_dma_len(): the 32 bits of the kernel's unsigned int; see {@link #dmaLengthBytes()}. */
    public int dmaLength() {
        return dmaLength;
    }

    /** sg_dma_len() widened without sign, 0 .. 0xFFFFFFFF. */
    public long dmaLengthBytes() {
        return Integer.toUnsignedLong(dmaLength);
    }

    /** Sets sg_dma_len() (mapping); {@code dmaLength} is unsigned (its 32 bits). */
    public void setDmaLength(int dmaLength) {
        this.dmaLength = dmaLength;
    }

    /** The dma_flags word. */
    public int dmaFlags() {
        return dmaFlags;
    }

    /** Models sg_dma_is_bus_address(). */
    public boolean isDmaBusAddress() {
        return (dmaFlags & SG_DMA_BUS_ADDRESS) != 0;
    }

    /** Models sg_dma_mark_bus_address(). */
    public void markDmaBusAddress() {
        dmaFlags |= SG_DMA_BUS_ADDRESS;
    }

    /** Models sg_dma_unmark_bus_address(). */
    public void unmarkDmaBusAddress() {
        dmaFlags &= ~SG_DMA_BUS_ADDRESS;
    }

    /** Models sg_dma_is_swiotlb(). */
    public boolean isDmaSwiotlb() {
        return (dmaFlags & SG_DMA_SWIOTLB) != 0;
    }

    /** Models sg_dma_mark_swiotlb(). */
    public void markDmaSwiotlb() {
        dmaFlags |= SG_DMA_SWIOTLB;
    }

    /** Clears the swiotlb mark (unmap). */
    public void unmarkDmaSwiotlb() {
        dmaFlags &= ~SG_DMA_SWIOTLB;
    }

    /** The page_link low bits: CHAIN, END, and the RFC's P2PDMA bit. */
    public int linkFlags() {
        return linkFlags;
    }

    /** Models the RFC's sg_is_pci_p2pdma(): the page_link P2PDMA bit. */
    public boolean isPageLinkP2pdma() {
        return (linkFlags & SG_PCI_P2PDMA) != 0;
    }

    /** Models the RFC's sg_mark_pci_p2pdma(). */
    public void markPageLinkP2pdma() {
        linkFlags |= SG_PCI_P2PDMA;
    }

    /** Models the RFC's sg_unmark_pci_p2pdma(). */
    public void unmarkPageLinkP2pdma() {
        linkFlags &= ~SG_PCI_P2PDMA;
    }

    @Override
    public String toString() {
        if (isChain()) {
            return "sg[chain]";
        }
        return "sg[" + (page == null ? "-" : "pfn 0x" + Long.toHexString(page.pfn())) + " off " + offset + " len " + lengthBytes()
                + (dmaLength != 0 || dmaAddress != 0 ? String.format(" dma 0x%x/%d", dmaAddress, dmaLengthBytes()) : "")
                + (isDmaBusAddress() || isPageLinkP2pdma() ? " BUS" : "") + (isLast() ? " END" : "") + "]";
    }
}
