package dev.p2pdma.fabric;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of one device-initiated memory read or write through the fabric, with every hop it
 * took. Closed set of values; immutable (the bytes of a read are copied in and out).
 */
public sealed interface FabricTransfer {

    /** The hops in order, from the requester to the target (and, for a read, the completion's way back). */
    List<FabricHop> hops();

    /** Whether the transaction completed. */
    default boolean completed() {
        return this instanceof Completed;
    }

    /**
     * The transaction completed: a write's bytes are in memory, a read's bytes are here.
     *
     * @param data  the bytes read (empty for a write)
     * @param hops  the way the request (and a read's completion) went
     */
    record Completed(byte[] data, List<FabricHop> hops) implements FabricTransfer {
        /** Copies. */
        public Completed {
            data = data.clone();
            hops = List.copyOf(hops);
        }

        /** The bytes read (a copy). */
        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /**
     * The transaction did not complete and changed nothing.
     *
     * @param error why
     * @param hops  the way it went up to where it stopped
     */
    record Failed(FabricError error, List<FabricHop> hops) implements FabricTransfer {
        /** Copies; refuses null. */
        public Failed {
            Objects.requireNonNull(error, "error");
            hops = List.copyOf(hops);
        }
    }
}
