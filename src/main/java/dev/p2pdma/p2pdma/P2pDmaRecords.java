package dev.p2pdma.p2pdma;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Models the {@code pdev->p2pdma} pointers of one machine: which PCI functions have a P2PDMA
 * record, with what the stories around them share (topology, physical memory, kernel log,
 * map-types caches and the lock that serializes probe, the {@code allocate} mmap and unbind).
 *
 * <p>Invariant: a function has a record iff the map-types cache has a record for it (both change
 * together under {@link #lock()}). Thread-safety: records are read lock-free from an
 * {@link AtomicReferenceArray}; they are attached and detached only under {@link #lock()}.
 */
final class P2pDmaRecords {

    /** The map-type decision of the machine (and through it the topology). */
    private final P2pDmaDecision decision;
    /** The PCI tree. */
    private final PciTopology topology;
    /** Physical memory: BAR bytes and the memory map. */
    private final PhysicalMemory memory;
    /** Where info and error lines go. */
    private final KernelLog log;
    /** The per-provider map_types caches. */
    private final MapTypeCache mapTypes;
    /** Per function index: its record, or null. */
    private final AtomicReferenceArray<P2pDmaProvider> records;
    /** Serializes registration, the allocate mmap and removal. */
    private final Object lock = new Object();

    /** No function has a record yet. */
    P2pDmaRecords(P2pDmaDecision decision, PhysicalMemory memory, KernelLog log) {
        this.decision = decision;
        this.topology = decision.topology();
        this.memory = memory;
        this.log = log;
        this.mapTypes = MapTypeCache.withoutRecords(decision);
        this.records = new AtomicReferenceArray<>(topology.size());
    }

    P2pDmaDecision decision() {
        return decision;
    }

    PciTopology topology() {
        return topology;
    }

    PhysicalMemory memory() {
        return memory;
    }

    KernelLog log() {
        return log;
    }

    MapTypeCache mapTypes() {
        return mapTypes;
    }

    /** The monitor that serializes registration, the allocate mmap and removal. */
    Object lock() {
        return lock;
    }

    /** The record of the function at {@code index}, if it has one. */
    Optional<P2pDmaProvider> record(int index) {
        return Optional.ofNullable(records.get(index));
    }

    /** The record of a device, if it has one. */
    Optional<P2pDmaProvider> record(PciAddress device) {
        return record(index(device));
    }

    /** True when {@code p} is still the record of its function (not detached or replaced). */
    boolean isAttached(P2pDmaProvider p) {
        return records.get(p.index()) == p;
    }

    /** Gives the function at {@code index} a new record and map-types cache; the caller holds {@link #lock()}. */
    P2pDmaProvider attach(int index) {
        P2pDmaProvider p = new P2pDmaProvider(index, topology.function(index));
        mapTypes.createRecord(index);
        records.set(index, p);
        return p;
    }

    /** Drops a record and its map-types cache; the caller holds {@link #lock()}. */
    void detach(P2pDmaProvider p) {
        mapTypes.dropRecord(p.index());
        records.set(p.index(), null);
    }

    /**
     * The topology index of a device.
     *
     * @throws IllegalArgumentException when the device is not in the topology
     */
    int index(PciAddress device) {
        int i = topology.indexOf(device);
        if (i < 0) {
            throw new IllegalArgumentException("no PCI function " + device + " in the topology");
        }
        return i;
    }
}
