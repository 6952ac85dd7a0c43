package dev.p2pdma.dma;

import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma-direct. */
class DirectDmaOpsContractTest extends DmaOpsContract {

    @Override
    protected DmaOps backend(PhysicalMemory memory) {
        return DirectDmaOps.INSTANCE;
    }

    @Override
    protected boolean handlesP2p() {
        return true;
    }
}
