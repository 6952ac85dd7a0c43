package dev.p2pdma.pci.io;

import java.math.BigInteger;
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

import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.pci.TopologyException;

/**
 * Turns the {@link DocNode} tree of one topology file into a {@link PciTopology}, checking every
 * field's name, type and range and naming the file, line and device in each error.
 *
 * <p>One instance per read; not thread-safe.
 */
final class TopologyDocumentDecoder {

    /** Fields of the document. */
    static final Set<String> DOCUMENT_FIELDS = Set.of("format", "machine", "host_bridges");
    /** Fields of {@code machine}. */
    static final Set<String> MACHINE_FIELDS = Set.of("source", "cpu", "cmdline", "kernel", "iommu", "iommu_groups", "notes");
    /** Fields of {@code machine.cpu}. */
    static final Set<String> CPU_FIELDS = Set.of("vendor", "family", "model_name");
    /** Fields of a host bridge. */
    static final Set<String> HOST_BRIDGE_FIELDS = Set.of("name", "devices");
    /** Fields of a device. */
    static final Set<String> DEVICE_FIELDS = Set.of("address", "id", "subsystem", "class", "revision", "header_type",
            "port", "description", "driver", "numa_node", "iommu_group", "secondary_bus", "subordinate_bus", "link", "acs",
            "physfn", "virtfns", "p2pmem", "bars", "problems", "config", "children");
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
    /** A hex number string. */
    private static final Pattern HEX = Pattern.compile("0[xX]([0-9a-fA-F]{1,16})");
    /** Largest unsigned 64-bit value. */
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** The file's name, for messages. */
    private final String file;
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

    TopologyDocumentDecoder(String file) {
        this.file = file;
    }

    /** Decodes the whole document. */
    PciTopology decode(DocNode root) throws ImportException {
        if (!(root instanceof DocNode.Mapping doc)) {
            throw new ImportException("not a p2pdma topology file: the document is " + Messages.kindOf(root)
                    + ", expected a mapping starting with 'format: " + TopologyFileFormat.DOCUMENT_VERSION + "'"
                    + Messages.at(file, root.line()));
        }
        checkFormat(doc);
        allowOnly(doc, DOCUMENT_FIELDS, "the document");
        MachineInfo machine = optional(doc, "machine").isPresent()
                ? machine(mapping(doc.fields().get("machine"), "the document"))
                : MachineInfo.unknown("");
        Map<HostBridge, Integer> bridgeLines = new LinkedHashMap<>();
        for (DocNode item : list(doc, "host_bridges", "the document")) {
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
            throw new ImportException(Messages.oneLine(msg) + Messages.at(file, line));
        }
    }

    private void checkFormat(DocNode.Mapping doc) throws ImportException {
        DocNode.Field f = doc.fields().get("format");
        String expected = "'format: " + TopologyFileFormat.DOCUMENT_VERSION + "'";
        if (f == null) {
            throw new ImportException("not a p2pdma topology file: no 'format' field (expected " + expected + ")"
                    + Messages.at(file, doc.line()));
        }
        String v = f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.STRING ? s.text() : "";
        if (v.equals(TopologyFileFormat.DOCUMENT_VERSION)) {
            return;
        }
        if (v.startsWith(TopologyFileFormat.MARKER)) {
            throw new ImportException("unsupported topology format version " + Messages.quote(v) + ": this p2pdma reads "
                    + TopologyFileFormat.DOCUMENT_VERSION + Messages.at(file, f.line()));
        }
        throw new ImportException("not a p2pdma topology file: 'format' is " + f.value().describe() + ", expected " + expected
                + Messages.at(file, f.line()));
    }

    // ---------------------------------------------------------------- machine

