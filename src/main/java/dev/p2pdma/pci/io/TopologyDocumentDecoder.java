package dev.p2pdma.pci.io;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.p2pdma.doc.DocNode;
import dev.p2pdma.doc.DocReader;
import dev.p2pdma.doc.DocumentException;
import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.KernelConfig;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.PlatformFacts;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.pci.TopologyException;

/**
 * Turns the {@link DocNode} tree of one topology file into a {@link PciTopology} through the one
 * document reader ({@link DocReader}), checking every field's name, type and range and naming the
 * file, line and device in each error.
 *
 * <p>One instance per read; not thread-safe.
 */
final class TopologyDocumentDecoder {

    /** Fields of the document. */
    static final Set<String> DOCUMENT_FIELDS = Set.of("format", "machine", "host_bridges");
    /** Fields of {@code machine}. */
    static final Set<String> MACHINE_FIELDS = Set.of("source", "cpu", "cmdline", "kernel", "iommu", "iommu_groups", "notes",
            "hypervisor_flag", "dmi", "kernel_config");
    /** Fields of {@code machine.kernel_config}. */
    static final Set<String> KERNEL_CONFIG_FIELDS = Set.of("source", "pci_p2pdma");
    /** Fields of {@code machine.cpu}. */
    static final Set<String> CPU_FIELDS = Set.of("vendor", "family", "model_name");
    /** Fields of a host bridge. */
    static final Set<String> HOST_BRIDGE_FIELDS = Set.of("name", "devices");
    /** Fields of a device. */
    static final Set<String> DEVICE_FIELDS = Set.of("address", "id", "subsystem", "class", "revision", "header_type",
            "port", "description", "driver", "numa_node", "iommu_group", "secondary_bus", "subordinate_bus", "link",
            "max_payload", "max_read_request", "acs", "physfn", "virtfns", "p2pmem", "bars", "problems", "config", "children");
    /** Fields of {@code link}. */
    static final Set<String> LINK_FIELDS = Set.of("max", "current");
    /** Fields of a present {@code acs}. */
    static final Set<String> ACS_FIELDS = Set.of("cap", "ctrl");
    /** Fields of {@code p2pmem}. */
    static final Set<String> P2PMEM_FIELDS = Set.of("size", "available", "published");
    /** Fields of a BAR. */
    static final Set<String> BAR_FIELDS = Set.of("index", "type", "address", "size", "prefetchable");
    /** Fields of {@code config}. */
    static final Set<String> CONFIG_FIELDS = Set.of("length", "rows");
    /** A vendor:device pair in hex. */
    private static final Pattern ID_PAIR = Pattern.compile("([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})");
    /** A host bridge name, {@code pci0000:00} (the {@code pci} prefix may be left out). */
    private static final Pattern HOST_BRIDGE = Pattern.compile("(?:pci)?([0-9a-fA-F]{1,8}):([0-9a-fA-F]{1,2})");
    /** What a topology file is, for messages about a file that is not one. */
    private static final String KIND = TopologyFileFormat.DOCUMENT_VERSION + " topology file";

    /** Typed access to the file's fields. */
    private final DocReader r;
    /** Every device's line, by address; also finds duplicates. */
    private final Map<PciAddress, Integer> deviceLines = new HashMap<>();
    /** The functions in document order, with where they hang. */
    private final List<Placed> placed = new ArrayList<>();

    /**
     * A decoded function and its parent.
     *
     * @param function the function
     * @param parent   where the nesting put it
     * @param line     the line of its mapping
     */
    private record Placed(PciFunction function, Parent parent, int line) {
    }

    /**
     * What the nesting says a device's bus should be.
     *
     * @param parentName "bridge 0000:00:04.0" or "host bridge pci0000:00"
     * @param range      the bus range below that parent, empty when unknown
     * @param domain     the PCI domain of the parent
     * @param rootBus    true for a host bridge's root bus
     */
    private record Expected(String parentName, Optional<PciFunction.BusRange> range, int domain, boolean rootBus) {
    }

