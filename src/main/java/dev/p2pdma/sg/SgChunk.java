package dev.p2pdma.sg;

import dev.p2pdma.mm.Page;
import java.util.Optional;

/**
 * One scatterlist allocation (spec 2.1, 2.3): the kernel's array of up to
 * {@link SgTable#SG_MAX_SINGLE_ALLOC} {@code struct scatterlist}, stored as one array per field
 * (struct of arrays) so a chunk of 128 entries is a handful of allocations rather than 128 objects.
 * {@link SgEntry} is a view of one slot; the builders and DMA backends may also address slots
 * directly by index.
 *
 * <p>Invariants: a slot is a chain link exactly when its CHAIN bit is set, and then it has no
 * page, offset and length 0; a chunk has at most one chain link (everything after a link is
 * unreachable, as in the kernel); END and CHAIN are never both set on a slot. The DMA-side arrays
 * are created on the first DMA write (a never-mapped slot reads DMA address, length and flags 0,
 * as a zeroed kernel entry does). Not thread-safe: a scatterlist belongs to one caller at a time.
 */
public final class SgChunk {

    /** The page per slot (the page part of page_link), null for an unset slot or a chain link. */
    private final Page[] pages;
    /** Per slot, the byte offset into the page (high 32 bits) and the CPU byte length (low 32 bits, the kernel's unsigned int). */
    private final long[] placements;
    /** CHAIN / END / RFC P2PDMA bits of page_link, per slot. */
    private final byte[] linkFlags;
    /** sg_dma_address per slot; null until the first DMA write. */
    private long[] dmaAddresses;
    /** sg_dma_len per slot (32 bits, unsigned); null until the first DMA write. */
    private int[] dmaLengths;
    /** dma_flags per slot; null until the first DMA write. */
    private byte[] dmaFlags;
    /** The chunk the chain link points to, null without a link. */
    private SgChunk chainTo;
    /** The slot holding the chain link, -1 without a link. */
    private int chainSlot = -1;
    /** One view per slot, made on first use (walks of a mapped list allocate nothing after the first); null until then. */
    private SgEntry[] views;

    private SgChunk(int capacity) {
        pages = new Page[capacity];
        placements = new long[capacity];
        linkFlags = new byte[capacity];
    }

