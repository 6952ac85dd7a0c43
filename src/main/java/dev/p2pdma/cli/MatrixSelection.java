package dev.p2pdma.cli;

import java.util.List;

/**
 * The pairs a matrix or report covers: providers (rows) and clients (columns) as topology
 * indexes in address order, and the flags that chose them (addresses normalised, empty lists
 * meaning "not restricted"). Immutable once built (the arrays are not handed out for writing).
 *
 * @param providers      topology indexes of the rows
 * @param clients        topology indexes of the columns
 * @param providerFlags  the --provider addresses, full form, in address order
 * @param clientFlags    the --client addresses, full form, in address order
 * @param classes        the --class kinds, as given order, without repeats
 */
record MatrixSelection(int[] providers, int[] clients, List<String> providerFlags, List<String> clientFlags, List<DeviceClass> classes) {

    /** Whether no flag restricted anything. */
    boolean isEverything() {
        return providerFlags.isEmpty() && clientFlags.isEmpty() && classes.isEmpty();
    }

    /** The providers and the clients together, in topology order without repeats (the report's square matrix). */
    int[] union() {
        return java.util.stream.IntStream.concat(java.util.Arrays.stream(providers), java.util.Arrays.stream(clients)).distinct().sorted().toArray();
    }
}
