package dev.p2pdma.sim;

import java.util.List;
import java.util.Optional;

/**
 * What {@code p2pdma map} saw: every scatterlist entry before and after mapping, the return value
 * of the API call the era uses, and what the kernel printed. Immutable.
 *
 * @param era          sg or rfc
 * @param call         the API called: "dma_map_sgtable" (sg) or "dma_map_sg" (rfc)
 * @param returnValue  its return value (0 or -errno for dma_map_sgtable, count or -errno/0 for dma_map_sg)
 * @param error        the errno name when it failed
 * @param nents        mapped entries (sg_table.nents) on success
 * @param segments     one line per CPU entry
 * @param p2pSupported dma_pci_p2pdma_supported(client)
 * @param kernelLog    the kernel's lines (registration, map-type decisions, warnings)
 * @param swiotlbUsedSlotsAfterMap swiotlb slots in use after the map call
 * @param swiotlbUsedSlotsAfterUnmap swiotlb slots in use after the unmap
 * @param notes        assumptions behind the topology
 * @param iommu        what the IOMMU held, for backend iommu
 */
public record MapOutcome(String era, String call, int returnValue, Optional<String> error, int nents, List<Segment> segments,
                         boolean p2pSupported, List<String> kernelLog, long swiotlbUsedSlotsAfterMap, long swiotlbUsedSlotsAfterUnmap,
                         List<String> notes, Optional<IommuUse> iommu) {

    public MapOutcome {
        segments = List.copyOf(segments);
        kernelLog = List.copyOf(kernelLog);
        notes = List.copyOf(notes);
    }

    /**
     * One scatterlist entry.
     *
     * @param index       position in the list
     * @param kind        "ram" or "p2pmem <provider>"
     * @param physAddress sg_phys()
     * @param lengthBytes CPU length
     * @param mapped      whether the entry is within the mapped nents
     * @param dmaAddress  sg_dma_address() after mapping
     * @param dmaLength   sg_dma_len() after mapping
     * @param flags       "BUS_ADDRESS", "SWIOTLB", "IOVA" (translated by the IOMMU) or empty
     */
    public record Segment(int index, String kind, long physAddress, long lengthBytes, boolean mapped, long dmaAddress, long dmaLength,
                          List<String> flags) {
        public Segment {
            flags = List.copyOf(flags);
        }
    }

    /**
     * The client's IOMMU domain around the map call.
     *
     * @param group                    the IOMMU group the kernel would give the client (spec 5.6)
     * @param domain                   "dma" or "identity"
     * @param mode                     "strict" or "lazy"
     * @param iovaPagesAfterMap        IOVA pages held after the map call
     * @param iovaPagesAfterUnmap      IOVA pages held after the unmap (lazy: the queued ones included)
     * @param queuedPagesAfterUnmap    IOVA pages waiting in the flush queue after the unmap
     * @param pageTableBytesAfterMap   bytes mapped in the IO page table after the map call
     * @param pageTableBytesAfterUnmap bytes mapped after the unmap
     */
    public record IommuUse(int group, String domain, String mode, long iovaPagesAfterMap, long iovaPagesAfterUnmap, long queuedPagesAfterUnmap,
                           long pageTableBytesAfterMap, long pageTableBytesAfterUnmap) {
    }
}
