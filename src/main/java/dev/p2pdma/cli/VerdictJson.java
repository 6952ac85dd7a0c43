package dev.p2pdma.cli;

import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.runtime.RuntimeDecision;
import dev.p2pdma.runtime.RuntimeVerdicts;
import java.io.Writer;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON output of verdicts, streamed: {@code {"format", ..., "pairs": [{"provider", "client",
 * "map_type", "distance", "path", "reasons", ...}]}} plus the machine facts and assumptions (and,
 * for the matrix, the selection). Verdicts are built one at a time as they are written, so a
 * matrix of any size is written in memory linear in its endpoints. Stateless and thread-safe.
 */
final class VerdictJson {

    /** The mapper that makes generators. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private VerdictJson() {
    }

    /** The first field of the matrix JSON. */
    static final String MATRIX_FORMAT = "p2pdma-matrix/1";
    /** The first field of the explain JSON. */
    static final String EXPLAIN_FORMAT = "p2pdma-explain/1";
    /** Pairs serialised to estimate the size of a matrix JSON. */
    private static final int SAMPLE_PAIRS = 32;

    /** Streams the matrix: each pair's verdict is built, written and dropped in turn. */
    static void writeMatrix(LoadedMachine a, RuntimeVerdicts rt, P2pMatrix m, MatrixSelection s, Writer w) {
        try (JsonGenerator g = MAPPER.writerWithDefaultPrettyPrinter().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringProperty("format", MATRIX_FORMAT);
            writeMachine(a, g);
            g.writeName("selection");
            g.writeStartObject();
            strings(g, "providers", s.providerFlags());
            strings(g, "clients", s.clientFlags());
            strings(g, "classes", s.classes().stream().map(DeviceClass::flagName).toList());
            g.writeNumberProperty("rows", m.rows());
            g.writeNumberProperty("columns", m.columns());
            g.writeEndObject();
            g.writeName("pairs");
            g.writeStartArray();
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.columns(); j++) {
                    P2pVerdict v = m.verdict(i, j);
                    writeVerdict(v, rt.decide(m.provider(i), m.client(j), v.mapType()), g);
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    /**
     * An estimate of the matrix JSON's size in bytes: the mean size of up to
     * {@value #SAMPLE_PAIRS} pairs spread over the matrix, times the number of pairs.
     */
    static long estimateMatrixBytes(RuntimeVerdicts rt, P2pMatrix m) {
        if (m.pairCount() == 0) {
            return 0;
        }
        long sampled = 0;
        int n = (int) Math.min(SAMPLE_PAIRS, m.pairCount());
        for (int k = 0; k < n; k++) {
            int i = (int) ((long) k * m.rows() / n);
            int j = (int) ((k * 7919L + i) % m.columns());
            java.io.StringWriter one = new java.io.StringWriter();
            try (JsonGenerator g = MAPPER.writerWithDefaultPrettyPrinter().createGenerator(one)) {
                P2pVerdict v = m.verdict(i, j);
                writeVerdict(v, rt.decide(m.provider(i), m.client(j), v.mapType()), g);
            }
            sampled += one.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 4;
        }
        return (long) ((double) sampled / n * m.pairCount());
    }

    /** A byte count for people: "512 KB", "1.4 TB" (powers of 1000). */
    static String humanBytes(long bytes) {
        String[] units = {"bytes", "KB", "MB", "GB", "TB", "PB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static void writeExplain(LoadedMachine a, List<List<RuntimeDecision>> runtimes, List<P2pVerdict> verdicts, int distanceMany, Writer w) {
        try (JsonGenerator g = MAPPER.writerWithDefaultPrettyPrinter().createGenerator(w)) {
            g.writeStartObject();
            g.writeStringProperty("format", EXPLAIN_FORMAT);
            writeMachine(a, g);
            g.writeNumberProperty("distance_many", distanceMany);
            g.writeName("pairs");
            g.writeStartArray();
            for (int k = 0; k < verdicts.size(); k++) {
                writeVerdict(verdicts.get(k), runtimes.get(k), g);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void writeMachine(LoadedMachine a, JsonGenerator g) {
        var m = a.topology().machine();
        g.writeStringProperty("source", m.source());
        m.cpu().ifPresent(c -> {
            g.writeName("captured_cpu");
            g.writeStartObject();
            g.writeStringProperty("vendor", c.vendor());
            g.writeNumberProperty("family", c.family());
            g.writeEndObject();
        });
        g.writeBooleanProperty("cpu_supports_p2pdma", a.decision().cpuSupportsP2pdma());
        g.writeStringProperty("kernel_version", a.decision().options().kernel().toString());
        g.writeStringProperty("kernel_version_from", a.kernelVersionText());
        m.cmdline().ifPresent(c -> g.writeStringProperty("cmdline", c));
        strings(g, "assumptions", a.assumptions());
        strings(g, "boot_log", a.bootLog());
    }

    private static void writeVerdict(P2pVerdict v, List<RuntimeDecision> runtimes, JsonGenerator g) {
        g.writeStartObject();
        g.writeStringProperty("provider", v.provider().toString());
        g.writeStringProperty("client", v.client().toString());
        g.writeStringProperty("map_type", v.mapType().name());
        g.writeNumberProperty("distance", v.distance());
        strings(g, "path", v.path());
        strings(g, "reasons", v.reasons());
        v.commonUpstream().ifPresent(c -> g.writeStringProperty("common_upstream", c.toString()));
        strings(g, "acs_redirecting", v.acsRedirecting().stream().map(PciAddress::toString).toList());
        strings(g, "kernel_log", v.kernelLog());
        if (!v.steps().isEmpty()) {
            strings(g, "steps", v.steps());
        }
        g.writeName("runtimes");
        g.writeStartObject();
        for (RuntimeDecision d : runtimes) {
            g.writeName(d.runtime().jsonKey());
            g.writeStartObject();
            g.writeStringProperty("outcome", d.outcome().jsonValue());
            g.writeStringProperty("decision", d.decision());
            g.writeStringProperty("reason", d.reason());
            d.disagreement().ifPresent(x -> g.writeStringProperty("differs_from_kernel", x));
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void strings(JsonGenerator g, String name, List<String> values) {
        g.writeName(name);
        g.writeStartArray();
        for (String s : values) {
            g.writeString(s);
        }
        g.writeEndArray();
    }
}
