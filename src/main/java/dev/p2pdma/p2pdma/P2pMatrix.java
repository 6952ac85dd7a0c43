package dev.p2pdma.p2pdma;

import dev.p2pdma.pci.PciTopology;
import java.util.Arrays;

/**
 * The map type and distance for ordered pairs of matrix endpoints (non-bridge functions, a
 * function with itself included), as the conformance cases' {@code calc} lists them: every pair
 * ({@link #compute}) or the pairs of chosen providers (rows) and clients (columns) ({@link #of}).
 *
 * <p>Nothing is computed up front: a cell is {@link P2pDmaDecision#calc} on demand and
 * {@link #row} fills a caller's array with one provider's row, so memory stays linear in the
 * number of endpoints however many pairs there are (50,000 endpoints are 2.5 billion pairs).
 * Verdicts with reasons are built on demand too. Immutable; thread-safe.
 */
public final class P2pMatrix {

    /** The decision used. */
    private final P2pDmaDecision decision;
    /** Topology indexes of the providers (rows), in address order. */
    private final int[] providers;
    /** Topology indexes of the clients (columns), in address order. */
    private final int[] clients;

    private P2pMatrix(P2pDmaDecision decision, int[] providers, int[] clients) {
        this.decision = decision;
        this.providers = providers;
        this.clients = clients;
    }

    /** The matrix over the topology's non-bridge functions. */
    public static P2pMatrix compute(P2pDmaDecision decision) {
        int[] endpoints = decision.topology().matrixEndpoints();
        return new P2pMatrix(decision, endpoints, endpoints);
    }

    /**
     * The matrix of the given providers (rows) and clients (columns), topology indexes in the
     * order given.
     *
     * @throws IllegalArgumentException when an index is not a function of the topology
     */
    public static P2pMatrix of(P2pDmaDecision decision, int[] providers, int[] clients) {
        int n = decision.topology().size();
        for (int[] side : new int[][] {providers, clients}) {
            for (int f : side) {
                if (f < 0 || f >= n) {
                    throw new IllegalArgumentException("no function with index " + f);
                }
            }
        }
        return new P2pMatrix(decision, providers.clone(), Arrays.equals(providers, clients) ? providers.clone() : clients.clone());
    }

    public P2pDmaDecision decision() {
        return decision;
    }

    public PciTopology topology() {
        return decision.topology();
    }

    /** Number of rows (providers). */
    public int rows() {
        return providers.length;
    }

    /** Number of columns (clients). */
    public int columns() {
        return clients.length;
    }

    /** Number of cells, rows times columns, as a long (it passes 2^31 at 46,341 endpoints). */
    public long pairCount() {
        return (long) providers.length * clients.length;
    }

    /** Whether rows and columns are the same functions in the same order. */
    public boolean isSquare() {
        return Arrays.equals(providers, clients);
    }

    /**
     * Number of endpoints of a square matrix (rows and columns).
     *
     * @throws IllegalStateException when the rows are not the columns
     */
    public int size() {
        if (!isSquare()) {
            throw new IllegalStateException("a matrix of " + providers.length + " providers and " + clients.length + " other clients has no single size");
        }
        return providers.length;
    }

    /** The topology index of row/column {@code k} of a square matrix (the provider of row {@code k}). */
    public int endpoint(int k) {
        return providers[k];
    }

    /** The topology index of the provider of row {@code row}. */
    public int provider(int row) {
        return providers[row];
    }

    /** The topology index of the client of column {@code column}. */
    public int client(int column) {
        return clients[column];
    }

    /** The packed {@link P2pDmaDecision#calc} result of a cell. */
    public long packed(int row, int column) {
        return decision.calc(providers[row], clients[column]);
    }

    /**
     * Fills {@code into[0..columns())} with the packed results of one row (read them with
     * {@link P2pDmaDecision#mapTypeOf} and {@link P2pDmaDecision#distanceOf}).
     *
     * @throws IllegalArgumentException when {@code into} is shorter than a row
     */
    public void row(int row, long[] into) {
        if (into.length < clients.length) {
            throw new IllegalArgumentException("a row has " + clients.length + " cells, the array only " + into.length);
        }
        int p = providers[row];
        for (int j = 0; j < clients.length; j++) {
            into[j] = decision.calc(p, clients[j]);
        }
    }

    public MapType mapType(int row, int column) {
        return P2pDmaDecision.mapTypeOf(packed(row, column));
    }

    public int distance(int row, int column) {
        return P2pDmaDecision.distanceOf(packed(row, column));
    }

    /** The full verdict for a cell. */
    public P2pVerdict verdict(int row, int column) {
        return decision.verdict(providers[row], clients[column]);
    }
}
