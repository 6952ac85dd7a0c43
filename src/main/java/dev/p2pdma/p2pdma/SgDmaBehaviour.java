package dev.p2pdma.p2pdma;

import dev.p2pdma.sg.BusAddressMark;
import java.util.Objects;

/**
 * Models how the scatterlist DMA API (dma_map_sg(), dma_map_sgtable(), the backends' map_sg and
 * unmap_sg, dma_pci_p2pdma_supported()) treats P2PDMA pages and reports failures in one kernel
 * era (spec 2.1, 3.2, 3.3, 9.2, 9.4). An {@link Era} carries one of these when its dma_map_sg()
 * understands P2PDMA pages. Immutable; thread-safe.
 *
 * @param mark                      where a BUS_ADDR entry is marked as holding a PCI bus address
 * @param unmapClearsMark           whether unmap (and a failed map) clears that mark (SG) or leaves it (RFC)
 * @param busAddress                how the bus address of a BUS_ADDR entry is computed
 * @param dmaMapSgReturnsErrno      whether dma_map_sg() itself may return a negative errno (RFC:
 *                                  -EREMOTEIO) instead of 0 for every error (SG)
 * @param sgtableKeepsErrno         whether dma_map_sgtable() returns the backend's errno (SG) or
 *                                  -EINVAL for every failure (the v5.12 wrapper)
 * @param coreNormalisesReturn      whether __dma_map_sg_attrs() turns a backend value outside
 *                                  {EINVAL, ENOMEM, EIO, EREMOTEIO} (0 included) into -EIO with a WARN (5.16+)
 * @param backendsReturnErrno       whether map_sg implementations report a failed page mapping as
 *                                  -EIO (5.16+) or as 0 (before)
 * @param poisonsUnreachableEntry   whether dma-direct writes DMA_MAPPING_ERROR into the P2PDMA entry
 *                                  it cannot reach before unwinding (the RFC's patch 06)
 * @param opsFlagGrantsP2p          whether dma_pci_p2pdma_supported() accepts dma_map_ops carrying
 *                                  DMA_F_PCI_P2PDMA_SUPPORTED (RFC, and mainline up to 6.9) or only
 *                                  "no dma_map_ops" (6.10+)
 */
public record SgDmaBehaviour(BusAddressMark mark, boolean unmapClearsMark, BusAddressFormula busAddress, boolean dmaMapSgReturnsErrno,
        boolean sgtableKeepsErrno, boolean coreNormalisesReturn, boolean backendsReturnErrno, boolean poisonsUnreachableEntry,
        boolean opsFlagGrantsP2p) {

    /** The RFC v2 series on v5.12-rc2 (spec 9.2): page_link mark, dma_map_sg() returns -EREMOTEIO. */
    public static final SgDmaBehaviour RFC_V2 = new SgDmaBehaviour(BusAddressMark.PAGE_LINK, false, BusAddressFormula.RFC_V2, true, false,
            false, false, true, true);

    /** What landed, as in Linux 6.12 (spec 3.2, 3.3, 9.4): dma_flags mark, errors only through dma_map_sgtable(). */
    public static final SgDmaBehaviour MERGED_6_12 = new SgDmaBehaviour(BusAddressMark.DMA_FLAGS, true,
            BusAddressFormula.PHYS_PLUS_BUS_OFFSET, false, true, true, true, false, false);

    /** Fails fast on a missing part. */
    public SgDmaBehaviour {
        Objects.requireNonNull(mark, "mark");
        Objects.requireNonNull(busAddress, "busAddress");
    }
}
