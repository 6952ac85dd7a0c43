package dev.p2pdma.p2pdma;

import dev.p2pdma.base.Errno;

/**
 * An open {@code p2pmem/allocate} file of one provider (spec 1.6, v6.2+): a binary attribute, mode
 * 0660, declared 1 TiB long so user tools accept large mmap lengths, usable only through
 * {@link #mmap(boolean, long, long)}. The file belongs to the provider record that existed when it
 * was opened; once that record starts its removal the file is gone and mmap answers
 * {@link Errno#ENODEV}, as kernfs does for a removed attribute.
 *
 * <p>Immutable; thread-safe (mmap serializes with removal on the records' lock).
 */
public final class P2pMemAllocateFile {

    /** File mode of the attribute. */
    public static final int MODE = 0660;
    /** The size the attribute declares: 1 TiB. */
    public static final long DECLARED_SIZE_BYTES = 1L << 40;

    /** Outcome of an mmap call. */
    public sealed interface MmapResult permits Mapped, Failed {
    }

    /**
     * The mapping was made.
     *
     * @param mapping the pages now mapped
     */
    public record Mapped(P2pMemMapping mapping) implements MmapResult {
    }

    /**
     * mmap failed with this error.
     *
     * @param errno the kernel's error
     */
    public record Failed(Errno errno) implements MmapResult {
    }

    /** The sysfs group the file belongs to. */
    private final P2pMemSysfs sysfs;
    /** The provider record the file belongs to. */
    private final P2pDmaProvider provider;
    /** The calling process's name, as the kernel's messages print it ({@code current->comm}). */
    private final String comm;

    P2pMemAllocateFile(P2pMemSysfs sysfs, P2pDmaProvider provider, String comm) {
        this.sysfs = sysfs;
        this.provider = provider;
        this.comm = comm;
    }

    /** The process name used in messages. */
    public String comm() {
        return comm;
    }

    /**
     * Models p2pmem_alloc_mmap() behind the mmap() system call: a mapping of {@code lengthBytes}
     * (rounded up to whole pages, as mmap sizes a VMA) at file page offset {@code pgoff}.
     *
     * <ol>
     *   <li>{@code lengthBytes <= 0} → EINVAL (the system call's own check); file removed (record
     *       gone or dying) → ENODEV (kernfs; this also covers the kernel's "no record" check, which
     *       the model cannot reach otherwise);</li>
     *   <li>not shared → EINVAL, info "{@code <comm>: fail, attempted private mapping}";</li>
     *   <li>{@code pgoff != 0} → EINVAL, info "{@code <comm>: fail, attempted mapping with non-zero offset}";</li>
     *   <li>pool allocation of the length fails → ENOMEM;</li>
     *   <li>page map being torn down → the block goes back, ENODEV;</li>
     *   <li>else every page is mapped in order, each holding one page-map reference.</li>
     * </ol>
     */
    public MmapResult mmap(boolean shared, long pgoff, long lengthBytes) {
        return sysfs.mmapAllocate(provider, comm, shared, pgoff, lengthBytes);
    }

    @Override
    public String toString() {
        return "p2pmem/allocate of " + provider.address();
    }
}