    /** A decoder for one read of {@code file}. */
    TopologyDocumentDecoder(String file) {
        this.r = new DocReader(file, KIND, DocReader.Numbers.INTEGERS);
    }

    /** Decodes the whole document. */
    PciTopology decode(DocNode root) throws DocumentException {
        if (!(root instanceof DocNode.Mapping doc)) {
            throw r.error(root.line(), "not a p2pdma topology file: the document is " + root.shape()
                    + ", expected a mapping starting with 'format: " + TopologyFileFormat.DOCUMENT_VERSION + "'");
        }
        checkFormat(doc);
        r.allowOnly(doc, DOCUMENT_FIELDS, "the document");
        MachineInfo machine = r.optional(doc, "machine").isPresent()
                ? machine(r.mapping(doc.fields().get("machine"), "the document"))
                : MachineInfo.unknown("");
        Map<HostBridge, Integer> bridgeLines = new LinkedHashMap<>();
        for (DocNode item : r.list(doc, "host_bridges", "the document")) {
            hostBridge(item, bridgeLines);
        }
        checkVirtualFunctions();
        PciTopology.Builder b = PciTopology.builder(withOverlapNotes(machine));
        bridgeLines.keySet().forEach(b::hostBridge);
        for (Placed p : placed) {
            b.add(p.function(), p.parent());
        }
        try {
            return b.build();
        } catch (TopologyException e) {
            String msg = String.valueOf(e.getMessage());
            int line = 0;
            int colon = msg.indexOf(": ");
            if (colon > 0) {
                Optional<PciAddress> a = PciAddress.tryParse(msg.substring(0, colon));
                line = a.map(deviceLines::get).orElse(0);
            }
            throw r.error(line, Texts.oneLine(msg));
        }
    }

    private void checkFormat(DocNode.Mapping doc) throws DocumentException {
        DocNode.Field f = doc.fields().get("format");
        String expected = "'format: " + TopologyFileFormat.DOCUMENT_VERSION + "'";
        if (f == null) {
            throw r.error(doc.line(), "not a p2pdma topology file: no 'format' field (expected " + expected + ")");
        }
        String v = f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.STRING ? s.text() : "";
        if (v.equals(TopologyFileFormat.DOCUMENT_VERSION)) {
            return;
        }
        if (v.startsWith(TopologyFileFormat.MARKER)) {
            throw r.error(f.line(), "unsupported topology format version " + Texts.quote(v) + ": this p2pdma reads "
                    + TopologyFileFormat.DOCUMENT_VERSION);
        }
        throw r.error(f.line(), "not a p2pdma topology file: 'format' is " + f.value().describe() + ", expected " + expected);
    }

    // ---------------------------------------------------------------- machine

    private MachineInfo machine(DocNode.Mapping m) throws DocumentException {
        String ctx = "machine";
        r.allowOnly(m, MACHINE_FIELDS, ctx);
        MachineInfo info = MachineInfo.unknown(r.optionalString(m, "source", ctx).orElse(""));
        if (r.optional(m, "cpu").isPresent()) {
            DocNode.Mapping c = r.mapping(m.fields().get("cpu"), ctx);
            r.allowOnly(c, CPU_FIELDS, "machine cpu");
            String vendor = r.string(r.required(c, "vendor", "machine cpu"), "machine cpu");
            int family = (int) requiredNumber(c, "family", "machine cpu", 0, CpuInfo.MAX_FAMILY, true);
            String model = r.optionalString(c, "model_name", "machine cpu").orElse("");
            info = info.withCpu(Optional.of(new CpuInfo(vendor, family, model)));
        }
        info = info.withCmdline(r.optionalString(m, "cmdline", ctx));
        info = info.withKernelRelease(r.optionalString(m, "kernel", ctx));
        Optional<Boolean> iommu = Optional.empty();
        Optional<DocNode.Field> io = r.optional(m, "iommu");
        if (io.isPresent()) {
            DocNode v = io.get().value();
            String text = v instanceof DocNode.Scalar s && (s.kind() == DocNode.ScalarKind.STRING || s.kind() == DocNode.ScalarKind.BOOLEAN)
                    ? s.text().toLowerCase(Locale.ROOT) : "";
            iommu = switch (text) {
                case "on", "true" -> Optional.of(true);
                case "off", "false" -> Optional.of(false);
                default -> throw r.error(io.get(), "machine", "must be 'on' or 'off', got " + v.describe());
            };
        }
        Map<Integer, List<PciAddress>> groups = new TreeMap<>();
        if (r.optional(m, "iommu_groups").isPresent()) {
            DocNode.Mapping g = r.mapping(m.fields().get("iommu_groups"), ctx);
            for (DocNode.Field f : g.fields().values()) {
                if (!f.name().matches("[0-9]{1,9}")) {
                    throw r.error(f.line(), "iommu group number must be a decimal number, got " + Texts.quote(f.name())
                            + " in machine iommu_groups");
                }
                List<PciAddress> members = new ArrayList<>();
                for (DocNode item : r.list(g, f.name(), "machine iommu_groups")) {
                    members.add(address(item, "member of iommu group " + f.name()));
                }
                groups.put(Integer.parseInt(f.name()), members);
            }
        }
        info = info.withIommu(iommu, groups);
        for (String note : r.strings(m, "notes", ctx)) {
            info = info.withNote(note);
        }
        return info.withPlatform(platform(m));
    }

