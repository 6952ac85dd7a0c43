package dev.p2pdma.runtime;

import dev.p2pdma.machine.DmaSetup;
import dev.p2pdma.p2pdma.MapType;

/**
 * Models GPUDirect Storage in P2PDMA mode (CUDA 12.8+, no nvidia-fs: NVIDIA's GDS installation
 * guide): cuFile does O_DIRECT between an NVMe namespace (the client) and GPU memory that the GPU's
 * driver registered as P2PDMA memory (the provider). The outcome is the Linux 6.12 O_DIRECT outcome
 * the data plane computes ({@code machine.ODirectProcess}, {@code p2pdma odirect}), derived here
 * from the map type the same way: BUS_ADDR and THRU_HOST_BRIDGE complete peer-to-peer;
 * NOT_SUPPORTED fails with -EREMOTEIO ({@code dma_map_sgtable()} in {@code nvme_map_data()}); and
 * THRU_HOST_BRIDGE without a DMA domain under {@code swiotlb=force} never completes (dma-direct may
 * not bounce a P2PDMA page, nvme-pci requeues forever: spec 6.11). When O_DIRECT fails, cuFile's
 * compat mode, if enabled, copies through host memory instead. Stateless.
 */
public final class GdsP2pdma {

    private GdsP2pdma() {
    }

    /**
     * The O_DIRECT outcome for the pair.
     *
     * @param clientKind     the client's kind (GDS reads NVMe)
     * @param providerP2pmem whether the provider registered P2PDMA memory (p2pmem) in the input
     * @param mapType        the kernel's map type
     * @param setup          the DMA setup of the client
     */
    public static RuntimeDecision decide(DeviceKind clientKind, boolean providerP2pmem, MapType mapType, DmaSetup setup) {
        String suffix = (clientKind == DeviceKind.NVME ? "" : " [client is not an NVMe controller: the outcome if it were]")
                + (providerP2pmem ? "" : " [assumed: the provider's driver registers P2PDMA memory]");
        if (!mapType.supported()) {
            return RuntimeDecision.agreeing(Runtime.GDS, Outcome.REFUSED, "-EREMOTEIO",
                    "O_DIRECT fails: nvme_map_data() cannot map P2PDMA pages the kernel says " + mapType
                            + " for; cuFile's compat mode, if enabled, stages through host memory" + suffix);
        }
        if (mapType == MapType.THRU_HOST_BRIDGE && setup.forceBounce() && !setup.iommu().translates()) {
            return new RuntimeDecision(Runtime.GDS, Outcome.REFUSED, "hangs",
                    "O_DIRECT never returns: swiotlb=force and dma-direct may not bounce a P2PDMA page, -EIO becomes BLK_STS_RESOURCE and "
                            + "blk-mq requeues forever" + suffix,
                    java.util.Optional.of("the kernel allows THRU_HOST_BRIDGE, but the 6.12 NVMe data path never completes the I/O"));
        }
        return RuntimeDecision.agreeing(Runtime.GDS, Outcome.PEER, "P2P",
                "O_DIRECT completes peer-to-peer: NVMe DMA goes to " + (mapType == MapType.BUS_ADDR ? "PCI bus addresses"
                        : setup.iommu().translates() ? "an IOVA of the BAR" : "the BAR's physical address") + suffix);
    }
}
