package dev.p2pdma.block;

/**
 * Models the data operations of {@code enum req_op} the O_DIRECT path issues: a read
 * ({@code REQ_OP_READ}, DMA from the device into memory) or a write ({@code REQ_OP_WRITE}).
 * Immutable; thread-safe.
 */
public enum ReqOp {
    /** REQ_OP_READ: preadv; the user pages are written, so they are pinned with FOLL_WRITE. */
    READ,
    /** REQ_OP_WRITE: pwritev. */
    WRITE
}