    /** The optional platform facts of {@code machine}: hypervisor_flag, dmi, kernel_config (files before them still read). */
    private PlatformFacts platform(DocNode.Mapping m) throws DocumentException {
        String ctx = "machine";
        PlatformFacts p = PlatformFacts.UNKNOWN;
        Optional<DocNode.Field> flag = r.optional(m, "hypervisor_flag");
        if (flag.isPresent()) {
            p = p.withCpuHypervisorFlag(Optional.of(r.bool(flag.get(), ctx)));
        }
        if (r.optional(m, "dmi").isPresent()) {
            DocNode.Mapping d = r.mapping(m.fields().get("dmi"), ctx);
            Map<String, String> dmi = new TreeMap<>();
            for (DocNode.Field f : d.fields().values()) {
                dmi.put(f.name(), r.string(f, "machine dmi"));
            }
            p = p.withDmi(dmi);
        }
        if (r.optional(m, "kernel_config").isPresent()) {
            DocNode.Mapping k = r.mapping(m.fields().get("kernel_config"), ctx);
            r.allowOnly(k, KERNEL_CONFIG_FIELDS, "machine kernel_config");
            String source = r.optionalString(k, "source", "machine kernel_config").orElse("topology file");
            boolean built = r.bool(r.required(k, "pci_p2pdma", "machine kernel_config"), "machine kernel_config");
            p = p.withKernelConfig(Optional.of(new KernelConfig(source, built)));
        }
        return p;
    }

    // ---------------------------------------------------------------- host bridges and devices

    private void hostBridge(DocNode node, Map<HostBridge, Integer> bridgeLines) throws DocumentException {
        DocNode.Mapping m = r.mapping(node, "a host bridge entry");
        String where = "host bridge at line " + m.line();
        String early = r.optional(m, "name")
                .filter(f -> f.value() instanceof DocNode.Scalar s && HOST_BRIDGE.matcher(s.text().strip()).matches())
                .map(f -> "host bridge " + ((DocNode.Scalar) f.value()).text().strip()).orElse(where);
        r.allowOnly(m, HOST_BRIDGE_FIELDS, early);
        DocNode.Field nameField = r.required(m, "name", where);
        String name = r.string(nameField, where);
        Matcher mt = HOST_BRIDGE.matcher(name.strip());
        if (!mt.matches()) {
            throw r.error(nameField.line(), "malformed host bridge name " + Texts.quote(name) + " (expected pciDDDD:BB, e.g. pci0000:00)");
        }
        HostBridge hb = new HostBridge((int) Long.parseLong(mt.group(1), 16), Integer.parseInt(mt.group(2), 16));
        String ctx = "host bridge " + hb.name();
        Integer before = bridgeLines.putIfAbsent(hb, nameField.line());
        if (before != null) {
            throw r.error(nameField.line(), "duplicate " + ctx + ", first at line " + before);
        }
        Expected expected = new Expected(ctx, Optional.of(new PciFunction.BusRange(hb.rootBus(), hb.rootBus())), hb.domain(), true);
        for (DocNode item : r.list(m, "devices", ctx)) {
            device(item, new Parent.RootBus(hb), expected, ctx);
        }
    }

