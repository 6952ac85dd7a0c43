package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/**
 * The provider side of {@code drivers/pci/p2pdma.c} for one machine (spec 1.1–1.6, 1.13, era SG):
 * which PCI functions have a P2PDMA record ({@code pdev->p2pdma}), how memory is registered
 * (pci_p2pdma_add_resource()), handed out and returned (pci_alloc_p2pmem() and friends),
 * published, shown in sysfs, mapped through the {@code allocate} file, found for a set of clients
 * (pci_p2pmem_find_many()) and released when the device goes away.
 *
 * <p>It holds the topology, the machine's {@link PhysicalMemory} (BAR bytes and the memory map
 * that gets the ZONE_DEVICE pages), the kernel log, the map-types cache (one record per provider,
 * created with the provider record and dropped with it) and the random source of find_many.
 * Kernel virtual addresses are direct-map addresses ({@link DirectMap}).
 *
 * <p>Invariants: a function has a record iff the cache has a record for it; a record's pool
 * chunks correspond one to one to its page maps, which are in the memory map until removal ends;
 * memory is never unmapped while a page-map reference or a pool block is outstanding.
 * Thread-safety: allocation, freeing, address translation, publish and find run without locks
 * (records are read from an {@link AtomicReferenceArray}, pools are lock-free, references
 * atomic); registration, the {@code allocate} mmap and removal are serialized on one private lock,
 * as the kernel serializes probe and unbind per device. The random source is used under its own
 * monitor.
 */
public final class P2pDmaProviders {

    /** Capacity of find_many's candidate list: one page of pointers (512). */
    public static final int MAX_CANDIDATES = PageSize.PAGE_SIZE / Long.BYTES;
    /** memremap_pages() on x86-64 needs ranges aligned to a memory subsection (2 MiB). */
    public static final long SUBSECTION_BYTES = 2L << 20;
    /** How long {@link #awaitRemoval} sleeps between looks at the references. */
    private static final long POLL_NANOS = 200_000;

    /** The map-type decision (and through it the topology). */
    private final P2pDmaDecision decision;
    /** The PCI tree. */
    private final PciTopology topology;
    /** Physical memory: BAR bytes and the memory map. */
    private final PhysicalMemory memory;
    /** Where info and error lines go. */
    private final KernelLog log;
    /** find_many's tie breaker (get_random_u32_below()); used under its monitor. */
    private final RandomGenerator random;
    /** The per-provider map_types caches. */
    private final MapTypeCache mapTypes;
    /** Per function index: its record, or null. */
    private final AtomicReferenceArray<P2pDmaProvider> records;
    /** Function indexes in the order the kernel enumerated them (for_each_pci_dev()). */
    private final int[] enumerationOrder;
    /** Next page-map id. */
    private final AtomicInteger nextPagemapId = new AtomicInteger();
    /** Serializes registration, the allocate mmap and removal. */
    private final Object lock = new Object();

