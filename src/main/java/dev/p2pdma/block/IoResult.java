package dev.p2pdma.block;

import dev.p2pdma.base.Errno;

/** What an O_DIRECT system call on a block device returns (spec 6.3 step 6, 7 step 6). Immutable; thread-safe. */
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