    private void device(DocNode node, Parent parent, Expected expected, String parentCtx) throws DocumentException {
        DocNode.Mapping m = r.mapping(node, "a device entry under " + parentCtx);
        // name the device in messages as soon as possible, even before its address is checked
        String early = r.optional(m, "address")
                .flatMap(f -> f.value() instanceof DocNode.Scalar s ? PciAddress.tryParse(s.text()) : Optional.empty())
                .map(a -> "device " + a).orElse("device at line " + m.line());
        r.allowOnly(m, DEVICE_FIELDS, early);
        DocNode.Field addressField = r.required(m, "address", "device at line " + m.line());
        PciAddress address = address(addressField.value(), "device at line " + m.line());
        String ctx = "device " + address;
        if (address.domain() != expected.domain()) {
            throw r.error(addressField.line(), ctx + " is in domain " + address.domainText() + " but nested below " + expected.parentName()
                    + " of domain " + new PciAddress(expected.domain(), 0, 0, 0).domainText());
        }
        Integer before = deviceLines.putIfAbsent(address, m.line());
        if (before != null) {
            throw r.error(addressField.line(), "duplicate " + ctx + ", first at line " + before);
        }
        PciFunction.Builder b = PciFunction.builder(address);
        DocNode.Field id = r.required(m, "id", ctx);
        int[] ids = idPair(id, ctx);
        b.ids(ids[0], ids[1]);
        Optional<DocNode.Field> sub = r.optional(m, "subsystem");
        if (sub.isPresent()) {
            int[] s = idPair(sub.get(), ctx);
            b.subsystem(s[0], s[1]);
        }
        b.classCode((int) requiredNumber(m, "class", ctx, 0, 0xffffff, true));
        optionalNumber(m, "revision", ctx, 0, 0xff, true).ifPresent(r -> b.revision(r.intValue()));
        optionalNumber(m, "header_type", ctx, 0, 0xff, true).ifPresent(h -> b.headerType(h.intValue()));
        Optional<DocNode.Field> port = r.optional(m, "port");
        if (port.isPresent()) {
            b.portType(portType(port.get(), ctx));
        }
        r.optionalString(m, "description", ctx).ifPresent(b::description);
        r.optionalString(m, "driver", ctx).ifPresent(b::driver);
        optionalNumber(m, "numa_node", ctx, -1, Integer.MAX_VALUE, false).ifPresent(n -> b.numaNode(n.intValue()));
        optionalNumber(m, "iommu_group", ctx, 0, Integer.MAX_VALUE, false).ifPresent(g -> b.iommuGroup(g.intValue()));
        Optional<Long> secondary = optionalNumber(m, "secondary_bus", ctx, 0, 0xff, true);
        Optional<Long> subordinate = optionalNumber(m, "subordinate_bus", ctx, 0, 0xff, true);
        if (subordinate.isPresent() && secondary.isEmpty()) {
            throw r.error(m.fields().get("subordinate_bus"), ctx, "needs a 'secondary_bus' too");
        }
        if (secondary.isPresent()) {
            checkBusRange(address, secondary.get().intValue(), subordinate.orElse(secondary.get()).intValue(),
                    m.fields().get("secondary_bus").line());
        }
        secondary.ifPresent(s -> b.busRange(s.intValue(), subordinate.orElse(s).intValue()));
        if (r.optional(m, "link").isPresent()) {
            b.link(link(r.mapping(m.fields().get("link"), ctx), ctx));
        }
        deviceControlSize(m, "max_payload", ctx).ifPresent(b::maxPayloadBytes);
        deviceControlSize(m, "max_read_request", ctx).ifPresent(b::maxReadRequestBytes);
        Optional<DocNode.Field> acs = r.optional(m, "acs");
        if (acs.isPresent()) {
            b.acs(acs(acs.get(), ctx));
        }
        Optional<DocNode.Field> physfn = r.optional(m, "physfn");
        if (physfn.isPresent()) {
            b.physfn(address(physfn.get().value(), "field 'physfn' of " + ctx));
        }
        List<PciAddress> vfs = new ArrayList<>();
        for (DocNode item : r.list(m, "virtfns", ctx)) {
            vfs.add(address(item, "field 'virtfns' of " + ctx));
        }
        b.virtfns(vfs);
        if (r.optional(m, "p2pmem").isPresent()) {
            DocNode.Mapping p = r.mapping(m.fields().get("p2pmem"), ctx);
            String pctx = "p2pmem of " + ctx;
            r.allowOnly(p, P2PMEM_FIELDS, pctx);
            long sizeBytes = requiredNumber(p, "size", pctx, 0, Long.MAX_VALUE, false);
            long availableBytes = requiredNumber(p, "available", pctx, 0, Long.MAX_VALUE, false);
            if (availableBytes > sizeBytes) {
                throw r.error(p.fields().get("available").line(), pctx + ": available " + availableBytes + " is more than its size " + sizeBytes);
            }
            b.p2pmem(new P2pMemInfo(sizeBytes, availableBytes, r.bool(r.required(p, "published", pctx), pctx)));
        }
        List<Bar> bars = new ArrayList<>();
        Map<Integer, Integer> barLines = new HashMap<>();
        for (DocNode item : r.list(m, "bars", ctx)) {
            Bar bar = bar(item, ctx);
            Integer first = barLines.putIfAbsent(bar.index(), item.line());
            if (first != null) {
                throw r.error(item.line(), "BAR " + bar.index() + " of " + ctx + " is listed twice, first at line " + first);
            }
            checkOverlap(bar, bars, ctx, item.line());
            bars.add(bar);
        }
        b.bars(bars);
        List<String> problems = r.strings(m, "problems", ctx);
        problems.forEach(b::problem);
        if (r.optional(m, "config").isPresent()) {
            b.config(config(r.mapping(m.fields().get("config"), ctx), ctx));
        }
        nestingProblem(address, physfn.isPresent(), expected).filter(p -> !problems.contains(p)).ifPresent(b::problem);
        PciFunction f = b.build();
        placed.add(new Placed(f, parent, m.line()));
        Expected below = new Expected("bridge " + address, f.busRange(), address.domain(), false);
        for (DocNode item : r.list(m, "children", ctx)) {
            device(item, new Parent.Bridge(address), below, ctx);
        }
    }

