package dev.p2pdma.cli;

/**
 * Writing a command's output file failed after the work was done (disk full, the folder went
 * away): printed as one line naming the file and the reason, exit status 1.
 */
final class OutputWriteError extends RuntimeException {

    /** Serialization version of this exception. */
    private static final long serialVersionUID = 1L;

    OutputWriteError(String message) {
        super(message);
    }
}
