package dev.p2pdma.dma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma_map_ops without P2PDMA support that return -EIO on failure (since 5.16). */
class LegacyDmaOpsContractTest extends DmaOpsContract {

    @Override
    protected Backend backend(PhysicalMemory memory) {
        return new Backend(LegacyDmaOps.create(),
                new DmaBackendCapabilities(DmaBackendCapabilities.P2pPages.REFUSED, true, Errno.EIO.negative(), false, false), false, Translation.NONE);
    }
}