    /**
     * The problem a device gets when the nesting puts it where its bus number says it is not: a
     * function must sit on its parent's secondary bus (a root bus for a host bridge), a virtual
     * function anywhere in the parent's bus range. Worded without the file name so reading a
     * written file again gives the same text (and does not add it twice).
     */
    private static Optional<String> nestingProblem(PciAddress a, boolean virtfn, Expected e) {
        if (e.range().isEmpty()) {
            return Optional.empty();
        }
        PciFunction.BusRange r = e.range().get();
        String bus = String.format("%02x", a.bus());
        if (e.rootBus()) {
            if (!virtfn && a.bus() != r.secondary()) {
                return Optional.of(String.format("topology file nests it directly below %s (root bus %02x), but its bus is %s",
                        e.parentName(), r.secondary(), bus));
            }
            return Optional.empty();
        }
        if (virtfn ? !r.contains(a.bus()) : a.bus() != r.secondary()) {
            return Optional.of(String.format("topology file nests it below %s (buses %02x..%02x), but its bus is %s",
                    e.parentName(), r.secondary(), r.subordinate(), bus));
        }
        return Optional.empty();
    }

    /** A bridge's bus range must be a range (secondary not above subordinate) and must not hold the bridge's own bus as its secondary. */
    private void checkBusRange(PciAddress bridge, int secondary, int subordinate, int line) throws DocumentException {
        if (secondary > subordinate) {
            throw r.error(line, String.format("bridge %s: secondary bus %02x is above its subordinate bus %02x", bridge, secondary, subordinate));
        }
        if (secondary == bridge.bus()) {
            throw r.error(line, String.format("bridge %s: secondary bus %02x is its own bus: a bridge cannot sit on the bus below it",
                    bridge, secondary));
        }
    }

