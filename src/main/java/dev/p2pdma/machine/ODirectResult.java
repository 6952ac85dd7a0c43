package dev.p2pdma.machine;

import dev.p2pdma.base.Errno;
import java.util.List;
import java.util.Objects;

/**
 * What an O_DIRECT system call returned to user space: a byte count, an errno, or nothing at all
 * because the call never completes (spec 6.11). Closed set of values; immutable.
 */
public sealed interface ODirectResult {

    /** The value in the JSON output: the byte count, or the errno's or HUNG's name. */
    Object jsonValue();

    /**
     * The call returned a byte count (0 at or past the end of the device).
     *
     * @param bytes bytes transferred
     */
    record Bytes(long bytes) implements ODirectResult {
        /** Refuses a negative count. */
        public Bytes {
            if (bytes < 0) {
                throw new IllegalArgumentException("a byte count is not negative: " + bytes);
            }
        }

        @Override
        public Object jsonValue() {
            return bytes;
        }
    }

    /**
     * The call failed with {@code -errno}.
     *
     * @param errno the error
     */
    record Failed(Errno errno) implements ODirectResult {
        /** Refuses null. */
        public Failed {
            Objects.requireNonNull(errno, "errno");
        }

        @Override
        public Object jsonValue() {
            return errno.name();
        }
    }

    /**
     * The call never returns in Linux: a request is requeued for ever without progress. The model
     * stops after a bounded model time and reports it.
     *
     * @param causes the chain of causes, first to last, in words
     */
    record Hung(List<String> causes) implements ODirectResult {
        /** Copies. */
        public Hung {
            causes = List.copyOf(causes);
        }

        @Override
        public Object jsonValue() {
            return "HUNG";
        }
    }
}
