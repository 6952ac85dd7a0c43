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

    /** The chunk this entry is in. */
    private final SgEntry[] chunk;
    /** Its index in the chunk. */
    private final int index;
    /** The page, or null (empty entry or chain link). */
    private Page page;
    /** The chunk this entry links to when it is a chain entry. */
    private SgEntry[] chainTo;
    /** CHAIN / END / RFC P2PDMA bits. */
    private int linkFlags;
    /** Byte offset into the page. */
    private int offset;
    /** Byte length on the CPU side. */
    private int length;
    /** Filled by mapping. */
    private long dmaAddress;
    /** Filled by mapping. */
    private int dmaLength;
    /** SG_DMA_BUS_ADDRESS / SG_DMA_SWIOTLB. */
    private int dmaFlags;

    private SgEntry(SgEntry[] chunk, int index) {
        this.chunk = chunk;
        this.index = index;
    }

    /** Models sg_init_table(): a zeroed chunk of {@code n} entries, the last marked END. */
    public static SgEntry[] initTable(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("a scatterlist chunk needs at least one entry: " + n);
        }
        SgEntry[] c = new SgEntry[n];
        for (int i = 0; i < n; i++) {
            c[i] = new SgEntry(c, i);
        }
        c[n - 1].linkFlags = SG_END;
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
        if (index + 1 >= chunk.length) {
            throw new IllegalStateException("scatterlist runs off its chunk without END or CHAIN");
        }
        SgEntry n = chunk[index + 1];
        return (n.linkFlags & SG_CHAIN) != 0 ? n.chainTo[0] : n;
    }

    /** Models sg_chain(prv, prv_nents, next): the last entry of {@code prv} becomes a link to {@code next}. */
    public static void chain(SgEntry[] prv, int prvNents, SgEntry[] next) {
        SgEntry link = prv[prvNents - 1];
        link.page = null;
        link.offset = 0;
        link.length = 0;
        link.chainTo = next;
        link.linkFlags = (link.linkFlags & ~SG_END & ~SG_PCI_P2PDMA) | SG_CHAIN;
    }

    /** Models sg_set_page(): keeps the CHAIN and END bits. */
    public void setPage(Page page, int length, int offset) {
        if ((linkFlags & SG_CHAIN) != 0) {
            throw new IllegalStateException("cannot put a page in a chain entry");
        }
        this.page = page;
        this.length = length;
        this.offset = offset;
    }

    /** Models sg_mark_end(): END set, CHAIN cleared. */
    public void markEnd() {
        linkFlags = (linkFlags | SG_END) & ~SG_CHAIN;
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

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    /** Models sg_phys(): the page's physical address plus the offset. */
    public long phys() {
        if (page == null) {
            throw new IllegalStateException("entry has no page");
        }
        return page.physAddress() + offset;
    }

    /** The number of pages the CPU side spans: ceil((offset + length) / PAGE_SIZE). */
    public int pageCount() {
        return (int) ((offset + (long) length + PageSize.PAGE_SIZE - 1) >>> PageSize.PAGE_SHIFT);
    }

    /** sg_dma_address(). */
    public long dmaAddress() {
        return dmaAddress;
    }

    public void setDmaAddress(long dmaAddress) {
        this.dmaAddress = dmaAddress;
    }

    /** sg_dma_len(). */
    public int dmaLength() {
        return dmaLength;
    }

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
        return "sg[" + (page == null ? "-" : "pfn 0x" + Long.toHexString(page.pfn())) + " off " + offset + " len " + length
                + (dmaLength != 0 || dmaAddress != 0 ? String.format(" dma 0x%x/%d", dmaAddress, dmaLength) : "")
                + (isDmaBusAddress() || isPageLinkP2pdma() ? " BUS" : "") + (isLast() ? " END" : "") + "]";
    }
}