    /** Two BARs of one function in the same address space (memory or I/O) cannot share an address. */
    private void checkOverlap(Bar bar, List<Bar> earlier, String ctx, int line) throws DocumentException {
        for (Bar e : earlier) {
            if (e.memory() == bar.memory() && overlap(e, bar)) {
                throw r.error(line, "BAR " + bar.index() + " of " + ctx + " " + span(bar) + " overlaps its BAR " + e.index() + " " + span(e));
            }
        }
    }

    private static boolean overlap(Bar a, Bar b) {
        return Long.compareUnsigned(a.cpuAddress(), b.cpuEnd()) <= 0 && Long.compareUnsigned(b.cpuAddress(), a.cpuEnd()) <= 0;
    }

    private static String span(Bar b) {
        return "(0x" + Long.toHexString(b.cpuAddress()) + "-0x" + Long.toHexString(b.cpuEnd()) + ")";
    }

    /** Most overlaps between functions' BARs that get a note of their own. */
    private static final int MAX_OVERLAP_NOTES = 5;

    /**
     * Notes for memory BARs of different functions that overlap: real machines show this for
     * BARs the kernel left unassigned, so it is accepted, but said.
     */
    private MachineInfo withOverlapNotes(MachineInfo machine) {
        record Span(Bar bar, PciAddress owner) {
        }
        List<Span> spans = new ArrayList<>();
        for (Placed p : placed) {
            for (Bar bar : p.function().bars()) {
                if (bar.memory()) {
                    spans.add(new Span(bar, p.function().address()));
                }
            }
        }
        spans.sort((x, y) -> {
            int c = Long.compareUnsigned(x.bar().cpuAddress(), y.bar().cpuAddress());
            return c != 0 ? c : x.owner().compareTo(y.owner());
        });
        List<String> notes = new ArrayList<>();
        int more = 0;
        Span reach = null;
        for (Span s : spans) {
            if (reach != null && !reach.owner().equals(s.owner()) && overlap(reach.bar(), s.bar())) {
                String note = "BAR " + s.bar().index() + " of " + s.owner() + " " + span(s.bar()) + " overlaps BAR " + reach.bar().index()
                        + " of " + reach.owner() + " " + span(reach.bar());
                if (notes.size() < MAX_OVERLAP_NOTES) {
                    notes.add(note);
                } else {
                    more++;
                }
            }
            if (reach == null || Long.compareUnsigned(s.bar().cpuEnd(), reach.bar().cpuEnd()) > 0) {
                reach = s;
            }
        }
        if (more > 0) {
            notes.add(more + " more overlaps between BARs of different functions");
        }
        MachineInfo out = machine;
        for (String n : notes) {
            if (!machine.notes().contains(n)) {
                out = out.withNote(n);
            }
        }
        return out;
    }

    private void checkVirtualFunctions() throws DocumentException {
        for (Placed p : placed) {
            PciFunction f = p.function();
            Optional<PciAddress> pf = f.physfn();
            if (pf.isPresent() && !deviceLines.containsKey(pf.get())) {
                throw r.error(p.line(), "physfn " + pf.get() + " of device " + f.address() + " is not in the file");
            }
            for (PciAddress vf : f.virtfns()) {
                if (!deviceLines.containsKey(vf)) {
                    throw r.error(p.line(), "virtfn " + vf + " of device " + f.address() + " is not in the file");
                }
            }
        }
    }

    private PortType portType(DocNode.Field f, String ctx) throws DocumentException {
        List<String> names = new ArrayList<>();
        for (PortType t : PortType.values()) {
            names.add(TopologyFileWriter.portName(t));
        }
        return PortType.values()[names.indexOf(r.choice(f, ctx, names))];
    }

