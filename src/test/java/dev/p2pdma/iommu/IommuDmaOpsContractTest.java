package dev.p2pdma.iommu;

import dev.p2pdma.dma.DmaOps;
import dev.p2pdma.dma.DmaOpsContract;
import dev.p2pdma.mm.PhysicalMemory;

/** The {@link DmaOps} contract for dma-iommu on a strict DMA domain (spec 5.3). */
class IommuDmaOpsContractTest extends DmaOpsContract {

    @Override
    protected DmaOps backend(PhysicalMemory memory) {
        return IommuDmaOps.forDevice(IommuDomain.dma(1, IommuDomainFlushMode.STRICT, IommuDomain.reservedRegionsOf(memory), () -> 0), true);
    }

    @Override
    protected boolean handlesP2p() {
        return true;
    }

    @Override
    protected boolean bouncesForcedDevices() {
        return false;
    }

    @Override
    protected boolean mergesSegments() {
        return true;
    }
}
