package dev.p2pdma.p2pdma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.pci.PciAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * Models the release of a provider when its device goes away (spec 1.1: the devm actions of
 * pci_p2pdma_add_resource() and pci_p2pdma_release()): the {@code allocate} file and its user
 * mappings go first, the page maps are killed, and once no reference and no pool block is left the
 * page maps are memunmapped and the record with its map-types cache is dropped.
 *
 * <p>Invariant: memory is never unmapped while a page-map reference or a pool block is
 * outstanding. Thread-safe: every step runs under the records' lock, as the kernel serializes
 * unbind per device; {@link #awaitRemoval} sleeps without holding it.
 */
public final class P2pDmaRemoval {

    /** How long {@link #awaitRemoval} sleeps between looks at the references. */
    private static final long POLL_NANOS = 200_000;

    /** The records and what they share. */
    private final P2pDmaRecords records;

    P2pDmaRemoval(P2pDmaRecords records) {
        this.records = records;
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
        synchronized (records.lock()) {
            Optional<P2pDmaProvider> p = records.record(device);
            p.ifPresent(P2pDmaRemoval::startRemoval);
            return p.isPresent() ? Optional.empty() : Optional.of(Errno.ENODEV);
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
        synchronized (records.lock()) {
            Optional<P2pDmaProvider> p = records.record(device);
            if (p.isEmpty()) {
                return Optional.of(Errno.ENODEV);
            }
            startRemoval(p.get());
            return finishRemoval(p.get());
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
        int i = records.index(device);
        long deadline = System.nanoTime() + timeout.toNanos();
        P2pDmaProvider p;
        synchronized (records.lock()) {
            Optional<P2pDmaProvider> found = records.record(i);
            if (found.isEmpty()) {
                return Optional.of(Errno.ENODEV);
            }
            p = found.get();
            startRemoval(p);
        }
        while (true) {
            synchronized (records.lock()) {
                if (!records.isAttached(p) || finishRemoval(p).isEmpty()) {
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
    private static void startRemoval(P2pDmaProvider p) {
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
            Optional<Errno> e = records.memory().memMap().memunmap(m);
            if (e.isPresent() && e.get() != Errno.EINVAL) {
                return e;
            }
        }
        records.detach(p);
        return Optional.empty();
    }
}
