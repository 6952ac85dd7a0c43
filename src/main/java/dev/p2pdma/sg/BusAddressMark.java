package dev.p2pdma.sg;

/**
 * Where a scatterlist records "this segment's DMA address is a PCI bus address": the two designs
 * of the thread behind one interface (spec 2.1). The merged design uses a bit in
 * {@code dma_flags}; the RFC v2 series used a low bit of {@code page_link}.
 */
public enum BusAddressMark {
    /** Merged (SG era): SG_DMA_BUS_ADDRESS in dma_flags. */
    DMA_FLAGS {
        @Override
        public boolean isMarked(SgEntry e) {
            return e.isDmaBusAddress();
        }

        @Override
        public void mark(SgEntry e) {
            e.markDmaBusAddress();
        }

        @Override
        public void unmark(SgEntry e) {
            e.unmarkDmaBusAddress();
        }
    },
    /** RFC v2: SG_PCI_P2PDMA (0x4) in page_link. */
    PAGE_LINK {
        @Override
        public boolean isMarked(SgEntry e) {
            return e.isPageLinkP2pdma();
        }

        @Override
        public void mark(SgEntry e) {
            e.markPageLinkP2pdma();
        }

        @Override
        public void unmark(SgEntry e) {
            e.unmarkPageLinkP2pdma();
        }
    };

    /** True when the entry's DMA address is marked as a bus address. */
    public abstract boolean isMarked(SgEntry e);

    /** Marks the entry. */
    public abstract void mark(SgEntry e);

    /** Clears the mark. */
    public abstract void unmark(SgEntry e);
}
