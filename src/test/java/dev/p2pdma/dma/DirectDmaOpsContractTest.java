package dev.p2pdma.dma;

import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma-direct (spec 3.3, 3.4). */
class DirectDmaOpsContractTest extends DmaOpsContract {

    @Override
    protected Backend backend(PhysicalMemory memory) {
        return new Backend(DirectDmaOps.INSTANCE, DMA_DIRECT, false, Translation.NONE);
    }
}
