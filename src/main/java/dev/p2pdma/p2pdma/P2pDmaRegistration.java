package dev.p2pdma.p2pdma;

import dev.p2pdma.base.DirectMap;
import dev.p2pdma.base.Errno;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Models pci_p2pdma_add_resource() (spec 1.1-1.2, era SG): a driver registers part of a memory BAR
 * as peer-to-peer memory; the function gets its P2PDMA record on first use, the range gets struct
 * pages (a PCI_P2PDMA page map) and becomes one chunk of the record's pool.
 *
 * <p>Thread-safe: registration is serialized on the records' lock, as the kernel serializes probe
 * per device; page-map ids come from an atomic counter.
 */
public final class P2pDmaRegistration {

    /** memremap_pages() on x86-64 needs ranges aligned to a memory subsection (2 MiB). */
    public static final long SUBSECTION_BYTES = 2L << 20;

    /** The records and what they share. */
    private final P2pDmaRecords records;
    /** Next page-map id. */
    private final AtomicInteger nextPagemapId = new AtomicInteger();

    P2pDmaRegistration(P2pDmaRecords records) {
        this.records = records;
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
        int i = records.index(device);
        PciFunction f = records.topology().function(i);
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
        synchronized (records.lock()) {
            Optional<P2pDmaProvider> existing = records.record(i);
            if (existing.isPresent() && existing.get().dying()) {
                return Optional.of(Errno.EBUSY);
            }
            P2pDmaProvider p = existing.orElseGet(() -> records.attach(i));
            p.setPoolBacked();
            return addPagemap(p, b, offset, size);
        }
    }

    /** Steps 6 to 8 of pci_p2pdma_add_resource(), under the lock. */
    private Optional<Errno> addPagemap(P2pDmaProvider p, Bar b, long offset, long size) {
        PhysicalMemory memory = records.memory();
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
        records.log().print(p.function().logPrefix() + ": added peer-to-peer DMA memory " + hashHex(start) + "-" + hashHex(start + size - 1));
        return Optional.empty();
    }

    /**
     * The WARN of check_pfn_span() in __add_pages() (pfns of the first and last byte). A range that
     * is not even page aligned gets the same answer in the model; the kernel would go on with a
     * truncated page count.
     */
    private void warnMisaligned(long start, long size) {
        KernelLog log = records.log();
        log.print("Misaligned __add_pages start: " + hashHex(PageSize.pfn(start)) + " end: " + hashHex(PageSize.pfn(start + size - 1)));
    }

    /** Models pci_bus_address(): the BAR's start as the PCI bus sees it (its MMIO region's bus address, else the CPU address). */
    private long busAddress(Bar b) {
        return records.memory().regionOf(b.cpuAddress(), 1).filter(r -> r.kind() == PhysicalMemory.Kind.MMIO)
                .map(r -> r.busAddress() + (b.cpuAddress() - r.cpuStart())).orElse(b.cpuAddress());
    }

    /** {@code %#llx}: "0" for zero, else "0x" and lower-case hex digits. */
    static String hashHex(long v) {
        return v == 0 ? "0" : "0x" + Long.toHexString(v);
    }
}
