package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.pci.PciAddress;

/**
 * Peer-to-peer memory handed out by pci_alloc_p2pmem() (spec 1.4): the kernel virtual address and
 * the size asked for, which pci_free_p2pmem() takes back. While it is outstanding it holds one
 * reference on the page map of its chunk.
 *
 * @param provider  the function whose memory it is
 * @param virt      kernel virtual address (direct map, see {@link DirectMap})
 * @param sizeBytes the size asked for (the pool reserves it rounded up to whole pages)
 */
public record P2pMemBlock(PciAddress provider, long virt, long sizeBytes) {
}
