package dev.p2pdma.nvme;

import dev.p2pdma.mm.PhysicalMemory;
import java.util.Optional;

/**
 * Where the nvme-pci DMA pools get their backing pages: models dma_alloc_coherent(dev, 4096) for
 * one device. Implementations must be thread-safe.
 */
public interface CoherentPageSource {

    /** Models dma_alloc_coherent() of one 4 KiB page: empty when memory is exhausted. */
    Optional<CoherentPage> allocPage();

    /** The memory the pages live in, for reading and writing descriptors by physical address. */
    PhysicalMemory memory();
}
