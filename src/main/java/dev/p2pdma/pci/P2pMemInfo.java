package dev.p2pdma.pci;

/**
 * The {@code p2pmem/} attributes of a function that registered peer-to-peer memory (spec 1.6).
 *
 * @param sizeBytes      pool size in bytes
 * @param availableBytes free bytes in the pool
 * @param published      whether the memory is published for other drivers to find
 */
public record P2pMemInfo(long sizeBytes, long availableBytes, boolean published) {
}
