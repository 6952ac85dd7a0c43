package dev.p2pdma.cli;

import dev.p2pdma.sim.LoadedMachine;
import dev.p2pdma.p2pdma.P2pMatrix;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.PciAddress;
import java.io.Writer;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON output of verdicts, streamed: {@code {"pairs": [{"provider", "client", "map_type",
 * "distance", "path", "reasons", ...}]}} plus the machine facts and assumptions.
 */
final class VerdictJson {

    /** The mapper that makes generators. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private VerdictJson() {
    }

    static void writeMatrix(LoadedMachine a, P2pMatrix m, Writer w) {
        try (JsonGenerator g = MAPPER.writerWithDefaultPrettyPrinter().createGenerator(w)) {
            g.writeStartObject();
            writeMachine(a, g);
            g.writeName("pairs");
            g.writeStartArray();
            for (int i = 0; i < m.size(); i++) {
                for (int j = 0; j < m.size(); j++) {
                    writeVerdict(m.verdict(i, j), g);
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    static void writeExplain(LoadedMachine a, List<P2pVerdict> verdicts, int distanceMany, Writer w) {
        try (JsonGenerator g = MAPPER.writerWithDefaultPrettyPrinter().createGenerator(w)) {
            g.writeStartObject();
            writeMachine(a, g);
            g.writeNumberProperty("distance_many", distanceMany);
            g.writeName("pairs");
            g.writeStartArray();
            for (P2pVerdict v : verdicts) {
                writeVerdict(v, g);
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
        m.cmdline().ifPresent(c -> g.writeStringProperty("cmdline", c));
        strings(g, "assumptions", a.assumptions());
        strings(g, "boot_log", a.bootLog());
    }

    private static void writeVerdict(P2pVerdict v, JsonGenerator g) {
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
