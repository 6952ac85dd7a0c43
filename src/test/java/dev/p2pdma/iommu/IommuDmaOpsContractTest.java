package dev.p2pdma.iommu;

import dev.p2pdma.dma.DmaOps;
import dev.p2pdma.dma.DmaOpsContract;
import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma-iommu on a strict DMA domain (spec 5.3). */
class IommuDmaOpsContractTest extends DmaOpsContract {

    @Override
    protected Backend backend(PhysicalMemory memory) {
        return IommuContractBackends.onDomain(IommuDomain.dma(1, IommuDomainFlushMode.STRICT, IommuDomain.reservedRegionsOf(memory), () -> 0),
                IommuContractBackends.DMA_IOMMU);
    }
}
