package dev.p2pdma.dma;

import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma-direct with every device forced to bounce (swiotlb=force, spec 3.4). */
class DirectDmaOpsForcedSwiotlbContractTest extends DmaOpsContract {

    @Override
    protected Backend backend(PhysicalMemory memory) {
        return new Backend(DirectDmaOps.INSTANCE, DMA_DIRECT, true, Translation.NONE);
    }
}
