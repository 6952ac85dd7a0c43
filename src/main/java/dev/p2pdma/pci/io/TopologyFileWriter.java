package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;
import tools.jackson.dataformat.yaml.util.StringQuotingChecker;

/**
 * Writes a {@link PciTopology} as a p2pdma topology file ({@code p2pdma-topology/1}, described in
 * {@code docs/topology-format.md}), YAML or JSON. {@link TopologyFileReader} reads every file this
 * writes back to an equal topology.
 *
 * <p>Devices are nested as the tree is: each host bridge lists the functions on its root bus, and
 * each bridge lists the functions on its secondary bus under {@code children}, in address order.
 * Register values are written as {@code "0x..."} hex strings, counts and sizes in bytes as decimal
 * numbers; unknown and default values are left out.
 *
 * <p>Stateless and thread-safe.
 */
public final class TopologyFileWriter {

    /** The first line of every YAML file. */
    static final String YAML_HEADER = "# p2pdma topology file (" + TopologyFileFormat.DOCUMENT_VERSION
            + "): see docs/topology-format.md\n";

    /** Block-style YAML, quoting only what a YAML 1.1 or 1.2 reader could take for a non-string. */
    private static final ObjectMapper YAML_OUT = YAMLMapper.builder(YAMLFactory.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .disable(YAMLWriteFeature.SPLIT_LINES)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .enable(YAMLWriteFeature.INDENT_ARRAYS_WITH_INDICATOR)
            .stringQuotingChecker(new PortableQuoting())
            .build()).build();

    /** Indented JSON. */
    private static final ObjectMapper JSON_OUT = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /** Builds the tree. */
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TopologyFileWriter() {
    }

    /**
     * The file's text.
     *
     * @throws IllegalArgumentException when a value cannot be written (an I/O BAR marked 64-bit)
     */
    public static String render(PciTopology topology, TopologyFileFormat format) {
        ObjectNode doc = document(topology);
        if (format == TopologyFileFormat.JSON) {
            return JSON_OUT.writeValueAsString(doc) + "\n";
        }
        return YAML_HEADER + YAML_OUT.writeValueAsString(doc);
    }

