package dev.p2pdma.p2pdma;

import dev.p2pdma.base.Errno;
import dev.p2pdma.base.KernelLog;
import dev.p2pdma.mm.DevicePageMap;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.PciAddress;
import java.util.Optional;

/**
 * Models a provider's {@code p2pmem/} sysfs group (spec 1.5-1.6): the {@code size},
 * {@code available} and {@code published} attributes and the {@code allocate} file whose mmap
 * (p2pmem_alloc_mmap()) maps pool pages into a process.
 *
 * <p>Thread-safe: the attributes read atomic state without locks; the mmap is serialized with
 * registration and removal on the records' lock.
 */
public final class P2pMemSysfs {

    /** The records and what they share. */
    private final P2pDmaRecords records;

    P2pMemSysfs(P2pDmaRecords records) {
        this.records = records;
    }

    /** Models size_show(): the pool size in decimal and a newline; "0\n" without a record. */
    public String sizeAttribute(PciAddress device) {
        return records.record(device).map(P2pDmaProvider::sizeBytes).orElse(0L) + "\n";
    }

    /** Models available_show(): the free bytes in decimal and a newline; "0\n" without a record. */
    public String availableAttribute(PciAddress device) {
        return records.record(device).map(P2pDmaProvider::availBytes).orElse(0L) + "\n";
    }

    /** Models published_show(): "1\n" when published, else "0\n". */
    public String publishedAttribute(PciAddress device) {
        return (records.record(device).filter(P2pDmaProvider::published).isPresent() ? "1" : "0") + "\n";
    }

    /** The {@code p2pmem/} attributes as a capture records them; empty when the function has no group (no record). */
    public Optional<P2pMemInfo> p2pmemInfo(PciAddress device) {
        return records.record(device).map(p -> new P2pMemInfo(p.sizeBytes(), p.availBytes(), p.published()));
    }

    /**
     * Opens {@code p2pmem/allocate} for a process named {@code comm}.
     *
     * @return the open file; empty when the function has no {@code p2pmem} group (no record, or
     *         its removal has started)
     */
    public Optional<P2pMemAllocateFile> allocateFile(PciAddress device, String comm) {
        return records.record(device).filter(p -> !p.dying()).map(p -> new P2pMemAllocateFile(this, p, comm));
    }

    /** p2pmem_alloc_mmap() for {@link P2pMemAllocateFile#mmap}; the order of checks is described there. */
    P2pMemAllocateFile.MmapResult mmapAllocate(P2pDmaProvider p, String comm, boolean shared, long pgoff, long lengthBytes) {
        synchronized (records.lock()) {
            if (lengthBytes <= 0) {
                return new P2pMemAllocateFile.Failed(Errno.EINVAL);
            }
            if (!records.isAttached(p) || p.dying()) {
                return new P2pMemAllocateFile.Failed(Errno.ENODEV);
            }
            KernelLog log = records.log();
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
            P2pMemMapping mapping = new P2pMemMapping(p, map, records.memory().memMap(), b.virt(), (int) pages);
            p.userMappings().add(mapping);
            return new P2pMemAllocateFile.Mapped(mapping);
        }
    }
}
