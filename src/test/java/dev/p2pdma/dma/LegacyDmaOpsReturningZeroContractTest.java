package dev.p2pdma.dma;

import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma_map_ops without P2PDMA support that return 0 on failure (the pre-5.16 convention, spec 3.2). */
class LegacyDmaOpsReturningZeroContractTest extends DmaOpsContract {

    @Override
    protected Backend backend(PhysicalMemory memory) {
        return new Backend(LegacyDmaOps.returningOnFailure(0), new DmaBackendCapabilities(DmaBackendCapabilities.P2pPages.REFUSED, true, 0, false, false),
                false, Translation.NONE);
    }
}
