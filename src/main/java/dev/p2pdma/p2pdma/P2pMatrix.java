package dev.p2pdma.p2pdma;

import dev.p2pdma.pci.PciTopology;

/**
 * The map type and distance for every ordered pair of matrix endpoints (non-bridge functions, a
 * function with itself included), as the conformance cases' {@code calc} lists them.
 *
 * <p>Computed eagerly into one packed array; verdicts with reasons are built on demand.
 * Immutable after construction; thread-safe.
 */
public final class P2pMatrix {

    /** The decision used. */
    private final P2pDmaDecision decision;
    /** Topology indexes of the endpoints, in address order. */
    private final int[] endpoints;
    /** Row-major packed results: provider row, client column. */
    private final long[] packed;

    private P2pMatrix(P2pDmaDecision decision, int[] endpoints) {
        this.decision = decision;
        this.endpoints = endpoints;
        int n = endpoints.length;
        this.packed = new long[n * n];
        for (int i = 0; i < n; i++) {
            int p = endpoints[i];
            int row = i * n;
            for (int j = 0; j < n; j++) {
                packed[row + j] = decision.calc(p, endpoints[j]);
            }
        }
    }

    /** The matrix over the topology's non-bridge functions. */
    public static P2pMatrix compute(P2pDmaDecision decision) {
        return new P2pMatrix(decision, decision.topology().matrixEndpoints());
    }

    public P2pDmaDecision decision() {
        return decision;
    }

    public PciTopology topology() {
        return decision.topology();
    }

    /** Number of endpoints (rows and columns). */
    public int size() {
        return endpoints.length;
    }

    /** The topology index of row/column {@code k}. */
    public int endpoint(int k) {
        return endpoints[k];
    }

    public MapType mapType(int row, int column) {
        return P2pDmaDecision.mapTypeOf(packed[row * endpoints.length + column]);
    }

    public int distance(int row, int column) {
        return P2pDmaDecision.distanceOf(packed[row * endpoints.length + column]);
    }

    /** The full verdict for a cell. */
    public P2pVerdict verdict(int row, int column) {
        return decision.verdict(endpoints[row], endpoints[column]);
    }
}
