package dev.p2pdma.dma;

import dev.p2pdma.base.Errno;
import java.util.Optional;

/**
 * The result of a mapping call that reports errors as values (dma_map_sgtable() and the
 * dedicated P2P entry point): the number of DMA segments, or the kernel's errno. Invariant: a
 * failure carries no segment count. Immutable; thread-safe.
 *
 * @param nents the DMA segment count on success (may be 0: the no-mask quirk of spec 3.2), 0 on error
 * @param error the errno, empty on success
 */
public record DmaMapResult(int nents, Optional<Errno> error) {

    /** Validates: an error carries no count. */
    public DmaMapResult {
        if (error.isPresent() && nents != 0) {
            throw new IllegalArgumentException("a failed mapping has no segments");
        }
        if (nents < 0) {
            throw new IllegalArgumentException("negative segment count " + nents);
        }
    }

    /** Success with {@code nents} DMA segments. */
    public static DmaMapResult ok(int nents) {
        return new DmaMapResult(nents, Optional.empty());
    }

    /** Failure with {@code errno}. */
    public static DmaMapResult failed(Errno errno) {
        return new DmaMapResult(0, Optional.of(errno));
    }

    /** True on success. */
    public boolean isOk() {
        return error.isEmpty();
    }

    /** The kernel's int: 0 on success, {@code -errno} on failure. */
    public int kernelReturn() {
        return error.map(Errno::negative).orElse(0);
    }

    /** The errno whose negative value is {@code ret}, if the model knows it. */
    public static Optional<Errno> errnoOf(int ret) {
        for (Errno e : Errno.values()) {
            if (e.negative() == ret) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return error.map(e -> "-" + e.name()).orElse("ok, nents " + nents);
    }
}
