package dev.p2pdma.dma;

/** The {@link DmaOps} contract for dma-direct. */
class DirectDmaOpsContractTest extends DmaOpsContract {

    @Override
    DmaOps backend() {
        return DirectDmaOps.INSTANCE;
    }

    @Override
    boolean handlesP2p() {
        return true;
    }
}
