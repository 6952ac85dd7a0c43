package dev.p2pdma.bench;

import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.report.HtmlReport;
import dev.p2pdma.report.PciIds;
import dev.p2pdma.report.ReportModel;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.sim.SyntheticHost;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code p2pdma report} of the synthetic 1,000-endpoint host without the process around it: the
 * report's data (model: layout, labels, header) and the whole page (SVG tree, every one of the
 * 1,000,000 matrix cells in the data blob), against the data alone. The input is already loaded
 * and names come from no database, so only the report's own work is measured. Not thread-safe
 * (JMH state).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ReportBench {

    /** The synthetic host as the CLI would have loaded it. */
    private LoadedMachine machine;
    /** The model built once, for the page-only benchmark. */
    private ReportModel model;

    @Setup
    public void setUp() {
        PciTopology t = SyntheticHost.build();
        if (t.matrixEndpoints().length != 1000) {
            throw new IllegalStateException("synthetic host has " + t.matrixEndpoints().length + " endpoints, not 1000");
        }
        machine = new LoadedMachine(t, P2pDmaDecision.of(t), List.of(), List.of(), Optional.empty());
        model = ReportModel.of(machine, PciIds.empty());
    }

    /** Model and page: what the command does after loading its input. */
    @Benchmark
    public int modelAndPage() {
        return HtmlReport.render(ReportModel.of(machine, PciIds.empty())).length();
    }

    /** The page from a built model: tree, matrix pane and the data blob with every cell. */
    @Benchmark
    public int page() {
        return HtmlReport.render(model).length();
    }

    /** Baseline: the model alone (layout, one label per node, header). */
    @Benchmark
    public int modelOnly() {
        return ReportModel.of(machine, PciIds.empty()).header().size();
    }
}
