package dev.p2pdma.machine;

import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.dma.DmaPageMapping;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.mm.RamPageSource;
import dev.p2pdma.nvme.CoherentPage;
import dev.p2pdma.nvme.CoherentPageSource;
import java.util.List;
import java.util.Optional;

/**
 * Models dma_alloc_coherent() of one page for a device, as nvme-pci's dma pools ask for them: a RAM
 * page from the machine's allocator whose DMA address is its physical address, or, for a device in
 * an IOMMU DMA domain, an IOVA mapped to it for reading and writing. Coherent memory is never
 * bounced, even under {@code swiotlb=force}. Thread-safe as far as its parts are.
 */
final class DeviceCoherentPages implements CoherentPageSource {

    /** Where the pages come from. */
    private final RamPageSource ram;
    /** The memory. */
    private final PhysicalMemory memory;
    /** The DMA core, for an IOMMU mapping. */
    private final DmaMapping mapping;
    /** The device. */
    private final DmaDevice device;
    /** Whether the device's DMA is translated by an IOMMU domain. */
    private final boolean translated;

    DeviceCoherentPages(RamPageSource ram, PhysicalMemory memory, DmaMapping mapping, DmaDevice device, boolean translated) {
        this.ram = ram;
        this.memory = memory;
        this.mapping = mapping;
        this.device = device;
        this.translated = translated;
    }

    @Override
    public Optional<CoherentPage> allocPage() {
        Optional<List<Page>> got = ram.allocate(1);
        if (got.isEmpty()) {
            return Optional.empty();
        }
        Page page = got.get().get(0);
        long phys = page.physAddress();
        if (!translated) {
            return Optional.of(new CoherentPage(phys, phys));
        }
        DmaPageMapping m = mapping.mapPage(device, page, 0, CoherentPage.BYTES, DmaDirection.BIDIRECTIONAL, DmaAttrs.NONE);
        if (m.isError()) {
            ram.free(page);
            return Optional.empty();
        }
        return Optional.of(new CoherentPage(phys, m.dmaAddress()));
    }

    @Override
    public PhysicalMemory memory() {
        return memory;
    }
}
