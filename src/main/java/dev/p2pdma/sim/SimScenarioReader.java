package dev.p2pdma.sim;

import dev.p2pdma.doc.DocNode;
import dev.p2pdma.doc.DocReader;
import dev.p2pdma.doc.DocumentException;
import dev.p2pdma.doc.DocumentSyntax;
import dev.p2pdma.doc.Texts;
import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.io.ImportException;
import dev.p2pdma.pci.io.InputFiles;
import dev.p2pdma.pci.io.PciAddressField;
import dev.p2pdma.pci.io.TopologyFileReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code p2pdma simulate} scenario file (YAML or JSON; format in README "Simulating
 * workloads") strictly, through the one document reader ({@link DocReader}): an unknown key, a
 * missing one, a value of the wrong shape, an impossible size (an I/O size that is not whole
 * 512-byte blocks, a size that is not whole I/Os, a BAR that is not a power of two), a device name
 * used twice or a workload naming a device that is neither a scenario device nor a PCI address
 * each give one {@link ImportException} line naming the file, the line and the key. Whether ports
 * and devices exist in the machine is checked when the machine is built ({@link SimMachine}).
 * Stateless; thread-safe.
 */
public final class SimScenarioReader {

    /** What a scenario file is, for messages about a file that is not one. */
    private static final String KIND = "p2pdma simulate scenario";
    /** Top-level fields. */
    private static final Set<String> TOP = Set.of("machine", "iommu", "devices", "workloads");
    /** Fields of {@code machine}. */
    private static final Set<String> MACHINE = Set.of("sysfs", "hwloc", "lspci", "topology", "inline", "kernel_params", "cpu");
    /** The machine sources, one of which must be given. */
    private static final List<String> SOURCES = List.of("sysfs", "hwloc", "lspci", "topology", "inline");
    /** Fields of a device. */
    private static final Set<String> DEVICE = Set.of("name", "kind", "address", "port", "cmb", "bar", "link");
    /** Fields of a workload. */
    private static final Set<String> WORKLOAD = Set.of("name", "read", "write", "copy", "size", "io_size", "queue_depth", "jobs");
    /** The kinds of workload: the one of these keys a workload has. */
    private static final List<String> WORKLOAD_KINDS = List.of("read", "write", "copy");
    /** Fields of a read or write. */
    private static final Set<String> TRANSFER = Set.of("from", "to");
    /** Fields of a copy. */
    private static final Set<String> COPY = Set.of("from", "to", "both_ways", "dma_map");
    /** The IOMMU modes, as written. */
    private static final List<String> IOMMU_MODES = List.of("off", "identity", "strict", "lazy");
    /** A link as written: {@code 16 GT/s x4}. */
    private static final Pattern LINK = Pattern.compile("(2\\.5|5|8|16|32|64) GT/s x(1|2|4|8|12|16|32)");
    /** A device name: a word that cannot be taken for a PCI address. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,31}");
    /** Bytes of one logical block: O_DIRECT alignment. */
    static final long BLOCK_BYTES = 512;
    /** Largest I/O: 8 MiB (half of the process's RAM buffer, which holds the bounce staging). */
    static final long MAX_IO_BYTES = 8L << 20;
    /** Smallest p2pmem window: 2 MiB, as memremap_pages() maps whole 2 MiB subsections on x86-64 (else -EINVAL). */
    static final long MIN_P2PMEM_BYTES = 2L << 20;
    /** Largest p2pmem window: 64 GiB. */
    static final long MAX_P2PMEM_BYTES = 64L << 30;
    /** Most I/Os one direction of a workload may have: 10^9. */
    static final long MAX_IOS = 1_000_000_000L;
    /** Most jobs of one workload. */
    static final int MAX_JOBS = 64;
    /** The default I/O size: 128 KiB. */
    static final long DEFAULT_IO_BYTES = 128L << 10;
    /** The default queue depth. */
    static final int DEFAULT_QUEUE_DEPTH = 32;

    private SimScenarioReader() {
    }

    /** Reads and checks a scenario file. */
    public static SimScenario read(Path file) throws ImportException {
        byte[] content = InputFiles.readSmallFile(file, "scenario file", 16 << 20);
        String text;
        try {
            text = reader(file.toString()).text(content);
        } catch (DocumentException e) {
            throw new ImportException(e.getMessage(), e);
        }
        Path parent = file.getParent();
        return read(text, file.toString(), parent == null ? Path.of("") : parent);
    }

    /** Reads a scenario from text; relative paths resolve against {@code base}. */
    public static SimScenario read(String text, String fileName, Path base) throws ImportException {
        DocReader r = reader(fileName);
        try {
            DocumentSyntax syntax = fileName.endsWith(".json") ? DocumentSyntax.JSON : DocumentSyntax.YAML;
            DocNode.Mapping top = r.document(r.parse(text, syntax), TOP);
            r.allowOnly(top, TOP, "the scenario");
            DocNode.Mapping machine = r.mapping(r.required(top, "machine", "the scenario"), "the scenario");
            r.allowOnly(machine, MACHINE, "machine");
            SimScenario.MachineSource source = source(r, machine, fileName, base);
            List<String> params = MapScenarioReader.kernelParams(r, machine, "machine");
            Optional<String> cpu = MapScenarioReader.cpu(r, machine, "machine");
            Optional<IommuMode> iommu = Optional.empty();
            Optional<DocNode.Field> io = r.optional(top, "iommu");
            if (io.isPresent()) {
                iommu = Optional.of(switch (r.choice(io.get(), "the scenario", IOMMU_MODES)) {
                    case "off" -> IommuMode.OFF;
                    case "identity" -> IommuMode.IDENTITY;
                    case "strict" -> IommuMode.STRICT;
                    default -> IommuMode.LAZY;
                });
            }
            List<SimScenario.Device> devices = new ArrayList<>();
            Map<String, SimScenario.Device> byName = new HashMap<>();
            for (DocNode n : r.list(top, "devices", "the scenario")) {
                SimScenario.Device d = device(r, r.mapping(n, "a device"));
                SimScenario.Device before = byName.putIfAbsent(d.name(), d);
                if (before != null) {
                    throw r.error(d.line(), "device name " + Texts.quote(d.name()) + " is already used on line " + before.line());
                }
                for (SimScenario.Device o : devices) {
                    if (o.address().equals(d.address())) {
                        throw r.error(d.line(), "device " + d.name() + " has the address " + d.address() + " of device " + o.name() + " (line "
                                + o.line() + ")");
                    }
                }
                devices.add(d);
            }
            DocNode.Field wf = r.required(top, "workloads", "the scenario");
            List<SimScenario.Workload> workloads = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            for (DocNode n : r.list(top, "workloads", "the scenario")) {
                SimScenario.Workload w = workload(r, r.mapping(n, "a workload"), byName, workloads.size() + 1);
                Integer before = names.putIfAbsent(w.name(), w.line());
                if (before != null) {
                    throw r.error(w.line(), "workload name " + Texts.quote(w.name()) + " is already used on line " + before);
                }
                workloads.add(w);
            }
            if (workloads.isEmpty()) {
                throw r.error(wf, "the scenario", "must list at least one workload");
            }
            return new SimScenario(fileName, source, params, cpu, iommu, devices, workloads);
        } catch (DocumentException e) {
            throw new ImportException(e.getMessage(), e);
        }
    }

    /** The reader of one scenario file: sizes such as {@code 8GiB} are numbers. */
    private static DocReader reader(String fileName) {
        return new DocReader(fileName, KIND, DocReader.Numbers.INTEGERS_AND_SIZES);
    }

    private static SimScenario.MachineSource source(DocReader r, DocNode.Mapping m, String fileName, Path base) throws DocumentException {
        Optional<DocNode.Field> given = Optional.empty();
        for (String k : SOURCES) {
            Optional<DocNode.Field> f = r.optional(m, k);
            if (f.isPresent()) {
                if (given.isPresent()) {
                    throw r.error(f.get().line(), "machine names both " + given.get().name() + " and " + k + ": give one");
                }
                given = f;
            }
        }
        if (given.isEmpty()) {
            throw r.error(m.line(), "machine needs one of " + String.join(", ", SOURCES));
        }
        DocNode.Field f = given.get();
        if (f.name().equals("inline")) {
            DocNode.Mapping doc = r.mapping(f, "machine");
            try {
                return new SimScenario.InlineMachine(TopologyFileReader.decode(doc, fileName));
            } catch (ImportException e) {
                throw new DocumentException(e.getMessage());
            }
        }
        return new SimScenario.FileMachine(f.name(), base.resolve(r.string(f, "machine")).normalize());
    }

    private static SimScenario.Device device(DocReader r, DocNode.Mapping m) throws DocumentException {
        r.allowOnly(m, DEVICE, "a device");
        DocNode.Field nf = r.required(m, "name", "a device");
        String name = r.string(nf, "a device");
        if (!NAME.matcher(name).matches()) {
            throw r.error(nf, "a device", "must be a word of letters, digits, '-' and '_' starting with a letter (at most 32), got " + Texts.quote(name));
        }
        String ctx = "device " + name;
        SimScenario.DeviceKind kind = r.choice(r.required(m, "kind", ctx), ctx, List.of("nvme", "accelerator")).equals("nvme")
                ? SimScenario.DeviceKind.NVME : SimScenario.DeviceKind.ACCELERATOR;
        PciAddress address = PciAddressField.read(r, r.required(m, "address", ctx), ctx);
        PciAddress port = PciAddressField.read(r, r.required(m, "port", ctx), ctx);
        Optional<DocNode.Field> cmb = r.optional(m, "cmb");
        Optional<DocNode.Field> bar = r.optional(m, "bar");
        long p2pmem;
        if (kind == SimScenario.DeviceKind.NVME) {
            if (bar.isPresent()) {
                throw r.error(bar.get(), ctx, "is for accelerators; an NVMe controller's p2pmem is its 'cmb'");
            }
            p2pmem = cmb.isPresent() ? powerOfTwo(r, cmb.get(), ctx) : 0;
        } else {
            if (cmb.isPresent()) {
                throw r.error(cmb.get(), ctx, "is for NVMe controllers; an accelerator's p2pmem is its 'bar'");
            }
            p2pmem = powerOfTwo(r, r.required(m, "bar", ctx), ctx);
        }
        double gtps = 16;
        int width = kind == SimScenario.DeviceKind.NVME ? 4 : 16;
        Optional<DocNode.Field> link = r.optional(m, "link");
        if (link.isPresent()) {
            String t = r.string(link.get(), ctx).strip();
            Matcher lm = LINK.matcher(t);
            if (!lm.matches()) {
                throw r.error(link.get(), ctx, "must read like '16 GT/s x4' (2.5, 5, 8, 16, 32 or 64 GT/s; x1, x2, x4, x8, x12, x16 or x32), got "
                        + Texts.quote(t));
            }
            gtps = Double.parseDouble(lm.group(1));
            width = Integer.parseInt(lm.group(2));
        }
        return new SimScenario.Device(name, kind, address, port, p2pmem, gtps, width, m.line());
    }

    /** A BAR or CMB size: a power of two from 2 MiB (a subsection, which p2pmem registration needs) to 64 GiB. */
    private static long powerOfTwo(DocReader r, DocNode.Field f, String ctx) throws DocumentException {
        long v = r.number(f, ctx, MIN_P2PMEM_BYTES, MAX_P2PMEM_BYTES, DocReader.Notation.DECIMAL);
        if (Long.bitCount(v) != 1) {
            throw r.error(f, ctx, "is " + v + " bytes, not a power of two (a memory BAR's size is one)");
        }
        return v;
    }

    private static SimScenario.Workload workload(DocReader r, DocNode.Mapping m, Map<String, SimScenario.Device> devices, int index)
            throws DocumentException {
        r.allowOnly(m, WORKLOAD, "a workload");
        Optional<DocNode.Field> kindField = Optional.empty();
        for (String k : WORKLOAD_KINDS) {
            Optional<DocNode.Field> f = r.optional(m, k);
            if (f.isPresent()) {
                if (kindField.isPresent()) {
                    throw r.error(f.get().line(), "a workload is one of read, write or copy; this one gives both " + kindField.get().name() + " and " + k);
                }
                kindField = f;
            }
        }
        if (kindField.isEmpty()) {
            throw r.error(m.line(), "a workload needs one of read, write or copy");
        }
        SimScenario.Kind kind = SimScenario.Kind.valueOf(kindField.get().name().toUpperCase(Locale.ROOT));
        String name = r.optional(m, "name").isPresent() ? r.string(r.optional(m, "name").get(), "a workload")
                : kindField.get().name() + "-" + index;
        if (name.isBlank() || name.length() > 64 || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw r.error(r.optional(m, "name").get(), "a workload", "must be 1 to 64 printable characters");
        }
        String ctx = "workload " + name;
        DocNode.Mapping body = r.mapping(kindField.get(), ctx);
        r.allowOnly(body, kind == SimScenario.Kind.COPY ? COPY : TRANSFER, ctx + " (" + kindField.get().name() + ")");
        DocNode.Field fromField = r.required(body, "from", ctx);
        DocNode.Field toField = r.required(body, "to", ctx);
        PciAddress from = reference(r, fromField, ctx, devices);
        PciAddress to = reference(r, toField, ctx, devices);
        if (from.equals(to)) {
            throw r.error(toField, ctx, "is the device the data comes from: a stream needs two devices");
        }
        switch (kind) {
            case READ -> {
                requireKind(r, fromField, ctx, devices, SimScenario.DeviceKind.NVME, "an NVMe controller to read from");
                requireP2pmem(r, toField, ctx, devices);
            }
            case WRITE -> {
                requireP2pmem(r, fromField, ctx, devices);
                requireKind(r, toField, ctx, devices, SimScenario.DeviceKind.NVME, "an NVMe controller to write to");
            }
            case COPY -> {
                requireP2pmem(r, fromField, ctx, devices);
                requireP2pmem(r, toField, ctx, devices);
            }
        }
        boolean bothWays = r.optional(body, "both_ways").isPresent() && r.bool(r.optional(body, "both_ways").get(), ctx);
        boolean dmaMap = r.optional(body, "dma_map").isEmpty() || r.bool(r.optional(body, "dma_map").get(), ctx);
        Optional<DocNode.Field> ioField = r.optional(m, "io_size");
        long io = ioField.isPresent() ? r.number(ioField.get(), ctx, BLOCK_BYTES, MAX_IO_BYTES, DocReader.Notation.DECIMAL) : DEFAULT_IO_BYTES;
        if (io % BLOCK_BYTES != 0) {
            throw r.error(ioField.get(), ctx, "is " + io + " bytes, not whole 512-byte blocks (O_DIRECT needs them)");
        }
        DocNode.Field sizeField = r.required(m, "size", ctx);
        long size = r.number(sizeField, ctx, 1, Long.MAX_VALUE, DocReader.Notation.DECIMAL);
        if (size < io || size % io != 0) {
            throw r.error(sizeField, ctx, "is " + size + " bytes, not a whole number of I/Os of " + io + " bytes");
        }
        if (size / io > MAX_IOS) {
            throw r.error(sizeField, ctx, "makes " + size / io + " I/Os; at most " + MAX_IOS + " per workload");
        }
        int qd = r.optional(m, "queue_depth").isPresent()
                ? (int) r.number(r.optional(m, "queue_depth").get(), ctx, 1, 65535, DocReader.Notation.DECIMAL) : DEFAULT_QUEUE_DEPTH;
        Optional<DocNode.Field> jobsField = r.optional(m, "jobs");
        int jobs = jobsField.isPresent() ? (int) r.number(jobsField.get(), ctx, 1, MAX_JOBS, DocReader.Notation.DECIMAL) : 1;
        if (jobs > size / io) {
            throw r.error(jobsField.get(), ctx, "is " + jobs + ", more than the " + size / io + " I/Os to share between them");
        }
        return new SimScenario.Workload(name, kind, from, to, bothWays, dmaMap, size, io, qd, jobs, m.line());
    }

    /** A device named by a scenario device's name or by its PCI address. */
    private static PciAddress reference(DocReader r, DocNode.Field f, String ctx, Map<String, SimScenario.Device> devices) throws DocumentException {
        String t = r.string(f, ctx);
        SimScenario.Device d = devices.get(t);
        if (d != null) {
            return d.address();
        }
        Optional<PciAddress> a = PciAddress.tryParse(t);
        if (a.isEmpty()) {
            throw r.error(f, ctx, "names " + Texts.quote(t) + ", which is neither a device of the scenario"
                    + (devices.isEmpty() ? "" : " (" + String.join(", ", devices.keySet().stream().sorted().toList()) + ")")
                    + " nor a PCI address");
        }
        return a.get();
    }

    private static void requireKind(DocReader r, DocNode.Field f, String ctx, Map<String, SimScenario.Device> devices, SimScenario.DeviceKind kind,
                                    String what) throws DocumentException {
        SimScenario.Device d = devices.get(r.string(f, ctx));
        if (d != null && d.kind() != kind) {
            throw r.error(f, ctx, "names " + d.name() + ", a " + d.kind().name().toLowerCase(Locale.ROOT) + ", not " + what);
        }
    }

    private static void requireP2pmem(DocReader r, DocNode.Field f, String ctx, Map<String, SimScenario.Device> devices) throws DocumentException {
        SimScenario.Device d = devices.get(r.string(f, ctx));
        if (d != null && d.p2pmemBytes() == 0) {
            throw r.error(f, ctx, "names " + d.name() + ", an NVMe controller without a CMB: it has no p2pmem (give it 'cmb: 64MiB')");
        }
    }
}
