package dev.p2pdma.cli;

/**
 * A command-line argument that is wrong: printed as one line, exit status 2.
 */
final class UsageError extends RuntimeException {

    /** Serialization version of this exception. */
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
        super(message);
    }

    /** Fails with "FLAG must be a, b or c, got 'v'" unless {@code value} is one of {@code allowed}. */
    static void requireOneOf(String flag, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return;
            }
        }
        String list = String.join(", ", java.util.Arrays.copyOf(allowed, allowed.length - 1)) + " or " + allowed[allowed.length - 1];
        throw new UsageError(flag + " must be " + list + ", got '" + value + "'");
    }
}
