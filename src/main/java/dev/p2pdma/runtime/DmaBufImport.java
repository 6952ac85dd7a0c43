package dev.p2pdma.runtime;

import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.p2pdma.MapType;
import java.util.Optional;

/**
 * Models two dma-buf exporters of device memory as their importer (the client) sees them.
 *
 * <ul>
 *   <li>Level Zero on Xe, Linux 6.12 ({@code drivers/gpu/drm/xe/xe_dma_buf.c},
 *       {@code xe_ttm_vram_mgr.c}): attach keeps {@code peer2peer} only when
 *       {@code pci_p2pdma_distance(xe, importer)} is not negative; otherwise the buffer migrates to
 *       system memory. VRAM is handed out by {@code dma_map_resource()}: an IOVA in a DMA domain,
 *       else the CPU physical address, never the switch's bus address.</li>
 *   <li>VFIO-exported dma-bufs, Linux 6.19+ ({@code dma_buf_phys_vec_to_sgt()},
 *       torvalds/linux drivers/dma-buf/dma-buf-mapping.c, commit 0b9828c7): BUS_ADDR gives bus
 *       addresses ({@code pci_p2pdma_bus_addr_map}); THRU_HOST_BRIDGE one IOVA range
 *       ({@code dma_iova_try_alloc} and {@code dma_iova_link} with {@code DMA_ATTR_MMIO}) in a DMA
 *       domain, else {@code dma_map_phys(..., DMA_ATTR_MMIO)}; anything else -EINVAL. Attach does no
 *       distance check (spec 12, M5).</li>
 * </ul>
 *
 * The map type is the one Linux 6.12 computes; later allowlists may differ (spec 12). Stateless.
 */
public final class DmaBufImport {

    private DmaBufImport() {
    }

    /** Xe's dma-buf export of VRAM to {@code client} (Linux 6.12). */
    public static RuntimeDecision xe(DeviceKind providerKind, MapType mapType, IommuMode iommu) {
        String suffix = providerKind == DeviceKind.INTEL_GPU ? "" : " [provider is not an Intel GPU: xe's rule at its position]";
        if (!mapType.supported()) {
            return RuntimeDecision.agreeing(Runtime.XE_DMABUF, Outcome.STAGED, "migrates to system memory",
                    "pci_p2pdma_distance() < 0 (" + mapType + "): attach clears peer2peer and the buffer moves to system memory" + suffix);
        }
        String how = iommu.translates() ? "an IOVA (dma_map_resource in a " + iommu.groupType() + " domain)" : "the CPU physical address (dma_map_resource)";
        Optional<String> differs = mapType == MapType.BUS_ADDR && iommu.translates()
                ? Optional.of("the kernel's BUS_ADDR route stays below the switch; an IOVA sends the traffic up to the IOMMU")
                : Optional.empty();
        return new RuntimeDecision(Runtime.XE_DMABUF, Outcome.PEER, "P2P", "peer2peer kept (" + mapType + "): VRAM mapped at " + how + suffix, differs);
    }

    /** A VFIO dma-buf of the provider's BAR mapped for {@code client} (Linux 6.19+). */
    public static RuntimeDecision vfio(MapType mapType, IommuMode iommu) {
        return switch (mapType) {
            case BUS_ADDR -> RuntimeDecision.agreeing(Runtime.VFIO_DMABUF, Outcome.PEER, "bus addresses",
                    "BUS_ADDR: pci_p2pdma_bus_addr_map(), no IOVA");
            case THRU_HOST_BRIDGE -> RuntimeDecision.agreeing(Runtime.VFIO_DMABUF, Outcome.PEER, iommu.translates() ? "IOVA" : "physical addresses",
                    iommu.translates() ? "THRU_HOST_BRIDGE: one IOVA range, dma_iova_link(DMA_ATTR_MMIO) in the " + iommu.groupType() + " domain"
                            : "THRU_HOST_BRIDGE without a DMA domain: dma_map_phys(DMA_ATTR_MMIO)");
            default -> RuntimeDecision.agreeing(Runtime.VFIO_DMABUF, Outcome.REFUSED, "-EINVAL",
                    mapType + ": dma_buf_phys_vec_to_sgt() refuses the mapping (attach succeeded: it checks no distance)");
        };
    }
}
