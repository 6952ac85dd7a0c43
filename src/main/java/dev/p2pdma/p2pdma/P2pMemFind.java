package dev.p2pdma.p2pdma;

import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Models pci_p2pmem_publish(), pci_has_p2pmem() and pci_p2pmem_find_many() (spec 1.13): providers
 * publish their memory, and a driver with a set of clients finds the published provider nearest
 * to all of them, ties broken at random.
 *
 * <p>Thread-safe without the records' lock: records are read atomically and the published flag is
 * volatile; the random source is used under its own monitor.
 */
public final class P2pMemFind {

    /** Capacity of find_many's candidate list: one page of pointers (512). */
    public static final int MAX_CANDIDATES = PageSize.PAGE_SIZE / Long.BYTES;

    /** The records and what they share. */
    private final P2pDmaRecords records;
    /** find_many's tie breaker (get_random_u32_below()); used under its monitor. */
    private final RandomGenerator random;
    /** Function indexes in the order the kernel enumerated them (for_each_pci_dev()). */
    private final int[] enumerationOrder;

    P2pMemFind(P2pDmaRecords records, RandomGenerator random) {
        this.records = records;
        this.random = random;
        this.enumerationOrder = records.topology().scanOrder();
    }

    /** Models pci_p2pmem_publish(): sets the published flag of a record; no-op without one. */
    public void publish(PciAddress device, boolean publish) {
        records.record(device).ifPresent(p -> p.setPublished(publish));
    }

    /**
     * Models pci_has_p2pmem(): the function has a record and it is published; from
     * {@link KernelChange#P2PMEM_FIND_POOL_BACKED_ONLY} the record must also have a pool.
     */
    public boolean hasP2pmem(PciAddress device) {
        return hasP2pmem(records.index(device));
    }

    private boolean hasP2pmem(int i) {
        boolean poolRequired = records.decision().options().kernel().has(KernelChange.P2PMEM_FIND_POOL_BACKED_ONLY);
        return records.record(i).filter(p -> p.published() && (p.poolBacked() || !poolRequired)).isPresent();
    }

    /**
     * Models pci_p2pmem_find_many(): over every function in enumeration order, the published
     * providers whose distance to all clients (pci_p2pdma_distance_many(), not verbose, caching
     * each computed map type in the provider's record as the kernel does, and printing what a quiet
     * call prints on the kernel version: the whitelist warning before 7.4) is not -1; the smallest
     * distance wins, up to {@link #MAX_CANDIDATES} ties are kept and one is chosen at random.
     *
     * @param clients the clients; an address outside the topology stands for a device with no PCI
     *                parent and makes every distance -1 from that client on
     * @return the provider; empty (NULL) when there is none
     */
    public Optional<PciAddress> findMany(List<PciAddress> clients) {
        PciTopology topology = records.topology();
        int[] cl = new int[clients.size()];
        for (int k = 0; k < cl.length; k++) {
            cl[k] = topology.indexOf(clients.get(k));
        }
        P2pDmaDecision decision = records.decision();
        MapTypeCache mapTypes = records.mapTypes();
        int best = Integer.MAX_VALUE;
        int[] candidates = new int[MAX_CANDIDATES];
        int count = 0;
        for (int i : enumerationOrder) {
            if (!hasP2pmem(i)) {
                continue;
            }
            int d = decision.distanceMany(i, cl, false, records.log(), mapTypes::store);
            if (d < 0 || d > best || (d == best && count >= MAX_CANDIDATES)) {
                continue;
            }
            if (d < best) {
                count = 0;
                best = d;
            }
            candidates[count++] = i;
        }
        if (count == 0) {
            return Optional.empty();
        }
        int pick;
        synchronized (random) {
            pick = random.nextInt(count);
        }
        return Optional.of(topology.function(candidates[pick]).address());
    }

    /** Models pci_p2pmem_find(): {@link #findMany} with one client. */
    public Optional<PciAddress> find(PciAddress client) {
        return findMany(List.of(client));
    }
}
