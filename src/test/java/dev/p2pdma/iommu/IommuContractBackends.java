package dev.p2pdma.iommu;

import dev.p2pdma.base.Errno;
import dev.p2pdma.dma.DmaBackendCapabilities;
import dev.p2pdma.dma.DmaOpsContract;

/** The IOMMU backends of the {@link DmaOpsContract} suite: a device's ops as iommu_setup_dma_ops() picks them for a domain. Stateless. */
final class IommuContractBackends {

    /** dma-iommu's capabilities: bus address or IOVA for P2P pages, swiotlb=force ignored, -ENOMEM, translated, merging. */
    static final DmaBackendCapabilities DMA_IOMMU =
            new DmaBackendCapabilities(DmaBackendCapabilities.P2pPages.BUS_ADDRESS_OR_IOVA, false, Errno.ENOMEM.negative(), true, true);

    private IommuContractBackends() {
    }

    /** The backend a PCI device of {@code domain}'s group gets, expected to have {@code kernelCapabilities}. */
    static DmaOpsContract.Backend onDomain(IommuDomain domain, DmaBackendCapabilities kernelCapabilities) {
        return new DmaOpsContract.Backend(IommuDmaOps.forDevice(domain, true), kernelCapabilities, false, new DmaOpsContract.Translation() {
            @Override
            public long iovaAllocatedPfns() {
                return domain.iovaDomain().map(IovaDomain::allocatedPfns).orElse(0L);
            }

            @Override
            public long pageTableMappedBytes() {
                return domain.pageTable().mappedBytes();
            }

            @Override
            public void settle() {
                domain.flush();
            }

            @Override
            public boolean defersFrees() {
                return domain.flushQueue().isPresent();
            }
        });
    }
}
