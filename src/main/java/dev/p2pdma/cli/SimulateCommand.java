package dev.p2pdma.cli;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.sim.BandwidthPredictor;
import dev.p2pdma.sim.BandwidthModel;
import dev.p2pdma.sim.BandwidthParameters;
import dev.p2pdma.sim.SimMachine;
import dev.p2pdma.sim.SimRunner;
import dev.p2pdma.sim.SimScenario;
import dev.p2pdma.sim.SimScenarioReader;
import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma simulate}: runs a scenario's workloads through the data plane of the machine booted
 * in the model ({@link SimRunner}) and prints per stream what happened beside the predicted
 * throughput and latency of the P2P path and of the bounce through host memory. The predictor comes
 * from one factory ({@link #defaultPredictor}). Filled by picocli; not thread-safe (its progress
 * bar thread only reads an atomic counter).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Run a workload scenario (YAML: a machine, devices to add, the IOMMU mode, read/write/copy workloads; README "
                + "'Simulating workloads') with every I/O through the model's data plane (O_DIRECT, block, nvme, DMA mapping, IOMMU, fabric, "
                + "real bytes, verified), a worker thread per job, and print per stream the I/Os, bytes, faults, fallbacks, map type and path "
                + "beside the predicted P2P and bounce throughput. --compare prints only the two predicted paths per stream in one table, "
                + "without running the I/Os. A progress bar goes to standard error on runs longer than a second when it is a terminal. "
                + "--format: text (default) or json (docs/json-output.md).",
        exitCodeListHeading = Main.EXIT_HEADING,
        exitCodeList = {"0:the scenario ran (whatever its I/Os returned)", Main.EXIT_1_HELP, Main.EXIT_2_HELP})
final class SimulateCommand implements Callable<Integer> {

    /** The {@code format} of the JSON. */
    static final String FORMAT = "p2pdma-simulate/1";
    /** The JSON writer. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    /** Runs shorter than this show no progress bar. */
    private static final long PROGRESS_AFTER_NS = 1_000_000_000L;
    /** Width of the progress bar in characters. */
    private static final int BAR_WIDTH = 30;

    /** Where the predictor comes from: one line to change for another bandwidth model. */
    Function<LoadedMachine, BandwidthPredictor> predictorFactory;

    /** The scenario file. */
    @Parameters(index = "0", paramLabel = "FILE", description = "The scenario (YAML or JSON).")
    Path file;

    /** Output format. */
    @Mixin
    FormatOption format;

    /** Comparison only. */
    @Option(names = "--compare", description = "Print the predicted P2P and bounce paths of every stream in one table, without running the I/Os.")
    boolean compare;

    /** Timing on standard error. */
    @Option(names = "--timing", description = "Print the wall time of the I/O phase and the I/O rate on standard error.")
    boolean timing;

    /** Picocli's view of this command, for its streams. */
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Bandwidth parameters overridden on the command line, NAME=VALUE. */
    @Option(names = "--bandwidth-param", paramLabel = "NAME=VALUE",
            description = "Override one parameter of the bandwidth model (README 'The bandwidth model' lists them with defaults and sources),"
                    + " e.g. rootComplexP2pGbps=41.4. Repeatable.")
    List<String> bandwidthParams = new java.util.ArrayList<>();

    /** The bandwidth model of a machine with default parameters. */
    static BandwidthPredictor defaultPredictor(LoadedMachine machine) {
        return new BandwidthModel(machine, BandwidthParameters.DEFAULTS);
    }

    /** The --bandwidth-param overrides, parsed; a bad one is a usage error naming it. */
    BandwidthParameters parameters() {
        BandwidthParameters p = BandwidthParameters.DEFAULTS;
        for (String kv : bandwidthParams) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageError("--bandwidth-param expects NAME=VALUE, got '" + kv + "'");
            }
            try {
                p = p.with(kv.substring(0, eq).strip(), Double.parseDouble(kv.substring(eq + 1).strip()));
            } catch (NumberFormatException e) {
                throw new UsageError("--bandwidth-param " + kv + ": not a number");
            } catch (IllegalArgumentException e) {
                throw new UsageError("--bandwidth-param: " + e.getMessage());
            }
        }
        return p;
    }

    @Override
    public Integer call() throws Exception {
        OutputFormat chosen = format.require(OutputFormat.TEXT, OutputFormat.JSON);
        SimScenario s = SimScenarioReader.read(file);
        LoadedMachine loaded = SimMachine.load(s);
        BandwidthParameters params = parameters();
        Function<LoadedMachine, BandwidthPredictor> factory = predictorFactory != null ? predictorFactory
                : params.equals(BandwidthParameters.DEFAULTS) ? SimulateCommand::defaultPredictor : m -> new BandwidthModel(m, params);
        List<BandwidthPredictor.StreamPrediction> predicted = factory.apply(loaded).predict(streams(s));
        SimRunner.Result result = null;
        if (!compare) {
            RunningMachine m = SimMachine.boot(s, loaded);
            result = runWithProgress(s, m);
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<PciAddress, String> names = new HashMap<>();
        s.devices().forEach(d -> names.put(d.address(), d.name()));
        if (chosen == OutputFormat.JSON) {
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json(s, loaded, result, predicted)));
        } else {
            PrintWriter text = TerminalText.writer(out);
            Header.write(loaded, text);
            if (compare) {
                compareTable(s, predicted, text);
            } else {
                report(s, result, predicted, names, text);
            }
            text.flush();
        }
        out.flush();
        return 0;
    }

    /** The streams as the predictor sees them, in scenario order. */
    static List<BandwidthPredictor.Stream> streams(SimScenario s) {
        List<BandwidthPredictor.Stream> out = new ArrayList<>();
        for (SimScenario.Workload w : s.workloads()) {
            PciAddress initiator = w.kind() == SimScenario.Kind.COPY ? w.from() : w.nvme();
            out.add(new BandwidthPredictor.Stream(w.name(), w.from(), w.to(), initiator, w.ioSizeBytes(), w.queueDepth(), w.jobs(), w.bothWays()));
        }
        return out;
    }

    private SimRunner.Result runWithProgress(SimScenario s, RunningMachine m) throws Exception {
        AtomicLong done = new AtomicLong();
        long total = SimRunner.totalIos(s);
        PrintWriter err = spec.commandLine().getErr();
        Thread bar = null;
        long t0 = System.nanoTime();
        if (interactiveTerminal()) {
            bar = new Thread(() -> progressBar(done, total, err, t0), "simulate-progress");
            bar.setDaemon(true);
            bar.start();
        }
        SimRunner.Result r;
        try {
            r = SimRunner.run(s, m, done);
        } finally {
            if (bar != null) {
                bar.interrupt();
                bar.join();
            }
        }
        if (timing) {
            double secs = r.elapsedNs() / 1e9;
            err.println(String.format(Locale.ROOT, "p2pdma: %d I/Os in %.2f s (%.0f I/Os per second)", total, secs, total / secs));
            err.flush();
        }
        return r;
    }

    /** Whether standard error is an interactive terminal: a console that says it is one. */
    private static boolean interactiveTerminal() {
        Console c = System.console();
        if (c == null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            // JDK 22+ returns a console even when redirected: ask it (Console.isTerminal())
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** Redraws the bar every 200 ms once the run has taken a second, and clears it at the end. */
    private static void progressBar(AtomicLong done, long total, PrintWriter err, long t0) {
        boolean drawn = false;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(200);
                if (System.nanoTime() - t0 < PROGRESS_AFTER_NS) {
                    continue;
                }
                long d = done.get();
                int filled = (int) (BAR_WIDTH * d / Math.max(1, total));
                err.print("\r[" + "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] " + (100 * d / Math.max(1, total)) + "% " + d + "/"
                        + total + " I/Os");
                err.flush();
                drawn = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drawn) {
            err.print("\r" + " ".repeat(BAR_WIDTH + 40) + "\r");
            err.flush();
        }
    }

    private static String named(PciAddress a, Map<PciAddress, String> names) {
        return names.containsKey(a) ? a + " (" + names.get(a) + ")" : a.toString();
    }

    private static String size(long bytes) {
        return dev.p2pdma.base.BinarySize.text(bytes, "B");
    }

    private static String describe(SimScenario.Workload w, Map<PciAddress, String> names) {
        String what = switch (w.kind()) {
            case READ -> "read " + size(w.sizeBytes()) + " from " + named(w.from(), names) + " into " + named(w.to(), names) + "'s p2pmem";
            case WRITE -> "write " + size(w.sizeBytes()) + " from " + named(w.from(), names) + "'s p2pmem to " + named(w.to(), names);
            case COPY -> "copy " + size(w.sizeBytes()) + " from " + named(w.from(), names) + "'s BAR to " + named(w.to(), names) + "'s"
                    + (w.bothWays() ? ", both ways at once" : "") + (w.dmaMap() ? "" : ", without DMA mapping");
        };
        return what + ", " + size(w.ioSizeBytes()) + " I/Os, queue depth " + w.queueDepth() + ", " + w.jobs() + (w.jobs() == 1 ? " job" : " jobs");
    }

    private static String figures(BandwidthPredictor.PathPrediction p) {
        return String.format(Locale.ROOT, "%.2f GB/s, %.1f us per I/O, limited by %s", p.gbps(), p.latencyUs(), p.bottleneck());
    }

    private static void report(SimScenario s, SimRunner.Result r, List<BandwidthPredictor.StreamPrediction> predicted, Map<PciAddress, String> names,
                               PrintWriter out) {
        out.println("dma setup: " + r.dmaSetup());
        for (int i = 0; i < r.streams().size(); i++) {
            SimRunner.StreamResult st = r.streams().get(i);
            BandwidthPredictor.StreamPrediction p = predicted.get(i);
            SimScenario.Workload w = st.workload();
            out.println();
            out.println("stream " + w.name() + ": " + describe(w, names));
            out.println("  executed:  " + st.ios() + " I/Os, " + st.bytes() + " bytes, " + st.faults() + " faults, " + st.errors() + " errors, "
                    + st.fallbacks() + " fallbacks (staged through host memory)");
            out.println("  data:      " + st.verified() + " I/Os verified, " + st.mismatches() + " mismatches");
            out.println("  kernel:    " + st.mapType() + ", path " + String.join(" -> ", st.path()) + "; DMA addresses: " + st.dma());
            if (st.wrapBytes() > 0) {
                out.println("  namespace: each job cycles through its own " + size(st.wrapBytes()) + " of " + named(w.nvme(), names)
                        + "'s 16 MiB in-memory namespace (offsets wrap)");
            }
            st.firstError().ifPresent(e -> out.println("  first error: " + e));
            out.println("  predicted p2p:    " + figures(p.p2p()));
            out.println("  predicted bounce: " + figures(p.bounce()));
            out.println("  winner: " + p.winner());
        }
        out.println();
        out.println("Each job is one worker issuing its I/Os one after another through one I/O-sized buffer; queue depth goes to the prediction only.");
    }

    private static void compareTable(SimScenario s, List<BandwidthPredictor.StreamPrediction> predicted, PrintWriter out) {
        int nameWidth = Math.max(6, s.workloads().stream().mapToInt(w -> w.name().length()).max().orElse(6));
        String row = "%-" + nameWidth + "s  %-6s  %8s  %10s  %-16s  %-6s  %s";
        out.println();
        out.println(String.format(Locale.ROOT, row, "stream", "path", "GB/s", "latency_us", "map type", "winner", "bottleneck"));
        for (BandwidthPredictor.StreamPrediction p : predicted) {
            for (boolean p2p : new boolean[] {true, false}) {
                BandwidthPredictor.PathPrediction x = p2p ? p.p2p() : p.bounce();
                boolean won = p.winner().equals(p2p ? "p2p" : "bounce");
                out.println(String.format(Locale.ROOT, row, p2p ? p.stream().name() : "", p2p ? "p2p" : "bounce", String.format(Locale.ROOT, "%.2f", x.gbps()),
                        String.format(Locale.ROOT, "%.1f", x.latencyUs()), p2p ? x.mapType().name() : "(avoided)", won ? "*" : "", x.bottleneck()));
            }
        }
        out.println();
        out.println("Predicted by the bandwidth model (README 'The bandwidth model'); * marks the faster path (bounce also when P2P is NOT_SUPPORTED).");
    }

    private static Map<String, Object> path(BandwidthPredictor.PathPrediction p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gbps", Math.round(p.gbps() * 1000) / 1000.0);
        m.put("latency_us", Math.round(p.latencyUs() * 1000) / 1000.0);
        m.put("bottleneck", p.bottleneck());
        m.put("map_type", p.mapType().name());
        m.put("path", p.path());
        return m;
    }

    private static Map<String, Object> json(SimScenario s, LoadedMachine loaded, SimRunner.Result r, List<BandwidthPredictor.StreamPrediction> predicted) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        doc.put("scenario", s.file());
        doc.put("source", loaded.topology().machine().source());
        doc.put("executed", r != null);
        if (r != null) {
            doc.put("dma_setup", r.dmaSetup());
        }
        List<Object> streams = new ArrayList<>();
        for (int i = 0; i < predicted.size(); i++) {
            BandwidthPredictor.StreamPrediction p = predicted.get(i);
            SimScenario.Workload w = s.workloads().get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", w.name());
            m.put("kind", w.kind().name().toLowerCase(Locale.ROOT));
            m.put("from", w.from().toString());
            m.put("to", w.to().toString());
            m.put("both_ways", w.bothWays());
            m.put("size", w.sizeBytes());
            m.put("io_size", w.ioSizeBytes());
            m.put("queue_depth", w.queueDepth());
            m.put("jobs", w.jobs());
            if (r != null) {
                SimRunner.StreamResult st = r.streams().get(i);
                m.put("ios", st.ios());
                m.put("bytes", st.bytes());
                m.put("faults", st.faults());
                m.put("errors", st.errors());
                m.put("verified", st.verified());
                m.put("mismatches", st.mismatches());
                m.put("map_type", st.mapType().name());
                m.put("path", st.path());
                m.put("dma", st.dma());
                m.put("fallbacks", st.fallbacks());
                m.put("first_error", st.firstError().orElse(null));
                m.put("namespace_wrap_bytes", st.wrapBytes());
            }
            m.put("p2p", path(p.p2p()));
            m.put("bounce", path(p.bounce()));
            m.put("winner", p.winner());
            streams.add(m);
        }
        doc.put("streams", streams);
        return doc;
    }
}
