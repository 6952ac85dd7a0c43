package dev.p2pdma.iommu;

/**
 * The {@code int prot} of an IOMMU mapping (include/linux/iommu.h): IOMMU_READ, IOMMU_WRITE,
 * IOMMU_CACHE, IOMMU_NOEXEC, IOMMU_MMIO, IOMMU_PRIV. Invariant: only those six bits. Immutable;
 * thread-safe.
 *
 * @param bits the IOMMU_* bits
 */
public record IommuProt(int bits) {

    /** IOMMU_READ: the device may read. */
    public static final int READ = 1;
    /** IOMMU_WRITE: the device may write. */
    public static final int WRITE = 1 << 1;
    /** IOMMU_CACHE: DMA is cache coherent. */
    public static final int CACHE = 1 << 2;
    /** IOMMU_NOEXEC. */
    public static final int NOEXEC = 1 << 3;
    /** IOMMU_MMIO: the target is device memory. */
    public static final int MMIO = 1 << 4;
    /** IOMMU_PRIV: privileged accesses only. */
    public static final int PRIV = 1 << 5;
    /** All known bits. */
    private static final int ALL = READ | WRITE | CACHE | NOEXEC | MMIO | PRIV;

    /** Read and write. */
    public static final IommuProt READ_WRITE = new IommuProt(READ | WRITE);
    /** Read only. */
    public static final IommuProt READ_ONLY = new IommuProt(READ);
    /** Write only. */
    public static final IommuProt WRITE_ONLY = new IommuProt(WRITE);

    /** Checks the bits. */
    public IommuProt {
        if ((bits & ~ALL) != 0) {
            throw new IllegalArgumentException(String.format("unknown IOMMU prot bits 0x%x", bits & ~ALL));
        }
    }

    /** True when the device may read through the mapping. */
    public boolean canRead() {
        return (bits & READ) != 0;
    }

    /** True when the device may write through the mapping. */
    public boolean canWrite() {
        return (bits & WRITE) != 0;
    }

    /** These bits plus {@code more}. */
    public IommuProt with(int more) {
        return new IommuProt(bits | more);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(canRead() ? 'r' : '-').append(canWrite() ? 'w' : '-');
        if ((bits & CACHE) != 0) {
            b.append(" cache");
        }
        if ((bits & MMIO) != 0) {
            b.append(" mmio");
        }
        if ((bits & PRIV) != 0) {
            b.append(" priv");
        }
        return b.toString();
    }
}
