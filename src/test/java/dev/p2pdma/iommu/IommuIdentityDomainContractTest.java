package dev.p2pdma.iommu;

import dev.p2pdma.dma.DmaOps;
import dev.p2pdma.dma.DmaOpsContract;
import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for a device of an identity (passthrough) domain: dma-direct, nothing translated (spec 5.1). */
class IommuIdentityDomainContractTest extends DmaOpsContract {

    @Override
    protected Backend backend(PhysicalMemory memory) {
        return IommuContractBackends.onDomain(IommuDomain.identity(1), DMA_DIRECT);
    }
}
