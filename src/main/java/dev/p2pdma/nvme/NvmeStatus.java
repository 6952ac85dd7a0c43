package dev.p2pdma.nvme;

import dev.p2pdma.block.BlkStatus;

/**
 * The NVMe completion statuses the controller model returns (generic command status, NVMe base
 * spec), and what the host makes of them: Models nvme_error_status() of Linux 6.12, which maps a
 * status to the request's {@link BlkStatus} (anything it does not list is BLK_STS_IOERR).
 */
public enum NvmeStatus {
    /** Successful completion. */
    SUCCESS(0x00, BlkStatus.OK),
    /** Invalid field in command. */
    INVALID_FIELD(0x02, BlkStatus.NOTSUPP),
    /** Data transfer error: a DMA the controller made did not complete. */
    DATA_TRANSFER_ERROR(0x04, BlkStatus.IOERR),
    /** Data SGL length invalid: the descriptors do not cover the transfer. */
    DATA_SGL_LENGTH_INVALID(0x0f, BlkStatus.IOERR),
    /** SGL descriptor type invalid. */
    SGL_INVALID_TYPE(0x11, BlkStatus.IOERR),
    /** Invalid use of controller memory buffer: a command's data pointers mix the CMB and host memory. */
    CMB_INVALID_USE(0x12, BlkStatus.IOERR),
    /** PRP offset invalid. */
    PRP_INVALID_OFFSET(0x13, BlkStatus.IOERR),
    /** LBA out of range. */
    LBA_RANGE(0x80, BlkStatus.TARGET);

    /** The status code (SCT 0). */
    private final int code;
    /** What nvme_error_status() gives. */
    private final BlkStatus blkStatus;

    NvmeStatus(int code, BlkStatus blkStatus) {
        this.code = code;
        this.blkStatus = blkStatus;
    }

    /** The status code (status code type 0, generic). */
    public int code() {
        return code;
    }

    /** Models nvme_error_status(): the block status the host ends the request with. */
    public BlkStatus blkStatus() {
        return blkStatus;
    }
}
