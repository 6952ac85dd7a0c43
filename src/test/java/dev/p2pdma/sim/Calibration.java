package dev.p2pdma.sim;

import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.pci.PciAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The calibration rows of {@code examples/calibration/streams.yaml}, each run through the
 * {@link BandwidthModel} with the default parameters, and the README table made of them. Used by
 * {@link CalibrationTest}; not thread-safe (tests only).
 */
final class Calibration {

    /** The folder of the calibration machines and streams. */
    static final Path FOLDER = Path.of("examples/calibration");
    /** How far a steady-state bandwidth row may be from the published figure. */
    static final double BOUND = 0.25;

    private Calibration() {
    }

    /**
     * One row: the published figure and the model's.
     *
     * @param name       the setup
     * @param compare    which figure of the prediction is compared
     * @param published  the published value (GB/s or µs)
     * @param publishedText the published figure as its source gives it
     * @param source     where it was published
     * @param steady     whether it is a steady-state bandwidth row (the 25 % bound applies)
     * @param explained  why the row is outside the bound, when it is allowed to be
     * @param predicted  the model's value
     * @param bottleneck the model's bottleneck for the compared path
     */
    record Row(String name, String compare, double published, String publishedText, String source, boolean steady,
               Optional<String> explained, double predicted, String bottleneck) {
        /** predicted / published. */
        double ratio() {
            return predicted / published;
        }

        /** Whether the ratio is within the bound. */
        boolean within() {
            return Math.abs(ratio() - 1) <= BOUND;
        }
    }

    /** Every row of streams.yaml, predicted. */
    static List<Row> rows() throws Exception {
        JsonNode all = new YAMLMapper().readTree(java.nio.file.Files.readString(FOLDER.resolve("streams.yaml")));
        List<Row> rows = new ArrayList<>();
        for (JsonNode n : all) {
            LoadedMachine m = machine(n.get("machine").asString());
            PciAddress from = PciAddress.parse(n.get("from").asString());
            PciAddress to = PciAddress.parse(n.get("to").asString());
            PciAddress initiator = n.get("initiator").asString().equals("from") ? from : to;
            BandwidthPredictor.Stream s = new BandwidthPredictor.Stream(n.get("name").asString(), from, to, initiator,
                    n.get("io_size").asLong(), n.get("queue_depth").asInt(), n.get("jobs").asInt(), n.get("both_ways").asBoolean());
            BandwidthPredictor.StreamPrediction p = new BandwidthModel(m, BandwidthParameters.DEFAULTS).predict(List.of(s)).get(0);
            String compare = n.get("compare").asString();
            BandwidthPredictor.PathPrediction path = compare.startsWith("p2p") ? p.p2p() : p.bounce();
            double value = switch (compare) {
                case "p2p_gbps", "bounce_gbps" -> path.gbps();
                case "p2p_bi_gbps", "bounce_bi_gbps" -> 2 * path.gbps();
                case "p2p_latency_us", "bounce_latency_us" -> path.latencyUs();
                default -> throw new IllegalArgumentException("unknown compare: " + compare);
            };
            rows.add(new Row(s.name(), compare, n.get("published").asDouble(), n.get("published_text").asString(),
                    n.get("source").asString(), n.get("steady").asBoolean(),
                    n.hasNonNull("explained") ? Optional.of(n.get("explained").asString()) : Optional.empty(), value, path.bottleneck()));
        }
        return rows;
    }

    /** A calibration machine, booted as the CLI boots a topology file. */
    static LoadedMachine machine(String file) throws IOException {
        try {
            return LoadedMachine.load(LoadedMachine.SourceKind.TOPOLOGY, FOLDER.resolve(file), List.of(), Optional.empty(),
                    UnknownAcsPolicy.NO_REDIRECT);
        } catch (dev.p2pdma.pci.io.ImportException e) {
            throw new IOException(e);
        }
    }

    /** The README table: setup, published, model, ratio, and the bound or the explanation. */
    static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| setup | compared | published | model | model / published | note |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            String unit = r.compare().endsWith("_us") ? " µs" : " GB/s";
            String note = r.explained().isPresent() ? "outside 25 %: see below" : "within 25 %";
            b.append(String.format(Locale.ROOT, "| %s | %s | %s%s (%s) | %s%s | %.2f | %s |%n", r.name(), r.compare().replace('_', ' '),
                    r.publishedText(), "", r.source(), fmt(r.predicted()), unit, r.ratio(), note));
        }
        return b.toString();
    }

    private static String fmt(double v) {
        return v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