    private P2pDmaProviders(P2pDmaDecision decision, PhysicalMemory memory, KernelLog log, RandomGenerator random) {
        this.decision = decision;
        this.topology = decision.topology();
        this.memory = memory;
        this.log = log;
        this.random = random;
        this.mapTypes = MapTypeCache.withoutRecords(decision);
        this.records = new AtomicReferenceArray<>(topology.size());
        this.enumerationOrder = topology.scanOrder();
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

    public PciTopology topology() {
        return topology;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    public KernelLog log() {
        return log;
    }

    /** The map-types caches; a provider has one exactly while it has a record. */
    public MapTypeCache mapTypes() {
        return mapTypes;
    }

    /** The record of a function ({@code pdev->p2pdma}), if it has one. */
    public Optional<P2pDmaProvider> provider(PciAddress device) {
        return Optional.ofNullable(records.get(index(device)));
    }

    /**
     * Models pci_p2pdma_add_resource(): registers {@code sizeBytes} of BAR {@code bar} from
     * {@code offset} ({@code sizeBytes == 0}: the rest of the BAR) as peer-to-peer memory. Sizes
     * and offsets are unsigned.
     *
     * <ol>
     *   <li>the BAR must exist and be a memory BAR, else EINVAL;</li>
     *   <li>{@code offset >= BAR length} → EINVAL;</li>
     *   <li>{@code sizeBytes == 0} means {@code BAR length - offset};</li>
     *   <li>{@code size + offset > BAR length} → EINVAL (compared without the wrap-around the
     *       kernel's sum could have for sizes near 2^64);</li>
     *   <li>the record (pool, map-types cache, sysfs group) is made if absent, and stays even if a
     *       later step fails;</li>
     *   <li>a PCI_P2PDMA page map over {@code [BAR start + offset, + size)} with the BAR's bus
     *       offset is given struct pages by {@code MemMap.memremap()}, whose error is returned;
     *       memremap_pages() also needs the range aligned to 2 MiB subsections on x86-64, else it
     *       warns "Misaligned __add_pages start: … end: …" (pfns) and fails with EINVAL;</li>
     *   <li>one pool chunk: virtual start = direct-map address of the range, "phys" = PCI bus
     *       address of the BAR + offset, length = size, owner = the page map;</li>
     *   <li>info line "added peer-to-peer DMA memory START-END" (CPU range, {@code %#llx}).</li>
     * </ol>
     * The memory is not published. The model answers EBUSY while the record is being removed.
     *
     * @return empty on success, else the error
     * @throws IllegalArgumentException when the device is not in the topology
     */
    public Optional<Errno> addResource(PciAddress device, int bar, long sizeBytes, long offset) {
        int i = index(device);
        PciFunction f = topology.function(i);
        Optional<Bar> found = f.bars().stream().filter(b -> b.index() == bar).findFirst();
        if (found.isEmpty() || !found.get().memory()) {
            return Optional.of(Errno.EINVAL);
        }
        Bar b = found.get();
        long barLen = b.sizeBytes();
        if (Long.compareUnsigned(offset, barLen) >= 0) {
            return Optional.of(Errno.EINVAL);
        }
        long size = sizeBytes == 0 ? barLen - offset : sizeBytes;
        if (Long.compareUnsigned(size, barLen - offset) > 0) {
            return Optional.of(Errno.EINVAL);
        }
        synchronized (lock) {
            P2pDmaProvider p = records.get(i);
            if (p != null && p.dying()) {
                return Optional.of(Errno.EBUSY);
            }
            if (p == null) {
                p = new P2pDmaProvider(i, f);
                mapTypes.createRecord(i);
                records.set(i, p);
            }
            return addPagemap(p, b, offset, size);
        }
    }

    /** Steps 6 to 9 of pci_p2pdma_add_resource(), under the lock. */
    private Optional<Errno> addPagemap(P2pDmaProvider p, Bar b, long offset, long size) {
        long start = b.cpuAddress() + offset;
        if (((start | size) & PageSize.PAGE_MASK) != 0) {
            warnMisaligned(start, size);
            return Optional.of(Errno.EINVAL);
        }
        long barBus = busAddress(b);
        DevicePageMap map = new DevicePageMap(nextPagemapId.getAndIncrement(), DevicePageMap.Type.PCI_P2PDMA, p.address(), b.index(), start,
                size, barBus - b.cpuAddress());
        Optional<Errno> remapped = memory.memMap().memremap(map);
        if (remapped.isPresent()) {
            return remapped;
        }
        if (((start | size) & (SUBSECTION_BYTES - 1)) != 0) {
            map.kill();
            memory.memMap().memunmap(map);
            warnMisaligned(start, size);
            return Optional.of(Errno.EINVAL);
        }
        Optional<Errno> added = p.pool().addChunk(DirectMap.virt(start), barBus + offset, size, map);
        if (added.isPresent()) {
            map.kill();
            memory.memMap().memunmap(map);
            return added;
        }
        p.addPagemap(map);
        log.print(p.function().logPrefix() + ": added peer-to-peer DMA memory " + hashHex(start) + "-" + hashHex(start + size - 1));
        return Optional.empty();
    }

    /**
     * The WARN of check_pfn_span() in __add_pages() (pfns of the first and last byte). A range that
     * is not even page aligned gets the same answer in the model; the kernel would go on with a
     * truncated page count.
     */
    private void warnMisaligned(long start, long size) {
        log.print("Misaligned __add_pages start: " + hashHex(PageSize.pfn(start)) + " end: " + hashHex(PageSize.pfn(start + size - 1)));
    }

    /** Models pci_bus_address(): the BAR's start as the PCI bus sees it (its MMIO region's bus address, else the CPU address). */
    private long busAddress(Bar b) {
        return memory.regionOf(b.cpuAddress(), 1).filter(r -> r.kind() == PhysicalMemory.Kind.MMIO)
                .map(r -> r.busAddress() + (b.cpuAddress() - r.cpuStart())).orElse(b.cpuAddress());
    }

    /** Models pci_p2pmem_publish(): sets the published flag of a record; no-op without one. */
    public void publish(PciAddress device, boolean publish) {
        P2pDmaProvider p = records.get(index(device));
        if (p != null) {
            p.setPublished(publish);
        }
    }

    /** Models pci_has_p2pmem(): the function has a record and it is published. */
    public boolean hasP2pmem(PciAddress device) {
        return hasP2pmem(index(device));
    }

    private boolean hasP2pmem(int i) {
        P2pDmaProvider p = records.get(i);
        return p != null && p.published();
    }

    /**
     * Models pci_alloc_p2pmem(): {@code sizeBytes} (unsigned) of the provider's pool, holding one
     * reference on the page map of the chunk it came from.
     *
     * @return the block; empty (NULL) without a record, when the pool cannot serve the size (or it
     *         is 0), and when the page map is being torn down (the block is given back first)
     */
    public Optional<P2pMemBlock> allocP2pmem(PciAddress device, long sizeBytes) {
        P2pDmaProvider p = records.get(index(device));
        if (p == null) {
            return Optional.empty();
        }
        Optional<GenPool.Block<DevicePageMap>> got = p.pool().alloc(sizeBytes);
        if (got.isEmpty()) {
            return Optional.empty();
        }
        GenPool.Block<DevicePageMap> b = got.get();
        if (!b.owner().tryGet()) {
            p.pool().free(b.virt(), sizeBytes);
            return Optional.empty();
        }
        return Optional.of(new P2pMemBlock(device, b.virt(), sizeBytes));
    }

    /**
     * Models pci_free_p2pmem(): returns {@code sizeBytes} at {@code virt} to the pool and drops the
     * page-map reference the allocation held.
     *
     * @throws IllegalStateException where the kernel crashes: no record (NULL dereference), or a
     *         range that is not allocated (BUG in gen_pool_free)
     */
    public void freeP2pmem(PciAddress device, long virt, long sizeBytes) {
        P2pDmaProvider p = records.get(index(device));
        if (p == null) {
            throw new IllegalStateException("kernel oops: pci_free_p2pmem on " + device + ", which has no P2PDMA record");
        }
        p.pool().free(virt, sizeBytes).put();
    }

    /** {@link #freeP2pmem(PciAddress, long, long)} of a block from {@link #allocP2pmem}. */
    public void freeP2pmem(P2pMemBlock block) {
        freeP2pmem(block.provider(), block.virt(), block.sizeBytes());
    }

    /**
     * Models pci_p2pmem_virt_to_bus(): 0 for a zero ("NULL") address and for a function without a
     * record; else the pool's translation, which gives the PCI bus address because chunks record
     * bus addresses as their "phys" (all-ones for an address outside the pool).
     */
    public long virtToBus(PciAddress device, long virt) {
        if (virt == 0) {
            return 0;
        }
        P2pDmaProvider p = records.get(index(device));
        return p == null ? 0 : p.pool().virtToPhys(virt);
    }

    /** Models virt_to_page() for a direct-map address: the struct page behind it, if the memory map has one. */
    public Optional<Page> page(long virt) {
        if (!DirectMap.isDirectMapped(virt)) {
            return Optional.empty();
        }
        return memory.memMap().pageOfPhys(DirectMap.phys(virt));
    }

    /**
     * Models pci_p2pmem_alloc_sgl(): allocates {@code lengthBytes} of p2pmem and describes it with
     * a one-entry list (page of the address, offset in that page, length).
     *
     * @return the list; empty (NULL) when the allocation fails
     * @throws IllegalArgumentException when {@code lengthBytes} is not a u32
     */
    public Optional<SgTable> allocSgl(PciAddress device, long lengthBytes) {
        if (lengthBytes < 0 || lengthBytes > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("length must fit in 32 unsigned bits: " + lengthBytes);
        }
        Optional<P2pMemBlock> got = allocP2pmem(device, lengthBytes);
        if (got.isEmpty()) {
            return Optional.empty();
        }
        long virt = got.get().virt();
        Page page = memory.memMap().pageOrThrow(PageSize.pfn(DirectMap.phys(virt)));
        SgTable table = new SgTable();
        if (table.alloc(1).isPresent()) {
            freeP2pmem(got.get());
            return Optional.empty();
        }
        table.first().orElseThrow().setPage(page, (int) lengthBytes, (int) (virt & PageSize.PAGE_MASK));
        return Optional.of(table);
    }

    /** Models pci_p2pmem_free_sgl(): frees the p2pmem of every entry (sg_virt(), length). */
    public void freeSgl(PciAddress device, SgTable sgl) {
        for (SgEntry e : sgl.cpuEntries()) {
            freeP2pmem(device, DirectMap.virt(e.phys()), e.lengthBytes());
        }
        sgl.free();
    }

    /** Models size_show(): the pool size in decimal and a newline; "0\n" without a record. */
    public String sizeAttribute(PciAddress device) {
        P2pDmaProvider p = records.get(index(device));
        return (p == null ? 0 : p.sizeBytes()) + "\n";
    }

    /** Models available_show(): the free bytes in decimal and a newline; "0\n" without a record. */
    public String availableAttribute(PciAddress device) {
        P2pDmaProvider p = records.get(index(device));
        return (p == null ? 0 : p.availBytes()) + "\n";
    }

    /** Models published_show(): "1\n" when published, else "0\n". */
    public String publishedAttribute(PciAddress device) {
        P2pDmaProvider p = records.get(index(device));
        return (p != null && p.published() ? "1" : "0") + "\n";
    }

    /** The {@code p2pmem/} attributes as a capture records them; empty when the function has no group (no record). */
    public Optional<P2pMemInfo> p2pmemInfo(PciAddress device) {
        P2pDmaProvider p = records.get(index(device));
        return p == null ? Optional.empty() : Optional.of(new P2pMemInfo(p.sizeBytes(), p.availBytes(), p.published()));
    }

    /**
     * Opens {@code p2pmem/allocate} for a process named {@code comm}.
     *
     * @return the open file; empty when the function has no {@code p2pmem} group (no record, or
     *         its removal has started)
     */
    public Optional<P2pMemAllocateFile> allocateFile(PciAddress device, String comm) {
        P2pDmaProvider p = records.get(index(device));
        return p == null || p.dying() ? Optional.empty() : Optional.of(new P2pMemAllocateFile(this, p, comm));
    }

    /** p2pmem_alloc_mmap() for {@link P2pMemAllocateFile#mmap}; the order of checks is described there. */
    P2pMemAllocateFile.MmapResult mmapAllocate(P2pDmaProvider p, String comm, boolean shared, long pgoff, long lengthBytes) {
        synchronized (lock) {
            if (lengthBytes <= 0) {
                return new P2pMemAllocateFile.Failed(Errno.EINVAL);
            }
            if (records.get(p.index()) != p || p.dying()) {
                return new P2pMemAllocateFile.Failed(Errno.ENODEV);
            }
            if (!shared) {
                log.print(p.function().logPrefix() + ": " + comm + ": fail, attempted private mapping");
                return new P2pMemAllocateFile.Failed(Errno.EINVAL);
            }
            if (pgoff != 0) {
                log.print(p.function().logPrefix() + ": " + comm + ": fail, attempted mapping with non-zero offset");
                return new P2pMemAllocateFile.Failed(Errno.EINVAL);
            }
            long len = PageSize.alignUp(lengthBytes);
            long pages = len >>> PageSize.PAGE_SHIFT;
            Optional<GenPool.Block<DevicePageMap>> got = len < 0 || pages > Integer.MAX_VALUE ? Optional.empty() : p.pool().alloc(len);
            if (got.isEmpty()) {
                return new P2pMemAllocateFile.Failed(Errno.ENOMEM);
            }
            GenPool.Block<DevicePageMap> b = got.get();
            DevicePageMap map = b.owner();
            int taken = 0;
            while (taken < pages && map.tryGet()) {
                taken++;
            }
            if (taken < pages) {
                for (int k = 0; k < taken; k++) {
                    map.put();
                }
                p.pool().free(b.virt(), len);
                return new P2pMemAllocateFile.Failed(Errno.ENODEV);
            }
            P2pMemMapping mapping = new P2pMemMapping(p, map, memory.memMap(), b.virt(), (int) pages);
            p.userMappings().add(mapping);
            return new P2pMemAllocateFile.Mapped(mapping);
        }
    }

    /**
     * Models pci_p2pmem_find_many(): over every function in enumeration order, the published
     * providers whose distance to all clients (pci_p2pdma_distance_many(), not verbose, caching
     * each computed map type in the provider's record as the kernel does) is not -1; the smallest
     * distance wins, up to {@link #MAX_CANDIDATES} ties are kept and one is chosen at random.
     *
     * @param clients the clients; an address outside the topology stands for a device with no PCI
     *                parent and makes every distance -1 from that client on
     * @return the provider; empty (NULL) when there is none
     */
    public Optional<PciAddress> findMany(List<PciAddress> clients) {
        int[] cl = new int[clients.size()];
        for (int k = 0; k < cl.length; k++) {
            cl[k] = topology.indexOf(clients.get(k));
        }
        int best = Integer.MAX_VALUE;
        int[] candidates = new int[MAX_CANDIDATES];
        int count = 0;
        for (int i : enumerationOrder) {
            if (!hasP2pmem(i)) {
                continue;
            }
            int d = distanceMany(i, cl);
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

    /** pci_p2pdma_distance_many(provider, clients, verbose = false), storing each computed type in the provider's cache. */
    private int distanceMany(int provider, int[] clients) {
        if (clients.length == 0) {
            return -1;
        }
        int total = 0;
        for (int c : clients) {
            if (c < 0) {
                return -1;
            }
            long r = mapTypes.calcAndStore(provider, c);
            if (P2pDmaDecision.mapTypeOf(r) == MapType.NOT_SUPPORTED) {
                return -1;
            }
            total += P2pDmaDecision.distanceOf(r);
        }
        return total;
    }

    /** Models pci_p2pdma_map_type() for a provider and a client function (spec 1.11), through the registry's cache. */
    public MapType mapType(PciAddress provider, PciAddress client, KernelLog into) {
        return mapTypes.mapType(index(provider), index(client), into);
    }

    /**
     * Starts the release of a provider (device unbind, spec 1.1): the {@code allocate} file goes
     * away and every user mapping of it is torn down (its pages return to the pool), then every
     * page map is killed, so no new allocation or mapping can take a reference. Driver
     * allocations stay valid until freed. Idempotent.
     *
     * @return empty when removal is (now) under way; ENODEV when the function has no record
     */
    public Optional<Errno> beginRemoval(PciAddress device) {
        synchronized (lock) {
            P2pDmaProvider p = records.get(index(device));
            if (p == null) {
                return Optional.of(Errno.ENODEV);
            }
            startRemoval(p);
            return Optional.empty();
        }
    }

    /**
     * Starts the removal if needed, then finishes it if nothing is outstanding: every page map is
     * memunmapped, the map-types record dropped, the pool destroyed and the record detached.
     *
     * @return empty when the record is gone; EBUSY while references or pool blocks remain (the
     *         record stays, dying); ENODEV when the function has no record
     */
    public Optional<Errno> tryRemove(PciAddress device) {
        synchronized (lock) {
            P2pDmaProvider p = records.get(index(device));
            if (p == null) {
                return Optional.of(Errno.ENODEV);
            }
            startRemoval(p);
            return finishRemoval(p);
        }
    }

    /**
     * As {@link #tryRemove}, waiting up to {@code timeout} for the outstanding references to be
     * dropped (the kernel waits without limit in memunmap_pages()).
     *
     * @return empty when the record is gone; EBUSY when references remained at the deadline or
     *         the thread was interrupted (its interrupt flag is kept); ENODEV without a record
     */
    public Optional<Errno> awaitRemoval(PciAddress device, Duration timeout) {
        int i = index(device);
        long deadline = System.nanoTime() + timeout.toNanos();
        P2pDmaProvider p;
        synchronized (lock) {
            p = records.get(i);
            if (p == null) {
                return Optional.of(Errno.ENODEV);
            }
            startRemoval(p);
        }
        while (true) {
            synchronized (lock) {
                if (records.get(i) != p) {
                    return Optional.empty();
                }
                if (finishRemoval(p).isEmpty()) {
                    return Optional.empty();
                }
            }
            if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                return Optional.of(Errno.EBUSY);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Removal's first half, under the lock. */
    private void startRemoval(P2pDmaProvider p) {
        if (p.dying()) {
            return;
        }
        p.markDying();
        for (P2pMemMapping m : List.copyOf(p.userMappings())) {
            m.unmap();
        }
        for (DevicePageMap m : p.pagemaps()) {
            m.kill();
        }
    }

    /** Removal's second half, under the lock: only when no reference and no pool block is outstanding. */
    private Optional<Errno> finishRemoval(P2pDmaProvider p) {
        if (p.liveReferences() > 0 || p.availBytes() != p.sizeBytes()) {
            return Optional.of(Errno.EBUSY);
        }
        for (DevicePageMap m : p.pagemaps()) {
            Optional<Errno> e = memory.memMap().memunmap(m);
            if (e.isPresent() && e.get() != Errno.EINVAL) {
                return e;
            }
        }
        mapTypes.dropRecord(p.index());
        records.set(p.index(), null);
        return Optional.empty();
    }

    /** The topology index of a device. */
    private int index(PciAddress device) {
        int i = topology.indexOf(device);
        if (i < 0) {
            throw new IllegalArgumentException("no PCI function " + device + " in the topology");
        }
        return i;
    }

    /** {@code %#llx}: "0" for zero, else "0x" and lower-case hex digits. */
    static String hashHex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }
}
