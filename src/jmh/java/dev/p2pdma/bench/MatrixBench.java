package dev.p2pdma.bench;

import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sim.SyntheticHost;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The full P2P matrix of the synthetic 1,000-endpoint host (8 root ports, switch trees 3 deep)
 * against a bare loop that only walks the same upstream chains for every pair.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MatrixBench {

    /** The decision over the synthetic host. */
    private P2pDmaDecision decision;
    /** pci_upstream_bridge() per function. */
    private int[] upstream;
    /** The endpoints. */
    private int[] endpoints;

    @Setup
    public void setUp() {
        PciTopology t = SyntheticHost.build();
        decision = P2pDmaDecision.of(t);
        endpoints = t.matrixEndpoints();
        upstream = new int[t.size()];
        for (int i = 0; i < t.size(); i++) {
            upstream[i] = t.upstream(i);
        }
        if (endpoints.length != 1000) {
            throw new IllegalStateException("synthetic host has " + endpoints.length + " endpoints, not 1000");
        }
    }

    /** Every ordered pair's map type and distance. */
    @Benchmark
    public long fullMatrix() {
        P2pMatrix m = P2pMatrix.compute(decision);
        long[] row = new long[m.columns()];
        long sum = 0;
        for (int i = 0; i < m.rows(); i++) {
            m.row(i, row);
            sum += row[i];
        }
        return sum + m.distance(1, 2) + m.size();
    }

    /** Baseline: for every ordered pair, walk both upstream chains to the root, nothing else. */
    @Benchmark
    public long bareChainWalk() {
        long sum = 0;
        int[] up = upstream;
        for (int p : endpoints) {
            for (int c : endpoints) {
                for (int a = p; a >= 0; a = up[a]) {
                    sum += a;
                }
                for (int b = c; b >= 0; b = up[b]) {
                    sum += b;
                }
            }
        }
        return sum;
    }
}
