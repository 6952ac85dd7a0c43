package dev.p2pdma.dma;

/** The {@link DmaOps} contract for dma_map_ops without P2PDMA support. */
class LegacyDmaOpsContractTest extends DmaOpsContract {

    @Override
    DmaOps backend() {
        return LegacyDmaOps.create();
    }

    @Override
    boolean handlesP2p() {
        return false;
    }
}
