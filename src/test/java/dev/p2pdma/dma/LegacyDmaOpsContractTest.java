package dev.p2pdma.dma;

import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma_map_ops without P2PDMA support. */
class LegacyDmaOpsContractTest extends DmaOpsContract {

    @Override
    protected DmaOps backend(PhysicalMemory memory) {
        return LegacyDmaOps.create();
    }

    @Override
    protected boolean handlesP2p() {
        return false;
    }
}