    /** Writes the file's text to {@code out} in UTF-8 (and leaves it open). */
    public static void write(PciTopology topology, TopologyFileFormat format, OutputStream out) throws IOException {
        out.write(render(topology, format).getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * Writes a file, in the syntax its extension names.
     *
     * @throws IllegalArgumentException when the name does not end in {@code .yaml}, {@code .yml} or {@code .json}
     */
    public static void write(PciTopology topology, Path file) throws IOException {
        TopologyFileFormat format = TopologyFileFormat.ofFileName(String.valueOf(file.getFileName())).orElseThrow(
                () -> new IllegalArgumentException("topology file name must end in .yaml, .yml or .json: " + file));
        Files.writeString(file, render(topology, format), StandardCharsets.UTF_8);
    }

    /** The document tree. */
    static ObjectNode document(PciTopology t) {
        ObjectNode doc = NODES.objectNode();
        doc.put("format", TopologyFileFormat.DOCUMENT_VERSION);
        ObjectNode machine = machine(t.machine());
        if (!machine.isEmpty()) {
            doc.set("machine", machine);
        }
        ArrayNode bridges = doc.putArray("host_bridges");
        for (int h = 0; h < t.hostBridges().size(); h++) {
            ObjectNode hb = bridges.addObject();
            hb.put("name", t.hostBridges().get(h).name());
            int[] roots = t.rootChildren(h);
            if (roots.length > 0) {
                ArrayNode devices = hb.putArray("devices");
                for (int i : roots) {
                    devices.add(device(t, i));
                }
            }
        }
        return doc;
    }

    private static ObjectNode machine(MachineInfo m) {
        ObjectNode o = NODES.objectNode();
        if (!m.source().isEmpty()) {
            o.put("source", m.source());
        }
        m.cpu().ifPresent(c -> {
            ObjectNode cpu = o.putObject("cpu");
            cpu.put("vendor", c.vendor());
            cpu.put("family", "0x" + Integer.toHexString(c.family()));
            if (!c.modelName().isEmpty()) {
                cpu.put("model_name", c.modelName());
            }
        });
        m.cmdline().ifPresent(c -> o.put("cmdline", c));
        m.kernelRelease().ifPresent(k -> o.put("kernel", k));
        m.iommuActive().ifPresent(a -> o.put("iommu", a ? "on" : "off"));
        if (!m.iommuGroups().isEmpty()) {
            ObjectNode groups = o.putObject("iommu_groups");
            for (Map.Entry<Integer, List<PciAddress>> e : m.iommuGroups().entrySet()) {
                ArrayNode members = groups.putArray(Integer.toString(e.getKey()));
                e.getValue().forEach(a -> members.add(a.toString()));
            }
        }
        m.platform().cpuHypervisorFlag().ifPresent(f -> o.put("hypervisor_flag", f));
        if (!m.platform().dmi().isEmpty()) {
            ObjectNode dmi = o.putObject("dmi");
            m.platform().dmi().forEach(dmi::put);
        }
        m.platform().kernelConfig().ifPresent(k -> {
            ObjectNode kc = o.putObject("kernel_config");
            kc.put("source", k.source());
            kc.put("pci_p2pdma", k.pciP2pdma());
        });
        if (!m.notes().isEmpty()) {
            ArrayNode notes = o.putArray("notes");
            m.notes().forEach(notes::add);
        }
        return o;
    }

    private static ObjectNode device(PciTopology t, int index) {
        PciFunction f = t.function(index);
        ObjectNode o = NODES.objectNode();
        o.put("address", f.address().toString());
        o.put("id", String.format("%04x:%04x", f.vendorId(), f.deviceId()));
        if (f.subsystemVendorId().isPresent() && f.subsystemDeviceId().isPresent()) {
            o.put("subsystem", String.format("%04x:%04x", f.subsystemVendorId().getAsInt(), f.subsystemDeviceId().getAsInt()));
        }
        o.put("class", hex(f.classCode(), 6));
        f.revision().ifPresent(r -> o.put("revision", hex(r, 2)));
        f.headerType().ifPresent(h -> o.put("header_type", hex(h, 2)));
        if (f.portType() != PortType.UNKNOWN) {
            o.put("port", portName(f.portType()));
        }
        f.description().ifPresent(d -> o.put("description", d));
        f.driver().ifPresent(d -> o.put("driver", d));
        f.numaNode().ifPresent(n -> o.put("numa_node", n));
        f.iommuGroup().ifPresent(g -> o.put("iommu_group", g));
        f.busRange().ifPresent(r -> {
            o.put("secondary_bus", hex(r.secondary(), 2));
            o.put("subordinate_bus", hex(r.subordinate(), 2));
        });
        if (!f.link().isUnknown()) {
            ObjectNode link = o.putObject("link");
            LinkInfo l = f.link();
            LinkText.Part max = new LinkText.Part(l.maxSpeedGtps(), l.maxWidth());
            LinkText.Part cur = new LinkText.Part(l.currentSpeedGtps(), l.currentWidth());
            if (!max.isUnknown()) {
                link.put("max", LinkText.format(max));
            }
            if (!cur.isUnknown()) {
                link.put("current", LinkText.format(cur));
            }
        }
        f.maxPayloadBytes().ifPresent(v -> o.put("max_payload", v));
        f.maxReadRequestBytes().ifPresent(v -> o.put("max_read_request", v));
        if (!f.acs().equals(TopologyFileReader.DEFAULT_ACS)) {
            switch (f.acs()) {
                case AcsState.Present p -> {
                    ObjectNode acs = o.putObject("acs");
                    acs.put("cap", hex(p.capabilityBits(), 4));
                    acs.put("ctrl", hex(p.controlBits(), 4));
                }
                case AcsState.Absent a -> o.put("acs", "absent");
                case AcsState.Unreadable u -> {
                    ObjectNode acs = o.putObject("acs");
                    acs.put("cap", hex(u.capabilityBits(), 4));
                    acs.put("unreadable", u.reason());
                }
                case AcsState.Unknown u -> o.putObject("acs").put("unknown", u.reason());
            }
        }
        f.physfn().ifPresent(pf -> o.put("physfn", pf.toString()));
        if (!f.virtfns().isEmpty()) {
            ArrayNode vfs = o.putArray("virtfns");
            f.virtfns().forEach(v -> vfs.add(v.toString()));
        }
        f.p2pmem().ifPresent(p -> {
            ObjectNode pm = o.putObject("p2pmem");
            pm.put("size", p.sizeBytes());
            pm.put("available", p.availableBytes());
            pm.put("published", p.published());
        });
        if (!f.bars().isEmpty()) {
            ArrayNode bars = o.putArray("bars");
            for (Bar b : f.bars()) {
                bars.add(bar(f, b));
            }
        }
        if (!f.problems().isEmpty()) {
            ArrayNode problems = o.putArray("problems");
            f.problems().forEach(problems::add);
        }
        if (f.configLength() > 0) {
            ObjectNode config = o.putObject("config");
            config.put("length", f.configLength());
            ArrayNode rows = config.putArray("rows");
            ConfigRows.encode(f.config()).forEach(rows::add);
        }
        int[] kids = t.children(index);
        if (kids.length > 0) {
            ArrayNode children = o.putArray("children");
            for (int k : kids) {
                children.add(device(t, k));
            }
        }
        return o;
    }

    private static ObjectNode bar(PciFunction f, Bar b) {
        if (!b.memory() && b.is64Bit()) {
            throw new IllegalArgumentException(f.address() + ": BAR " + b.index() + " is an I/O BAR marked 64-bit: a topology file cannot say that");
        }
        ObjectNode o = NODES.objectNode();
        o.put("index", b.index());
        o.put("type", !b.memory() ? "io" : b.is64Bit() ? "mem64" : "mem32");
        o.put("address", "0x" + Long.toHexString(b.cpuAddress()));
        o.put("size", "0x" + Long.toHexString(b.sizeBytes()));
        if (b.prefetchable()) {
            o.put("prefetchable", true);
        }
        return o;
    }

    /** The file's name of a port type: the enum constant in lower case, {@code root_port}. */
    static String portName(PortType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    private static String hex(int value, int digits) {
        return String.format("0x%0" + digits + "x", value);
    }

    /**
     * Quotes, besides what YAML itself needs, every value that a YAML 1.1 reader could take for a
     * number, a time or a boolean (anything starting with a digit, a sign or a dot, and the words
     * yes/no/on/off/y/n), so the file means the same to every YAML tool.
     */
    private static final class PortableQuoting extends StringQuotingChecker {

        /** Serialization version (Jackson's checker is serializable). */
        private static final long serialVersionUID = 1L;

        /** Jackson's own rules, which we extend. */
        private final StringQuotingChecker base = StringQuotingChecker.Default.instance();

        @Override
        public boolean needToQuoteName(String name) {
            return base.needToQuoteName(name) || looksLikeNonString(name);
        }

        @Override
        public boolean needToQuoteValue(String value) {
            return base.needToQuoteValue(value) || looksLikeNonString(value);
        }

        private static boolean looksLikeNonString(String s) {
            if (s.isEmpty()) {
                return true;
            }
            char c = s.charAt(0);
            if (Character.isDigit(c) || c == '-' || c == '+' || c == '.' || c == '~') {
                return true;
            }
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "y", "n", "yes", "no", "on", "off", "true", "false", "null" -> true;
                default -> false;
            };
        }
    }
}
