package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The provider side of {@code drivers/pci/p2pdma.c} for one machine (spec 1.1-1.6, 1.13, era SG),
 * as one entry point over its stories: {@link #registration()} (pci_p2pdma_add_resource()),
 * {@link #allocator()} (pci_alloc_p2pmem() and friends), {@link #sysfs()} (the {@code p2pmem/}
 * group and the {@code allocate} mmap), {@link #finder()} (publish and pci_p2pmem_find_many())
 * and {@link #removal()} (release when the device goes away). They share one set of records
 * ({@code pdev->p2pdma}), the machine's {@link PhysicalMemory}, the kernel log and the map-types
 * caches. Kernel virtual addresses are direct-map addresses ({@link DirectMap}).
 *
 * <p>Immutable facade; thread-safety is that of each story (allocation, address translation,
 * publish and find run without locks; registration, the {@code allocate} mmap and removal are
 * serialized on one lock).
 */
public final class P2pDmaProviders {

    /** The records the stories share. */
    private final P2pDmaRecords records;
    /** pci_p2pdma_add_resource(). */
    private final P2pDmaRegistration registration;
    /** pci_alloc_p2pmem(), pci_free_p2pmem() and the scatterlist helpers. */
    private final P2pMemAllocator allocator;
    /** The {@code p2pmem/} sysfs group. */
    private final P2pMemSysfs sysfs;
    /** Publish, pci_has_p2pmem() and pci_p2pmem_find_many(). */
    private final P2pMemFind finder;
    /** Release of a provider. */
    private final P2pDmaRemoval removal;

    private P2pDmaProviders(P2pDmaDecision decision, PhysicalMemory memory, KernelLog log, RandomGenerator random) {
        this.records = new P2pDmaRecords(decision, memory, log);
        this.registration = new P2pDmaRegistration(records);
        this.allocator = new P2pMemAllocator(records);
        this.sysfs = new P2pMemSysfs(records);
        this.finder = new P2pMemFind(records, random);
        this.removal = new P2pDmaRemoval(records);
    }

    /**
     * No function has a record yet (the state before any driver calls pci_p2pdma_add_resource()).
     *
     * @param decision the map-type decision of the machine, with its options
     * @param memory   the machine's physical memory, for example {@code PhysicalMemory.forTopology(...)}
     * @param log      where the kernel's lines go
     * @param random   the tie breaker of find_many; pass a seeded generator for repeatable runs
     */
    public static P2pDmaProviders create(P2pDmaDecision decision, PhysicalMemory memory, KernelLog log, RandomGenerator random) {
        return new P2pDmaProviders(decision, memory, log, random);
    }

    /** As {@link #create(P2pDmaDecision, PhysicalMemory, KernelLog, RandomGenerator)} with Linux 6.12 decision rules. */
    public static P2pDmaProviders create(PciTopology topology, PhysicalMemory memory, KernelLog log, RandomGenerator random) {
        return new P2pDmaProviders(P2pDmaDecision.of(topology), memory, log, random);
    }

    /** Models pci_p2pdma_add_resource(). */
    public P2pDmaRegistration registration() {
        return registration;
    }

    /**
     * Models pcim_p2pdma_init() (6.19+, spec 12.1 M3/M4): gives the function a P2PDMA record
     * without a pool, so pci_p2pdma_map_type() answers for it instead of "no record"; idempotent.
     * A later pci_p2pdma_add_resource() adds the pool to the same record.
     *
     * @return empty on success; EBUSY while a previous record is being removed
     * @throws IllegalArgumentException when the device is not in the topology
     * @throws IllegalStateException    on a kernel version before {@link KernelChange#PROVIDERS_WITHOUT_POOL}, which has no such call
     */
    public Optional<Errno> initWithoutPool(PciAddress device) {
        KernelVersion k = records.decision().options().kernel();
        if (!k.has(KernelChange.PROVIDERS_WITHOUT_POOL)) {
            throw new IllegalStateException("pcim_p2pdma_init() does not exist in Linux " + k + " (added in "
                    + KernelChange.PROVIDERS_WITHOUT_POOL.sinceText() + ")");
        }
        int i = records.index(device);
        synchronized (records.lock()) {
            Optional<P2pDmaProvider> existing = records.record(i);
            if (existing.isPresent()) {
                return existing.get().dying() ? Optional.of(Errno.EBUSY) : Optional.empty();
            }
            records.attach(i);
            return Optional.empty();
        }
    }

    /** Models pci_alloc_p2pmem(), pci_free_p2pmem(), pci_p2pmem_virt_to_bus() and the sgl helpers. */
    public P2pMemAllocator allocator() {
        return allocator;
    }

    /** Models the {@code p2pmem/} sysfs group and the {@code allocate} mmap. */
    public P2pMemSysfs sysfs() {
        return sysfs;
    }

    /** Models pci_p2pmem_publish(), pci_has_p2pmem() and pci_p2pmem_find_many(). */
    public P2pMemFind finder() {
        return finder;
    }

    /** Models the release of a provider when its device goes away. */
    public P2pDmaRemoval removal() {
        return removal;
    }

    public PciTopology topology() {
        return records.topology();
    }

    public PhysicalMemory memory() {
        return records.memory();
    }

    public KernelLog log() {
        return records.log();
    }

    /** The map-types caches; a provider has one exactly while it has a record. */
    public MapTypeCache mapTypes() {
        return records.mapTypes();
    }

    /**
     * The record of a function ({@code pdev->p2pdma}), if it has one.
     *
     * @throws IllegalArgumentException when the device is not in the topology
     */
    public Optional<P2pDmaProvider> provider(PciAddress device) {
        return records.record(device);
    }

    /** Models pci_p2pdma_map_type() for a provider and a client function (spec 1.11), through the registry's cache. */
    public MapType mapType(PciAddress provider, PciAddress client, KernelLog into) {
        return records.mapTypes().mapType(records.index(provider), records.index(client), into);
    }
}
