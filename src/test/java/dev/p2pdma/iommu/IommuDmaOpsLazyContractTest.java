package dev.p2pdma.iommu;

import dev.p2pdma.dma.DmaOps;
import dev.p2pdma.dma.DmaOpsContract;
import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma-iommu on a lazy DMA domain: IOVAs come back when the flush queue is flushed (spec 5.2, 5.3). */
class IommuDmaOpsLazyContractTest extends DmaOpsContract {

    @Override
    protected Backend backend(PhysicalMemory memory) {
        return IommuContractBackends.onDomain(IommuDomain.dma(1, IommuDomainFlushMode.LAZY, IommuDomain.reservedRegionsOf(memory), () -> 0),
                IommuContractBackends.DMA_IOMMU);
    }
}