    private MachineInfo machine(DocNode.Mapping m) throws ImportException {
        String ctx = "machine";
        allowOnly(m, MACHINE_FIELDS, ctx);
        MachineInfo info = MachineInfo.unknown(optionalString(m, "source", ctx).orElse(""));
        if (optional(m, "cpu").isPresent()) {
            DocNode.Mapping c = mapping(m.fields().get("cpu"), ctx);
            allowOnly(c, CPU_FIELDS, "machine cpu");
            String vendor = requiredString(c, "vendor", "machine cpu");
            int family = (int) requiredNumber(c, "family", "machine cpu", 0, CpuInfo.MAX_FAMILY, true);
            String model = optionalString(c, "model_name", "machine cpu").orElse("");
            info = info.withCpu(Optional.of(new CpuInfo(vendor, family, model)));
        }
        info = info.withCmdline(optionalString(m, "cmdline", ctx));
        info = info.withKernelRelease(optionalString(m, "kernel", ctx));
        Optional<Boolean> iommu = Optional.empty();
        Optional<DocNode.Field> io = optional(m, "iommu");
        if (io.isPresent()) {
            DocNode v = io.get().value();
            String text = v instanceof DocNode.Scalar s && (s.kind() == DocNode.ScalarKind.STRING || s.kind() == DocNode.ScalarKind.BOOLEAN)
                    ? s.text().toLowerCase(Locale.ROOT) : "";
            iommu = switch (text) {
                case "on", "true" -> Optional.of(true);
                case "off", "false" -> Optional.of(false);
                default -> throw new ImportException("field 'iommu' of machine must be 'on' or 'off', got " + v.describe()
                        + Messages.at(file, io.get().line()));
            };
        }
        Map<Integer, List<PciAddress>> groups = new TreeMap<>();
        if (optional(m, "iommu_groups").isPresent()) {
            DocNode.Mapping g = mapping(m.fields().get("iommu_groups"), ctx);
            for (DocNode.Field f : g.fields().values()) {
                if (!f.name().matches("[0-9]{1,9}")) {
                    throw new ImportException("iommu group number must be a decimal number, got " + Messages.quote(f.name())
                            + " in machine iommu_groups" + Messages.at(file, f.line()));
                }
                List<PciAddress> members = new ArrayList<>();
                for (DocNode item : list(g, f.name(), "machine iommu_groups")) {
                    members.add(address(item, "member of iommu group " + f.name()));
                }
                groups.put(Integer.parseInt(f.name()), members);
            }
        }
        info = info.withIommu(iommu, groups);
        for (String note : stringList(m, "notes", ctx)) {
            info = info.withNote(note);
        }
        return info;
    }

    // ---------------------------------------------------------------- host bridges and devices

    private void hostBridge(DocNode node, Map<HostBridge, Integer> bridgeLines) throws ImportException {
        DocNode.Mapping m = mapping(node, "a host bridge entry");
        String where = "host bridge at line " + m.line();
        String early = optional(m, "name")
                .filter(f -> f.value() instanceof DocNode.Scalar s && HOST_BRIDGE.matcher(s.text().strip()).matches())
                .map(f -> "host bridge " + ((DocNode.Scalar) f.value()).text().strip()).orElse(where);
        allowOnly(m, HOST_BRIDGE_FIELDS, early);
        DocNode.Field nameField = required(m, "name", where);
        String name = string(nameField, where);
        Matcher mt = HOST_BRIDGE.matcher(name.strip());
        if (!mt.matches()) {
            throw new ImportException("malformed host bridge name " + Messages.quote(name) + " (expected pciDDDD:BB, e.g. pci0000:00)"
                    + Messages.at(file, nameField.line()));
        }
        HostBridge hb = new HostBridge((int) Long.parseLong(mt.group(1), 16), Integer.parseInt(mt.group(2), 16));
        String ctx = "host bridge " + hb.name();
        Integer before = bridgeLines.putIfAbsent(hb, nameField.line());
        if (before != null) {
            throw new ImportException("duplicate " + ctx + ", first at line " + before + Messages.at(file, nameField.line()));
        }
        Expected expected = new Expected(ctx, Optional.of(new PciFunction.BusRange(hb.rootBus(), hb.rootBus())), hb.domain(), true);
        for (DocNode item : list(m, "devices", ctx)) {
            device(item, new Parent.RootBus(hb), expected, ctx);
        }
    }

