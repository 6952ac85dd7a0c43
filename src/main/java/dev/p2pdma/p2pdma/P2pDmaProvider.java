package dev.p2pdma.p2pdma;

import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Models {@code struct pci_p2pdma}, the record a PCI function gets when it first registers
 * peer-to-peer memory (spec 1.1, era SG): its pool (page granular, one chunk per successful
 * pci_p2pdma_add_resource(), "phys" = PCI bus address), its published flag, and its page maps (one
 * per chunk, each with its BAR's bus offset). Its map-types cache lives in the records'
 * {@link MapTypeCache} under the same function index. Created by {@link P2pDmaRegistration} (with
 * a pool) or, from 6.19, by {@link P2pDmaProviders#initWithoutPool} (pcim_p2pdma_init(), no pool
 * until a registration adds one); removed only by {@link P2pDmaRemoval}.
 *
 * <p>Invariants: every pool chunk is owned by exactly one page map of this record, and the chunk's
 * pages are that map's pages; once {@link #dying()} every page map is killed and stays so; the
 * user mappings set holds the live mappings of the {@code allocate} file. Thread-safety: the pool
 * is lock-free, the flags are volatile, the lists are concurrent; structural changes (new page
 * maps, dying) are made under the records' lock.
 */
public final class P2pDmaProvider {

    /** The function's index in the topology. */
    private final int index;
    /** The function. */
    private final PciFunction function;
    /** The pool: kernel virtual addresses, "phys" = PCI bus address, owner = the chunk's page map. */
    private final GenPool<DevicePageMap> pool = new GenPool<>(PageSize.PAGE_SHIFT);
    /** Page maps in the order they were added. */
    private final List<DevicePageMap> pagemaps = new CopyOnWriteArrayList<>();
    /** Live user mappings of the {@code allocate} file. */
    private final Set<P2pMemMapping> userMappings = ConcurrentHashMap.newKeySet();
    /** Published for other drivers (pci_p2pmem_publish()). */
    private volatile boolean published;
    /** True once removal started: page maps killed, the {@code allocate} file gone. */
    private volatile boolean dying;
    /** True once pci_p2pdma_add_resource() set up the pool; false for a record pcim_p2pdma_init() made alone (6.19+). */
    private volatile boolean poolBacked;

    P2pDmaProvider(int index, PciFunction function) {
        this.index = index;
        this.function = function;
    }

    /** The function's index in the topology. */
    public int index() {
        return index;
    }

    public PciAddress address() {
        return function.address();
    }

    public PciFunction function() {
        return function;
    }

    /** The {@code p2pmem_published} flag. */
    public boolean published() {
        return published;
    }

    /** True when the record has a pool (pci_p2pdma_add_resource() ran); false for a provider without a pool (spec 12.1 M3). */
    public boolean poolBacked() {
        return poolBacked;
    }

    /** Marks the pool as set up (pci_p2pdma_setup_pool()); the caller holds the records' lock. */
    void setPoolBacked() {
        poolBacked = true;
    }

    /** True once removal has started (page maps killed). */
    public boolean dying() {
        return dying;
    }

    /** gen_pool_size() of the pool. */
    public long sizeBytes() {
        return pool.sizeBytes();
    }

    /** gen_pool_avail() of the pool. */
    public long availBytes() {
        return pool.availBytes();
    }

    /** The pool's chunks, newest first. */
    public List<GenPool.ChunkInfo<DevicePageMap>> chunks() {
        return pool.chunks();
    }

    /** The page maps, oldest first. */
    public List<DevicePageMap> pagemaps() {
        return List.copyOf(pagemaps);
    }

    /** References held on all page maps together (driver allocations plus mapped user pages). */
    public long liveReferences() {
        long n = 0;
        for (DevicePageMap m : pagemaps) {
            n += m.liveReferences();
        }
        return n;
    }

    /** Live user mappings of the {@code allocate} file. */
    public int userMappingCount() {
        return userMappings.size();
    }

    GenPool<DevicePageMap> pool() {
        return pool;
    }

    void setPublished(boolean publish) {
        this.published = publish;
    }

    void addPagemap(DevicePageMap map) {
        pagemaps.add(map);
    }

    void markDying() {
        this.dying = true;
    }

    Set<P2pMemMapping> userMappings() {
        return userMappings;
    }

    @Override
    public String toString() {
        return "p2pdma provider " + function.address() + (dying ? " (dying)" : "") + (published ? " published" : "");
    }
}