    private LinkInfo link(DocNode.Mapping m, String ctx) throws DocumentException {
        String lctx = "link of " + ctx;
        r.allowOnly(m, LINK_FIELDS, lctx);
        LinkText.Part max = linkPart(m, "max", lctx);
        LinkText.Part cur = linkPart(m, "current", lctx);
        return new LinkInfo(max.speedGtps(), max.width(), cur.speedGtps(), cur.width());
    }

    private LinkText.Part linkPart(DocNode.Mapping m, String name, String ctx) throws DocumentException {
        Optional<DocNode.Field> f = r.optional(m, name);
        if (f.isEmpty()) {
            return new LinkText.Part(0, 0);
        }
        try {
            return LinkText.parse(r.string(f.get(), ctx));
        } catch (IllegalArgumentException e) {
            throw r.error(f.get(), ctx, "is refused: " + e.getMessage());
        }
    }

    private AcsState acs(DocNode.Field f, String ctx) throws DocumentException {
        String actx = "acs of " + ctx;
        if (f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.STRING && s.text().equals("absent")) {
            return AcsState.ABSENT;
        }
        if (!(f.value() instanceof DocNode.Mapping m)) {
            throw r.error(f, ctx, "must be 'absent', {cap: ..., ctrl: ...}, {cap: ..., unreadable: reason} or {unknown: reason}, got "
                    + f.value().describe());
        }
        if (m.fields().containsKey("unknown")) {
            r.allowOnly(m, Set.of("unknown"), actx);
            return new AcsState.Unknown(r.string(r.required(m, "unknown", actx), actx));
        }
        if (m.fields().containsKey("unreadable")) {
            r.allowOnly(m, Set.of("cap", "unreadable"), actx);
            return new AcsState.Unreadable(acsBits(r.required(m, "cap", actx), actx), r.string(r.required(m, "unreadable", actx), actx));
        }
        r.allowOnly(m, ACS_FIELDS, actx);
        return new AcsState.Present(acsBits(r.required(m, "cap", actx), actx), acsBits(r.required(m, "ctrl", actx), actx));
    }

    /** An ACS register: a 16-bit number, or a list of bit names such as [SV, RR, CR, UF]. */
    private int acsBits(DocNode.Field f, String ctx) throws DocumentException {
        if (!(f.value() instanceof DocNode.Sequence seq)) {
            return (int) number(f, ctx, 0, 0xffff, true);
        }
        int bits = 0;
        for (DocNode item : seq.items()) {
            String name = item instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.STRING ? s.text().strip().toUpperCase(Locale.ROOT) : "";
            int bit = Acs.bitNames(Acs.ALL_BITS).indexOf(name);
            if (bit < 0) {
                throw r.error(new DocNode.Field(f.name(), item.line(), item), ctx, "has an unknown ACS bit " + item.describe()
                        + " (known: " + String.join(", ", Acs.bitNames(Acs.ALL_BITS)) + ")");
            }
            bits |= 1 << bit;
        }
        return bits;
    }

    private Bar bar(DocNode node, String ctx) throws DocumentException {
        DocNode.Mapping m = r.mapping(node, "a BAR entry of " + ctx);
        String bctx = "BAR at line " + m.line() + " of " + ctx;
        r.allowOnly(m, BAR_FIELDS, bctx);
        int index = (int) requiredNumber(m, "index", bctx, 0, 5, false);
        bctx = "BAR " + index + " of " + ctx;
        DocNode.Field typeField = r.required(m, "type", bctx);
        String type = r.choice(typeField, bctx, List.of("io", "mem32", "mem64"));
        boolean memory = !type.equals("io");
        boolean is64 = type.equals("mem64");
        long address = r.unsigned64(r.required(m, "address", bctx), bctx);
        long size = requiredNumber(m, "size", bctx, 1, Long.MAX_VALUE, true);
        if (Long.compareUnsigned(address + (size - 1), address) < 0) {
            throw r.error(m.line(), bctx + ": address 0x" + Long.toHexString(address) + " plus size 0x" + Long.toHexString(size)
                    + " goes past the top of the 64-bit address space (2^64)");
        }
        boolean prefetchable = r.optional(m, "prefetchable").isPresent() && r.bool(r.required(m, "prefetchable", bctx), bctx);
        return new Bar(index, address, size, memory, is64, prefetchable);
    }