    private void device(DocNode node, Parent parent, Expected expected, String parentCtx) throws ImportException {
        DocNode.Mapping m = mapping(node, "a device entry under " + parentCtx);
        // name the device in messages as soon as possible, even before its address is checked
        String early = optional(m, "address")
                .flatMap(f -> f.value() instanceof DocNode.Scalar s ? PciAddress.tryParse(s.text()) : Optional.empty())
                .map(a -> "device " + a).orElse("device at line " + m.line());
        allowOnly(m, DEVICE_FIELDS, early);
        DocNode.Field addressField = required(m, "address", "device at line " + m.line());
        PciAddress address = address(addressField.value(), "device at line " + m.line());
        String ctx = "device " + address;
        if (address.domain() != expected.domain()) {
            throw new ImportException(ctx + " is in domain " + address.domainText() + " but nested below " + expected.parentName()
                    + " of domain " + new PciAddress(expected.domain(), 0, 0, 0).domainText() + Messages.at(file, addressField.line()));
        }
        Integer before = deviceLines.putIfAbsent(address, m.line());
        if (before != null) {
            throw new ImportException("duplicate " + ctx + ", first at line " + before + Messages.at(file, addressField.line()));
        }
        PciFunction.Builder b = PciFunction.builder(address);
        DocNode.Field id = required(m, "id", ctx);
        int[] ids = idPair(id, ctx);
        b.ids(ids[0], ids[1]);
        Optional<DocNode.Field> sub = optional(m, "subsystem");
        if (sub.isPresent()) {
            int[] s = idPair(sub.get(), ctx);
            b.subsystem(s[0], s[1]);
        }
        b.classCode((int) requiredNumber(m, "class", ctx, 0, 0xffffff, true));
        optionalNumber(m, "revision", ctx, 0, 0xff, true).ifPresent(r -> b.revision(r.intValue()));
        optionalNumber(m, "header_type", ctx, 0, 0xff, true).ifPresent(h -> b.headerType(h.intValue()));
        Optional<DocNode.Field> port = optional(m, "port");
        if (port.isPresent()) {
            b.portType(portType(port.get(), ctx));
        }
        optionalString(m, "description", ctx).ifPresent(b::description);
        optionalString(m, "driver", ctx).ifPresent(b::driver);
        optionalNumber(m, "numa_node", ctx, -1, Integer.MAX_VALUE, false).ifPresent(n -> b.numaNode(n.intValue()));
        optionalNumber(m, "iommu_group", ctx, 0, Integer.MAX_VALUE, false).ifPresent(g -> b.iommuGroup(g.intValue()));
        Optional<Long> secondary = optionalNumber(m, "secondary_bus", ctx, 0, 0xff, true);
        Optional<Long> subordinate = optionalNumber(m, "subordinate_bus", ctx, 0, 0xff, true);
        if (subordinate.isPresent() && secondary.isEmpty()) {
            throw new ImportException("field 'subordinate_bus' of " + ctx + " needs a 'secondary_bus' too"
                    + Messages.at(file, m.fields().get("subordinate_bus").line()));
        }
        if (secondary.isPresent()) {
            checkBusRange(address, secondary.get().intValue(), subordinate.orElse(secondary.get()).intValue(),
                    m.fields().get("secondary_bus").line());
        }
        secondary.ifPresent(s -> b.busRange(s.intValue(), subordinate.orElse(s).intValue()));
        if (optional(m, "link").isPresent()) {
            b.link(link(mapping(m.fields().get("link"), ctx), ctx));
        }
        Optional<DocNode.Field> acs = optional(m, "acs");
        if (acs.isPresent()) {
            b.acs(acs(acs.get(), ctx));
        }
        Optional<DocNode.Field> physfn = optional(m, "physfn");
        if (physfn.isPresent()) {
            b.physfn(address(physfn.get().value(), "field 'physfn' of " + ctx));
        }
        List<PciAddress> vfs = new ArrayList<>();
        for (DocNode item : list(m, "virtfns", ctx)) {
            vfs.add(address(item, "field 'virtfns' of " + ctx));
        }
        b.virtfns(vfs);
        if (optional(m, "p2pmem").isPresent()) {
            DocNode.Mapping p = mapping(m.fields().get("p2pmem"), ctx);
            String pctx = "p2pmem of " + ctx;
            allowOnly(p, P2PMEM_FIELDS, pctx);
            long sizeBytes = requiredNumber(p, "size", pctx, 0, Long.MAX_VALUE, false);
            long availableBytes = requiredNumber(p, "available", pctx, 0, Long.MAX_VALUE, false);
            if (availableBytes > sizeBytes) {
                throw new ImportException(pctx + ": available " + availableBytes + " is more than its size " + sizeBytes
                        + Messages.at(file, p.fields().get("available").line()));
            }
            b.p2pmem(new P2pMemInfo(sizeBytes, availableBytes, requiredBoolean(p, "published", pctx)));
        }
        List<Bar> bars = new ArrayList<>();
        Map<Integer, Integer> barLines = new HashMap<>();
        for (DocNode item : list(m, "bars", ctx)) {
            Bar bar = bar(item, ctx);
            Integer first = barLines.putIfAbsent(bar.index(), item.line());
            if (first != null) {
                throw new ImportException("BAR " + bar.index() + " of " + ctx + " is listed twice, first at line " + first
                        + Messages.at(file, item.line()));
            }
            checkOverlap(bar, bars, ctx, item.line());
            bars.add(bar);
        }
        b.bars(bars);
        List<String> problems = stringList(m, "problems", ctx);
        problems.forEach(b::problem);
        if (optional(m, "config").isPresent()) {
            b.config(config(mapping(m.fields().get("config"), ctx), ctx));
        }
        nestingProblem(address, physfn.isPresent(), expected).filter(p -> !problems.contains(p)).ifPresent(b::problem);
        PciFunction f = b.build();
        placed.add(new Placed(f, parent, m.line()));
        Expected below = new Expected("bridge " + address, f.busRange(), address.domain(), false);
        for (DocNode item : list(m, "children", ctx)) {
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
    private void checkBusRange(PciAddress bridge, int secondary, int subordinate, int line) throws ImportException {
        if (secondary > subordinate) {
            throw new ImportException(String.format("bridge %s: secondary bus %02x is above its subordinate bus %02x", bridge, secondary, subordinate)
                    + Messages.at(file, line));
        }
        if (secondary == bridge.bus()) {
            throw new ImportException(String.format("bridge %s: secondary bus %02x is its own bus: a bridge cannot sit on the bus below it",
                    bridge, secondary) + Messages.at(file, line));
        }
    }

    /** Two BARs of one function in the same address space (memory or I/O) cannot share an address. */
    private void checkOverlap(Bar bar, List<Bar> earlier, String ctx, int line) throws ImportException {
        for (Bar e : earlier) {
            if (e.memory() == bar.memory() && overlap(e, bar)) {
                throw new ImportException("BAR " + bar.index() + " of " + ctx + " " + span(bar) + " overlaps its BAR " + e.index() + " " + span(e)
                        + Messages.at(file, line));
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

    private void checkVirtualFunctions() throws ImportException {
        for (Placed p : placed) {
            PciFunction f = p.function();
            Optional<PciAddress> pf = f.physfn();
            if (pf.isPresent() && !deviceLines.containsKey(pf.get())) {
                throw new ImportException("physfn " + pf.get() + " of device " + f.address() + " is not in the file"
                        + Messages.at(file, p.line()));
            }
            for (PciAddress vf : f.virtfns()) {
                if (!deviceLines.containsKey(vf)) {
                    throw new ImportException("virtfn " + vf + " of device " + f.address() + " is not in the file"
                            + Messages.at(file, p.line()));
                }
            }
        }
    }

    private PortType portType(DocNode.Field f, String ctx) throws ImportException {
        String s = string(f, ctx);
        for (PortType t : PortType.values()) {
            if (TopologyFileWriter.portName(t).equals(s)) {
                return t;
            }
        }
        List<String> names = new ArrayList<>();
        for (PortType t : PortType.values()) {
            names.add(TopologyFileWriter.portName(t));
        }
        throw new ImportException("field 'port' of " + ctx + " must be one of " + String.join(", ", names) + "; got "
                + Messages.quote(s) + Messages.at(file, f.line()));
    }

    private LinkInfo link(DocNode.Mapping m, String ctx) throws ImportException {
        String lctx = "link of " + ctx;
        allowOnly(m, LINK_FIELDS, lctx);
        LinkText.Part max = linkPart(m, "max", lctx);
        LinkText.Part cur = linkPart(m, "current", lctx);
        return new LinkInfo(max.speedGtps(), max.width(), cur.speedGtps(), cur.width());
    }

    private LinkText.Part linkPart(DocNode.Mapping m, String name, String ctx) throws ImportException {
        Optional<DocNode.Field> f = optional(m, name);
        if (f.isEmpty()) {
            return new LinkText.Part(0, 0);
        }
        try {
            return LinkText.parse(string(f.get(), ctx));
        } catch (IllegalArgumentException e) {
            throw new ImportException("field '" + name + "' of " + ctx + ": " + e.getMessage() + Messages.at(file, f.get().line()));
        }
    }

    private AcsState acs(DocNode.Field f, String ctx) throws ImportException {
        String actx = "acs of " + ctx;
        if (f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.STRING && s.text().equals("absent")) {
            return AcsState.ABSENT;
        }
        if (!(f.value() instanceof DocNode.Mapping m)) {
            throw new ImportException("field 'acs' of " + ctx + " must be 'absent', {cap: ..., ctrl: ...} or {unknown: reason}, got "
                    + f.value().describe() + Messages.at(file, f.line()));
        }
        if (m.fields().containsKey("unknown")) {
            allowOnly(m, Set.of("unknown"), actx);
            return new AcsState.Unknown(requiredString(m, "unknown", actx));
        }
        allowOnly(m, ACS_FIELDS, actx);
        return new AcsState.Present(acsBits(required(m, "cap", actx), actx), acsBits(required(m, "ctrl", actx), actx));
    }

    /** An ACS register: a 16-bit number, or a list of bit names such as [SV, RR, CR, UF]. */
    private int acsBits(DocNode.Field f, String ctx) throws ImportException {
        if (!(f.value() instanceof DocNode.Sequence seq)) {
            return (int) number(f, ctx, 0, 0xffff, true);
        }
        int bits = 0;
        for (DocNode item : seq.items()) {
            String name = item instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.STRING ? s.text().strip().toUpperCase(Locale.ROOT) : "";
            int bit = Acs.bitNames(Acs.ALL_BITS).indexOf(name);
            if (bit < 0) {
                throw new ImportException("field '" + f.name() + "' of " + ctx + ": unknown ACS bit " + item.describe()
                        + " (known: " + String.join(", ", Acs.bitNames(Acs.ALL_BITS)) + ")" + Messages.at(file, item.line()));
            }
            bits |= 1 << bit;
        }
        return bits;
    }

    private Bar bar(DocNode node, String ctx) throws ImportException {
        DocNode.Mapping m = mapping(node, "a BAR entry of " + ctx);
        String bctx = "BAR at line " + m.line() + " of " + ctx;
        allowOnly(m, BAR_FIELDS, bctx);
        int index = (int) requiredNumber(m, "index", bctx, 0, 5, false);
        bctx = "BAR " + index + " of " + ctx;
        DocNode.Field typeField = required(m, "type", bctx);
        String type = string(typeField, bctx);
        boolean memory;
        boolean is64;
        switch (type) {
            case "io" -> {
                memory = false;
                is64 = false;
            }
            case "mem32" -> {
                memory = true;
                is64 = false;
            }
            case "mem64" -> {
                memory = true;
                is64 = true;
            }
            default -> throw new ImportException("field 'type' of " + bctx + " must be io, mem32 or mem64; got " + Messages.quote(type)
                    + Messages.at(file, typeField.line()));
        }
        long address = unsigned64(required(m, "address", bctx), bctx);
        long size = requiredNumber(m, "size", bctx, 1, Long.MAX_VALUE, true);
        if (Long.compareUnsigned(address + (size - 1), address) < 0) {
            throw new ImportException(bctx + ": address 0x" + Long.toHexString(address) + " plus size 0x" + Long.toHexString(size)
                    + " goes past the top of the 64-bit address space (2^64)" + Messages.at(file, m.line()));
        }
        boolean prefetchable = optional(m, "prefetchable").isPresent() && requiredBoolean(m, "prefetchable", bctx);
        return new Bar(index, address, size, memory, is64, prefetchable);
    }

    private byte[] config(DocNode.Mapping m, String ctx) throws ImportException {
        String cctx = "config of " + ctx;
        allowOnly(m, CONFIG_FIELDS, cctx);
        int length = (int) requiredNumber(m, "length", cctx, 0, ConfigRows.MAX_LENGTH, false);
        byte[] bytes = new byte[length];
        int next = 0;
        for (DocNode item : list(m, "rows", cctx)) {
            if (!(item instanceof DocNode.Scalar s) || s.kind() != DocNode.ScalarKind.STRING) {
                throw new ImportException("a row of " + cctx + " must be a string like '000: 86 80 c0 29', got " + item.describe()
                        + Messages.at(file, item.line()));
            }
            ConfigRows.Row row;
            try {
                row = ConfigRows.parse(s.text());
            } catch (IllegalArgumentException e) {
                throw new ImportException(e.getMessage() + " in " + cctx + Messages.at(file, item.line()));
            }
            if (row.offset() < next) {
                throw new ImportException(String.format("config row 0x%03x of %s is out of order or repeated", row.offset(), ctx)
                        + Messages.at(file, item.line()));
            }
            if (row.offset() + row.bytes().length > length) {
                throw new ImportException(String.format("config row 0x%03x of %s goes past its length %d", row.offset(), ctx, length)
                        + Messages.at(file, item.line()));
            }
            System.arraycopy(row.bytes(), 0, bytes, row.offset(), row.bytes().length);
            next = row.offset() + ConfigRows.ROW_BYTES;
        }
        return bytes;
    }

    // ---------------------------------------------------------------- typed field access

    /** Refuses fields outside {@code known}, suggesting the closest known name. */
    private void allowOnly(DocNode.Mapping m, Set<String> known, String ctx) throws ImportException {
        for (DocNode.Field f : m.fields().values()) {
            if (!known.contains(f.name())) {
                String hint = known.stream().filter(k -> isLikelyTypo(k, f.name())).sorted()
                        .findFirst().map(k -> ", did you mean '" + k + "'?").orElse("");
                throw new ImportException("unknown field " + Messages.quote(f.name()) + " in " + ctx + hint + Messages.at(file, f.line()));
            }
        }
    }

    /** Close enough to suggest: at most two edits, and fewer than half the shorter name. */
    private static boolean isLikelyTypo(String known, String given) {
        int d = editDistance(known, given);
        return d <= 2 && 2 * d < Math.min(known.length(), given.length());
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The field, unless it is missing or null (a null value counts as left out). */
    private static Optional<DocNode.Field> optional(DocNode.Mapping m, String name) {
        DocNode.Field f = m.fields().get(name);
        if (f == null || (f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.NULL)) {
            return Optional.empty();
        }
        return Optional.of(f);
    }

    private DocNode.Field required(DocNode.Mapping m, String name, String ctx) throws ImportException {
        return optional(m, name).orElseThrow(() -> new ImportException("missing field '" + name + "' in " + ctx + Messages.at(file, m.line())));
    }

    private DocNode.Mapping mapping(DocNode node, String ctx) throws ImportException {
        if (node instanceof DocNode.Mapping m) {
            return m;
        }
        throw new ImportException("expected a mapping for " + ctx + ", got " + node.describe() + Messages.at(file, node.line()));
    }

    private DocNode.Mapping mapping(DocNode.Field f, String ctx) throws ImportException {
        if (f.value() instanceof DocNode.Mapping m) {
            return m;
        }
        throw new ImportException("field '" + f.name() + "' of " + ctx + " must be a mapping, got " + f.value().describe()
                + Messages.at(file, f.line()));
    }

    /** The items of a list field; empty when it is missing or null. */
    private List<DocNode> list(DocNode.Mapping m, String name, String ctx) throws ImportException {
        Optional<DocNode.Field> f = optional(m, name);
        if (f.isEmpty()) {
            return List.of();
        }
        if (f.get().value() instanceof DocNode.Sequence s) {
            return s.items();
        }
        throw new ImportException("field '" + name + "' of " + ctx + " must be a list, got " + f.get().value().describe()
                + Messages.at(file, f.get().line()));
    }

    private List<String> stringList(DocNode.Mapping m, String name, String ctx) throws ImportException {
        List<String> out = new ArrayList<>();
        for (DocNode item : list(m, name, ctx)) {
            out.add(string(new DocNode.Field(name, item.line(), item), ctx));
        }
        return out;
    }

    /** A string; numbers are taken as written ({@code kernel: 6.12}), booleans and containers are refused. */
    private String string(DocNode.Field f, String ctx) throws ImportException {
        if (f.value() instanceof DocNode.Scalar s && s.kind() != DocNode.ScalarKind.BOOLEAN && s.kind() != DocNode.ScalarKind.NULL) {
            return s.text();
        }
        String hint = f.value() instanceof DocNode.Scalar ? " (put it in quotes)" : "";
        throw new ImportException("field '" + f.name() + "' of " + ctx + " must be a string, got " + f.value().describe() + hint
                + Messages.at(file, f.line()));
    }

    private Optional<String> optionalString(DocNode.Mapping m, String name, String ctx) throws ImportException {
        Optional<DocNode.Field> f = optional(m, name);
        return f.isEmpty() ? Optional.empty() : Optional.of(string(f.get(), ctx));
    }

    private String requiredString(DocNode.Mapping m, String name, String ctx) throws ImportException {
        return string(required(m, name, ctx), ctx);
    }

    private boolean requiredBoolean(DocNode.Mapping m, String name, String ctx) throws ImportException {
        DocNode.Field f = required(m, name, ctx);
        if (f.value() instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.BOOLEAN) {
            return Boolean.parseBoolean(s.text());
        }
        throw new ImportException("field '" + name + "' of " + ctx + " must be true or false, got " + f.value().describe()
                + Messages.at(file, f.line()));
    }

    /**
     * A whole number: a decimal integer, or a string {@code "0x..."} in hex (YAML's unquoted
     * {@code 0x1d} is such a string).
     */
    private BigInteger integer(DocNode.Field f, String ctx, String range) throws ImportException {
        if (f.value() instanceof DocNode.Scalar s) {
            if (s.kind() == DocNode.ScalarKind.INTEGER) {
                try {
                    return new BigInteger(s.text().strip());
                } catch (NumberFormatException e) {
                    // falls through to the error below
                }
            } else if (s.kind() == DocNode.ScalarKind.STRING) {
                Matcher m = HEX.matcher(s.text().strip());
                if (m.matches()) {
                    return new BigInteger(m.group(1), 16);
                }
            }
        }
        throw new ImportException("field '" + f.name() + "' of " + ctx + " must be a number " + range
                + " (decimal, or hex written 0x...), got " + f.value().describe() + Messages.at(file, f.line()));
    }

    private long number(DocNode.Field f, String ctx, long min, long max, boolean hex) throws ImportException {
        String range = hex ? String.format("0x%x..0x%x", min, max) : min + ".." + max;
        BigInteger v = integer(f, ctx, range);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ImportException("field '" + f.name() + "' of " + ctx + " must be " + range + ", got "
                    + (hex && v.signum() >= 0 ? "0x" + v.toString(16) : v.toString()) + Messages.at(file, f.line()));
        }
        return v.longValue();
    }

    private long unsigned64(DocNode.Field f, String ctx) throws ImportException {
        String range = "0x0..0xffffffffffffffff";
        BigInteger v = integer(f, ctx, range);
        if (v.signum() < 0 || v.compareTo(U64_MAX) > 0) {
            throw new ImportException("field '" + f.name() + "' of " + ctx + " must be " + range + Messages.at(file, f.line()));
        }
        return v.longValue();
    }

    private long requiredNumber(DocNode.Mapping m, String name, String ctx, long min, long max, boolean hex) throws ImportException {
        return number(required(m, name, ctx), ctx, min, max, hex);
    }

    private Optional<Long> optionalNumber(DocNode.Mapping m, String name, String ctx, long min, long max, boolean hex) throws ImportException {
        Optional<DocNode.Field> f = optional(m, name);
        return f.isEmpty() ? Optional.empty() : Optional.of(number(f.get(), ctx, min, max, hex));
    }

    private int[] idPair(DocNode.Field f, String ctx) throws ImportException {
        String s = string(f, ctx);
        Matcher m = ID_PAIR.matcher(s.strip());
        if (!m.matches()) {
            throw new ImportException("field '" + f.name() + "' of " + ctx + " must be vendor:device in hex (e.g. 8086:29c0), got "
                    + Messages.quote(s) + Messages.at(file, f.line()));
        }
        return new int[] {Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16)};
    }

    private PciAddress address(DocNode node, String ctx) throws ImportException {
        String text = node instanceof DocNode.Scalar s && s.kind() == DocNode.ScalarKind.STRING ? s.text() : null;
        Optional<PciAddress> a = text == null ? Optional.empty() : PciAddress.tryParse(text);
        if (a.isEmpty()) {
            throw new ImportException("malformed PCI address " + (text == null ? node.describe() : Messages.quote(text)) + " in " + ctx
                    + " (expected domain:bus:device.function in hex, e.g. 0000:00:04.0)" + Messages.at(file, node.line()));
        }
        return a.get();
    }
}
