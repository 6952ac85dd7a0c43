package dev.p2pdma.cli;

/**
 * A command-line argument that is wrong: printed as one line, exit status 2.
 */
final class UsageError extends RuntimeException {

    UsageError(String message) {
        super(message);
    }
}
