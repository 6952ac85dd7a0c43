package dev.p2pdma.block;

import dev.p2pdma.base.Errno;

/** Models the return value of blkdev_read_iter() / blkdev_write_iter() for O_DIRECT (spec 6.3 step 6, 7 step 6). Immutable; thread-safe. */
public sealed interface IoResult permits IoResult.Transferred, IoResult.Failed {

    /**
     * The call transferred data.
     *
     * @param directBytes   bytes moved by DMA
     * @param fallbackBytes bytes still to move through the page cache (a short direct transfer);
     *                      the call returns {@code directBytes} plus whatever that fallback moves
     */
    record Transferred(long directBytes, long fallbackBytes) implements IoResult {
    }

    /**
     * The call failed.
     *
     * @param errno the error the system call returns (as {@code -errno})
     */
    record Failed(Errno errno) implements IoResult {
    }
}