    private byte[] config(DocNode.Mapping m, String ctx) throws DocumentException {
        String cctx = "config of " + ctx;
        r.allowOnly(m, CONFIG_FIELDS, cctx);
        int length = (int) requiredNumber(m, "length", cctx, 0, ConfigRows.MAX_LENGTH, false);
        byte[] bytes = new byte[length];
        int next = 0;
        for (DocNode item : r.list(m, "rows", cctx)) {
            if (!(item instanceof DocNode.Scalar s) || s.kind() != DocNode.ScalarKind.STRING) {
                throw r.error(item.line(), "a row of " + cctx + " must be a string like '000: 86 80 c0 29', got " + item.describe());
            }
            ConfigRows.Row row;
            try {
                row = ConfigRows.parse(s.text());
            } catch (IllegalArgumentException e) {
                throw r.error(item.line(), e.getMessage() + " in " + cctx);
            }
            if (row.offset() < next) {
                throw r.error(item.line(), String.format("config row 0x%03x of %s is out of order or repeated", row.offset(), ctx));
            }
            if (row.offset() + row.bytes().length > length) {
                throw r.error(item.line(), String.format("config row 0x%03x of %s goes past its length %d", row.offset(), ctx, length));
            }
            System.arraycopy(row.bytes(), 0, bytes, row.offset(), row.bytes().length);
            next = row.offset() + ConfigRows.ROW_BYTES;
        }
        return bytes;
    }

    // ---------------------------------------------------------------- field access (the one reader, plus topology values)

    private long requiredNumber(DocNode.Mapping m, String name, String ctx, long min, long max, boolean hex) throws DocumentException {
        return number(r.required(m, name, ctx), ctx, min, max, hex);
    }

    private Optional<Long> optionalNumber(DocNode.Mapping m, String name, String ctx, long min, long max, boolean hex) throws DocumentException {
        Optional<DocNode.Field> f = r.optional(m, name);
        return f.isEmpty() ? Optional.empty() : Optional.of(number(f.get(), ctx, min, max, hex));
    }

    private long number(DocNode.Field f, String ctx, long min, long max, boolean hex) throws DocumentException {
        return r.number(f, ctx, min, max, hex ? DocReader.Notation.HEX : DocReader.Notation.DECIMAL);
    }

    /** A Device Control size field (Max Payload Size, Max Read Request Size): 128, 256, ... 4096 bytes. */
    private Optional<Integer> deviceControlSize(DocNode.Mapping m, String name, String ctx) throws DocumentException {
        Optional<Long> v = optionalNumber(m, name, ctx, 128, 4096, false);
        if (v.isPresent() && Long.bitCount(v.get()) != 1) {
            throw r.error(m.fields().get(name), ctx, "must be 128, 256, 512, 1024, 2048 or 4096 bytes, got " + v.get());
        }
        return v.map(Long::intValue);
    }

    private int[] idPair(DocNode.Field f, String ctx) throws DocumentException {
        String s = r.string(f, ctx);
        Matcher m = ID_PAIR.matcher(s.strip());
        if (!m.matches()) {
            throw r.error(f, ctx, "must be vendor:device in hex (e.g. 8086:29c0), got "
                    + Texts.quote(s));
        }
        return new int[] {Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16)};
    }

    private PciAddress address(DocNode node, String ctx) throws DocumentException {
        String text = node instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.STRING ? s.text() : null;
        Optional<PciAddress> a = text == null ? Optional.empty() : PciAddress.tryParse(text);
        if (a.isEmpty()) {
            throw r.error(node.line(), "malformed PCI address " + (text == null ? node.describe() : Texts.quote(text)) + " in " + ctx
                    + " (expected domain:bus:device.function in hex, e.g. 0000:00:04.0)");
        }
        return a.get();
    }
}
