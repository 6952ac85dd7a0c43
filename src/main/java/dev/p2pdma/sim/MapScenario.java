package dev.p2pdma.sim;

import dev.p2pdma.pci.PciAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A {@code p2pdma map} scenario (README "Mapping scenarios"): a machine, p2pmem providers to
 * register, a client device with its DMA parameters and backend, and a scatterlist of RAM and
 * p2pmem pieces to map. Immutable value; validated by {@link MapScenarioReader}.
 *
 * @param topology   where the PCI tree comes from
 * @param ramBytes   size of system RAM at physical address 0
 * @param era        which DMA API shape to model
 * @param client     the device that maps the list
 * @param providers  p2pmem to register before mapping
 * @param pieces     the scatterlist, in order
 * @param direction  the DMA direction
 */
public record MapScenario(TopologySource topology, long ramBytes, String era, Client client, List<Provider> providers,
                          List<Piece> pieces, String direction) {

    public MapScenario {
        providers = List.copyOf(providers);
        pieces = List.copyOf(pieces);
    }

    /**
     * The input the PCI tree is read from, with the analyser's what-ifs.
     *
     * @param kind         sysfs, hwloc, lspci or topology
     * @param path         resolved against the scenario file's folder
     * @param kernelParams --kernel-param values
     * @param cpu          --cpu value
     */
    public record TopologySource(String kind, Path path, List<String> kernelParams, Optional<String> cpu) {
        public TopologySource {
            kernelParams = List.copyOf(kernelParams);
        }
    }

    /**
     * The client device and its DMA parameters (struct device / device_dma_parameters).
     *
     * @param device              its PCI address
     * @param backend             direct, no-p2p (legacy ops without P2P support), or iommu (dma-iommu on the device's IOMMU group)
     * @param dmaMask             dma_mask
     * @param coherentDmaMask     coherent_dma_mask
     * @param busDmaLimit         bus_dma_limit (0 = none)
     * @param maxSegmentSize      max_segment_size
     * @param segmentBoundaryMask segment boundary mask
     * @param minAlignMask        min_align_mask (swiotlb)
     * @param coherent            whether the device is cache coherent
     * @param swiotlb             auto (bounce when needed), force, or off
     * @param dmaRanges           the DMA range map, empty for identity
     * @param iommu               the IOMMU options (used with backend iommu)
     */
    public record Client(PciAddress device, String backend, long dmaMask, long coherentDmaMask, long busDmaLimit, long maxSegmentSize,
                         long segmentBoundaryMask, long minAlignMask, boolean coherent, String swiotlb, List<DmaRange> dmaRanges, Iommu iommu) {
        public Client {
            dmaRanges = List.copyOf(dmaRanges);
        }
    }

    /**
     * The client's IOMMU setup for backend iommu (spec 5.1).
     *
     * @param mode   strict or lazy invalidation (iommu.strict)
     * @param domain dma (translated) or identity (passthrough: dma-direct)
     */
    public record Iommu(String mode, String domain) {
        /** The defaults: a strict DMA domain. */
        public static final Iommu DEFAULT = new Iommu("strict", "dma");
    }

    /**
     * One region of a DMA range map.
     *
     * @param cpuStart  CPU physical start
     * @param dmaStart  DMA address of {@code cpuStart}
     * @param sizeBytes length
     */
    public record DmaRange(long cpuStart, long dmaStart, long sizeBytes) {
    }

    /**
     * p2pmem to register: pci_p2pdma_add_resource(device, bar, size, offset), then publish.
     *
     * @param device      the provider
     * @param bar         the BAR
     * @param sizeBytes   0 for the rest of the BAR
     * @param offsetBytes offset into the BAR
     * @param publish     pci_p2pmem_publish()
     */
    public record Provider(PciAddress device, int bar, long sizeBytes, long offsetBytes, boolean publish) {
    }

    /** One scatterlist entry to build. */
    public sealed interface Piece {
        /** Bytes in the entry. */
        long lengthBytes();

        /** The source line, for messages. */
        int line();
    }

    /**
     * RAM at a physical address.
     *
     * @param physAddress first byte
     * @param lengthBytes length
     * @param line        where it was written
     */
    public record RamPiece(long physAddress, long lengthBytes, int line) implements Piece {
    }

    /**
     * p2pmem allocated from a provider's pool (pci_alloc_p2pmem), optionally starting {@code offsetBytes}
     * into its first page.
     *
     * @param provider    the provider
     * @param offsetBytes offset into the first page of the allocation
     * @param lengthBytes length
     * @param line        where it was written
     */
    public record P2pPiece(PciAddress provider, long offsetBytes, long lengthBytes, int line) implements Piece {
    }
}