    /** Models sg_init_table(): a zeroed chunk of {@code n} entries, the last marked END. */
    public static SgChunk init(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("a scatterlist chunk needs at least one entry: " + n);
        }
        SgChunk c = new SgChunk(n);
        c.linkFlags[n - 1] = SgEntry.SG_END;
        return c;
    }

    /** Models sg_chain(prv, prv_nents, next): slot {@code prvNents - 1} of {@code prv} becomes a link to {@code next}. */
    public static void chain(SgChunk prv, int prvNents, SgChunk next) {
        prv.becomeLinkTo(prvNents - 1, next);
    }

    /** The number of slots. */
    public int capacity() {
        return pages.length;
    }

    /** The view of slot {@code i} (the same object on every call). */
    public SgEntry entry(int i) {
        if (i < 0 || i >= pages.length) {
            throw new IndexOutOfBoundsException("slot " + i + " of a " + pages.length + "-entry chunk");
        }
        SgEntry[] v = views;
        if (v == null) {
            v = new SgEntry[pages.length];
            views = v;
        }
        SgEntry e = v[i];
        if (e == null) {
            e = new SgEntry(this, i);
            v[i] = e;
        }
        return e;
    }

    /** The chunk the chain link points to, empty without one. */
    public Optional<SgChunk> chainTarget() {
        return Optional.ofNullable(chainTo);
    }

    /** The chunk slot {@code i} links to, or null when it is not a chain link. */
    SgChunk chainTargetOf(int i) {
        return i == chainSlot ? chainTo : null;
    }

    /** Models __sg_chain(): slot {@code i} becomes a link to {@code next} (no page, offset and length 0, END and P2PDMA cleared). */
    void becomeLinkTo(int i, SgChunk next) {
        if (chainSlot >= 0 && chainSlot != i) {
            throw new IllegalStateException("chunk already links onward from slot " + chainSlot);
        }
        pages[i] = null;
        placements[i] = 0;
        chainTo = next;
        chainSlot = i;
        linkFlags[i] = (byte) ((linkFlags[i] & ~SgEntry.SG_END & ~SgEntry.SG_PCI_P2PDMA) | SgEntry.SG_CHAIN);
    }

    /** Models sg_next() at slot {@code i}: a view of the following slot, through a chain link; null after the END slot. */
    SgEntry nextOf(int i) {
        if ((linkFlags[i] & SgEntry.SG_END) != 0) {
            return null;
        }
        int n = i + 1;
        if (n == pages.length) {
            throw new IllegalStateException("scatterlist runs off its chunk without END or CHAIN");
        }
        if ((linkFlags[n] & SgEntry.SG_CHAIN) != 0) {
            return chainTo.entry(0);
        }
        return entry(n);
    }

    /** Models sg_set_page() on slot {@code i}: keeps CHAIN and END, drops the RFC P2PDMA bit; {@code length} is unsigned. */
    void setPage(int i, Page page, int length, int offset) {
        int flags = linkFlags[i];
        if ((flags & SgEntry.SG_CHAIN) != 0) {
            throw new IllegalStateException("cannot put a page in a chain entry");
        }
        pages[i] = page;
        placements[i] = ((long) offset << 32) | Integer.toUnsignedLong(length);
        if ((flags & SgEntry.SG_PCI_P2PDMA) != 0) {
            linkFlags[i] = (byte) (flags & (SgEntry.SG_CHAIN | SgEntry.SG_END));
        }
    }

    /** The page of slot {@code i}, or null. */
    Page page(int i) {
        return pages[i];
    }

    /** The offset of slot {@code i}. */
    int offset(int i) {
        return (int) (placements[i] >>> 32);
    }

    /** The length bits of slot {@code i}. */
    int length(int i) {
        return (int) placements[i];
    }

    /** Sets the length bits of slot {@code i}. */
    void setLength(int i, int lengthBits) {
        placements[i] = (placements[i] & 0xFFFFFFFF00000000L) | Integer.toUnsignedLong(lengthBits);
    }

    /** The page_link bits of slot {@code i}. */
    int linkFlags(int i) {
        return linkFlags[i];
    }

    /** Sets the page_link bits of slot {@code i}; clearing CHAIN on the link slot drops the link. */
    void setLinkFlags(int i, int flags) {
        linkFlags[i] = (byte) flags;
        if (i == chainSlot && (flags & SgEntry.SG_CHAIN) == 0) {
            chainSlot = -1;
            chainTo = null;
        }
    }

    /** sg_dma_address of slot {@code i}. */
    long dmaAddress(int i) {
        return dmaAddresses == null ? 0 : dmaAddresses[i];
    }

    /** Sets sg_dma_address of slot {@code i}. */
    void setDmaAddress(int i, long address) {
        ensureDmaSide();
        dmaAddresses[i] = address;
    }

    /** sg_dma_len bits of slot {@code i}. */
    int dmaLength(int i) {
        return dmaLengths == null ? 0 : dmaLengths[i];
    }

    /** Sets sg_dma_len bits of slot {@code i}. */
    void setDmaLength(int i, int lengthBits) {
        ensureDmaSide();
        dmaLengths[i] = lengthBits;
    }

    /** dma_flags of slot {@code i}. */
    int dmaFlags(int i) {
        return dmaFlags == null ? 0 : dmaFlags[i];
    }

    /** Sets dma_flags of slot {@code i}. */
    void setDmaFlags(int i, int flags) {
        ensureDmaSide();
        dmaFlags[i] = (byte) flags;
    }

    private void ensureDmaSide() {
        if (dmaAddresses == null) {
            int n = pages.length;
            dmaAddresses = new long[n];
            dmaLengths = new int[n];
            dmaFlags = new byte[n];
        }
    }
}
