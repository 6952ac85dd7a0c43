package dev.p2pdma.pci.io;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.PciAddress;

import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Walks an hwloc XML document (v1: {@code <topology>} without a version; v2/v3: {@code version="2.0"}
 * or {@code "3.0"}) with a StAX reader and collects every {@code <object>} that is a host bridge,
 * PCI bridge or PCI device, wherever it is nested, plus the few machine facts the importer uses.
 *
 * <p>Safety: DTDs are not processed at all (the {@code <!DOCTYPE topology SYSTEM "hwloc2.dtd">}
 * line is skipped, never fetched), external entities and external DTD access are off, so entity
 * expansion attacks and external entities fail at their first reference. Element nesting is
 * limited to {@link #MAX_DEPTH}. Every problem becomes an {@link ImportException} of one line:
 * {@code <source>:<line>: <what is wrong>}.
 *
 * <p>One reader reads one document; not thread-safe.
 */
final class HwlocXmlReader {

    /** The deepest element nesting accepted; real files nest about 15 deep. */
    static final int MAX_DEPTH = 2000;
    /** Bytes looked at for a byte order mark and the XML declaration. */
    private static final int HEAD_BYTES = 512;
    /** The encoding in an XML declaration. */
    private static final Pattern DECLARED_ENCODING = Pattern.compile("^<\\?xml[^>]*?\\sencoding\\s*=\\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']");
    /** Info names kept for the machine notes, wherever they sit. */
    private static final Set<String> MACHINE_INFOS = Set.of("DMIProductName", "Architecture", "hwlocVersion",
            "DMISysVendor", "DMIProductVersion", "DMIBoardVendor", "DMIBoardName", "DMIBIOSVendor", "DMIBIOSVersion", "DMIChassisVendor");

    /**
     * What the reader found.
     *
     * @param formatVersion    the root's {@code version} attribute; empty for v1 files
     * @param pciObjects       host bridges, PCI bridges and PCI devices in document order (parents before children)
     * @param cpuObject        the first object in document order with a {@code CPUVendor} info
     * @param firstCpuModel    the first {@code CPUModel} info anywhere
     * @param machineInfos     first value of each of DMIProductName, Architecture, hwlocVersion and the DMI vendor and name infos
     * @param ignoredWithBusId how many objects of other types carried a {@code pci_busid}
     */
    record Document(Optional<String> formatVersion, List<HwlocObject> pciObjects, Optional<HwlocObject> cpuObject,
                    Optional<String> firstCpuModel, Map<String, String> machineInfos, int ignoredWithBusId) {
    }

    /** Name of the input in messages: the path, or what the caller gave. */
    private final String source;
    /** Open elements, innermost first; {@link #notAnObject} for elements other than {@code <object>} and the root. */
    private final Deque<HwlocObject> open = new ArrayDeque<>();
    /** Marks an open element that is not an object. */
    private final HwlocObject notAnObject = HwlocObject.other("(element)", 0, -1);
    /** Objects the importer uses, in document order. */
    private final List<HwlocObject> pciObjects = new ArrayList<>();
    /** Address of each PCI function seen so far, to the line it was first seen on. */
    private final Map<PciAddress, Integer> seenAt = new HashMap<>();
    /** Machine-level infos, first value wins. */
    private final Map<String, String> machineInfos = new LinkedHashMap<>();
    /** For each non-PCI object that holds NUMA nodes: their os_index values, the object's own included for a NUMANode. */
    private final Map<HwlocObject, java.util.TreeSet<Integer>> numaInside = new java.util.IdentityHashMap<>();
    /** For each host bridge: its enclosing non-PCI objects, innermost first. */
    private final Map<HwlocObject, List<HwlocObject>> hostBridgeAncestors = new java.util.IdentityHashMap<>();
    /** See {@link Document#cpuObject()}. */
    private HwlocObject cpuObject;
    /** See {@link Document#firstCpuModel()}. */
    private String firstCpuModel;
    /** Objects counted so far. */
    private long objectCount;
    /** See {@link Document#ignoredWithBusId()}. */
    private int ignoredWithBusId;
    /** Whether the root {@code <topology>} element was seen: before it, a parse error means another kind of file. */
    private boolean sawRoot;

    private HwlocXmlReader(String source) {
        this.source = source;
    }

    /**
     * Reads a whole document.
     *
     * <p>The bytes are decoded here, not by the XML parser, with a decoder that reports bad
     * sequences: the JDK's parser would otherwise print such errors to standard error.
     *
     * @param in     the XML bytes; not closed here
     * @param source the file name for messages
     * @throws ImportException on XML that is not well-formed, not hwloc's, or has malformed PCI attributes
     */
    static Document read(BufferedInputStream in, String source) throws ImportException {
        HwlocXmlReader reader = new HwlocXmlReader(source);
        return reader.readDocument(reader.decode(in));
    }

    /** A strict character reader for the bytes: BOM, else the declared encoding, else UTF-8. */
    private Reader decode(BufferedInputStream in) throws ImportException {
        byte[] head;
        try {
            in.mark(HEAD_BYTES);
            head = in.readNBytes(HEAD_BYTES);
            in.reset();
        } catch (IOException e) {
            throw new ImportException(source + ": cannot be read: " + oneLine(String.valueOf(e.getMessage())), e);
        }
        Charset charset;
        int bom = 0;
        if (head.length >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf) {
            charset = StandardCharsets.UTF_8;
            bom = 3;
        } else if (head.length >= 2 && (head[0] & 0xff) == 0xfe && (head[1] & 0xff) == 0xff) {
            charset = StandardCharsets.UTF_16BE;
            bom = 2;
        } else if (head.length >= 2 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xfe) {
            charset = StandardCharsets.UTF_16LE;
            bom = 2;
        } else if (head.length >= 2 && head[0] == 0 && head[1] == '<') {
            charset = StandardCharsets.UTF_16BE;
        } else if (head.length >= 2 && head[0] == '<' && head[1] == 0) {
            charset = StandardCharsets.UTF_16LE;
        } else {
            charset = declaredCharset(new String(head, StandardCharsets.ISO_8859_1));
        }
        try {
            if (in.skip(bom) != bom) {
                throw new ImportException(source + ":1: the file ends inside its byte order mark");
            }
        } catch (IOException e) {
            throw new ImportException(source + ": cannot be read: " + oneLine(String.valueOf(e.getMessage())), e);
        }
        return new StrictTextReader(in, charset, bom);
    }

    private Charset declaredCharset(String head) throws ImportException {
        Matcher m = DECLARED_ENCODING.matcher(head);
        if (!m.find()) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(m.group(1));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new ImportException(source + ":1: unsupported encoding " + Texts.quote(m.group(1)) + " in the XML declaration");
        }
    }

    /** A StAX factory with DTDs, external entities and external access all off. */
    private static XMLInputFactory safeFactory() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, Boolean.FALSE);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, Boolean.FALSE);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, Boolean.TRUE);
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        // belt and braces: should a DTD ever be processed, expansions stay small
        trySet(f, "jdk.xml.entityExpansionLimit", "100");
        trySet(f, "jdk.xml.totalEntitySizeLimit", "100000");
        trySet(f, "jdk.xml.maxGeneralEntitySizeLimit", "10000");
        // the nesting limit is checked by this reader, with a clearer message; keep the JDK's above it
        trySet(f, "jdk.xml.maxElementDepth", Integer.toString(MAX_DEPTH * 2));
        f.setXMLReporter((message, type, info, location) -> {
            // warnings are not errors here; errors arrive as exceptions
        });
        return f;
    }

    private static void trySet(XMLInputFactory f, String name, String value) {
        try {
            f.setProperty(name, value);
        } catch (IllegalArgumentException unsupported) {
            // another StAX implementation: the DTD switch above already covers it
        }
    }

    private Document readDocument(Reader in) throws ImportException {
        XMLStreamReader r;
        try {
            r = safeFactory().createXMLStreamReader(in);
        } catch (XMLStreamException | RuntimeException e) {
            throw notWellFormed(e, 1);
        }
        Optional<String> version = Optional.empty();
        boolean rootClosed = false;
        try {
            while (hasNext(r)) {
                int event = next(r);
                if (event == XMLStreamConstants.START_ELEMENT) {
                    int line = line(r);
                    String name = r.getLocalName();
                    if (!sawRoot) {
                        if (!"topology".equals(name)) {
                            throw fail(line, "the root element is <" + Texts.escaped(name) + ">, not <topology>: this is not hwloc XML");
                        }
                        sawRoot = true;
                        version = Optional.ofNullable(r.getAttributeValue(null, "version")).map(String::strip);
                        open.push(HwlocObject.other("topology", line, objectCount++));
                        continue;
                    }
                    if (open.size() >= MAX_DEPTH) {
                        throw fail(line, "elements nest more than " + MAX_DEPTH + " deep");
                    }
                    switch (name) {
                        case "object" -> open.push(startObject(r, line));
                        case "info" -> {
                            addInfo(r);
                            open.push(notAnObject);
                        }
                        default -> open.push(notAnObject);
                    }
                } else if (event == XMLStreamConstants.END_ELEMENT) {
                    HwlocObject closed = open.pop();
                    if (closed != notAnObject) {
                        endObject(closed);
                    }
                    if (open.isEmpty()) {
                        rootClosed = true;
                    }
                }
            }
        } finally {
            try {
                r.close();
            } catch (XMLStreamException | RuntimeException ignored) {
                // nothing more to read; the input stream is the caller's to close
            }
        }
        if (!sawRoot || !rootClosed) {
            throw fail(1, sawRoot ? "the document ends before </topology>" : "no <topology> element: this is not hwloc XML");
        }
        resolveNumaNodes();
        return new Document(version, List.copyOf(pciObjects), Optional.ofNullable(cpuObject), Optional.ofNullable(firstCpuModel),
                Map.copyOf(machineInfos), ignoredWithBusId);
    }

    /**
     * Gives each host bridge the NUMA node of its nearest enclosing object that holds NUMA nodes,
     * when that object holds exactly one (hwloc 1.x nests PCI inside the NUMANode; 2.x makes the
     * NUMANode a memory child of the Package or Group that also holds the host bridge). Done after
     * the whole document, because 2.x may write the memory children after the I/O children.
     */
    private void resolveNumaNodes() {
        hostBridgeAncestors.forEach((bridge, ancestors) -> {
            for (HwlocObject a : ancestors) {
                java.util.TreeSet<Integer> nodes = numaInside.get(a);
                if (nodes != null) {
                    if (nodes.size() == 1) {
                        bridge.numaNode(nodes.first());
                    }
                    return;
                }
            }
        });
    }

    private boolean hasNext(XMLStreamReader r) throws ImportException {
        try {
            return r.hasNext();
        } catch (XMLStreamException | RuntimeException e) {
            throw notWellFormed(e, line(r));
        }
    }

    private int next(XMLStreamReader r) throws ImportException {
        try {
            return r.next();
        } catch (XMLStreamException | RuntimeException e) {
            throw notWellFormed(e, line(r));
        }
    }

    private HwlocObject startObject(XMLStreamReader r, int line) throws ImportException {
        long order = objectCount++;
        String typeText = r.getAttributeValue(null, "type");
        if (typeText == null || typeText.isBlank()) {
            throw fail(line, "<object> without a type attribute");
        }
        String type = typeText.strip();
        String busIdText = r.getAttributeValue(null, "pci_busid");
        HwlocObject.Kind kind = kindOf(type, r.getAttributeValue(null, "bridge_type"), busIdText != null, line);
        if (kind == HwlocObject.Kind.OTHER) {
            if (busIdText != null) {
                ignoredWithBusId++;
            }
            HwlocObject other = HwlocObject.other(type, line, order);
            String osIndex = r.getAttributeValue(null, "os_index");
            if (other.isNumaNode() && osIndex != null && osIndex.strip().matches("\\d{1,9}")) {
                int node = Integer.parseInt(osIndex.strip());
                numaInside.computeIfAbsent(other, k -> new java.util.TreeSet<>()).add(node);
                for (HwlocObject a : open) {
                    if (a.kind() == HwlocObject.Kind.OTHER && a != notAnObject) {
                        numaInside.computeIfAbsent(a, k -> new java.util.TreeSet<>()).add(node);
                    }
                }
            }
            return other;
        }
        HwlocObject pciParent = nearestPciObject();
        String bridgePciText = r.getAttributeValue(null, "bridge_pci");
        HwlocPciText.BusRange range = null;
        if (bridgePciText != null && kind != HwlocObject.Kind.PCI_DEVICE) {
            range = HwlocPciText.bridgePci(bridgePciText).orElseThrow(() -> fail(line,
                    "malformed bridge_pci " + Texts.quote(bridgePciText) + " (expected DDDD:[SS-EE] in hex, secondary <= subordinate)"));
        }
        HwlocObject obj;
        if (kind == HwlocObject.Kind.HOST_BRIDGE) {
            obj = HwlocObject.hostBridge(type, line, order, pciParent, range);
            hostBridgeAncestors.put(obj, open.stream().filter(a -> a.kind() == HwlocObject.Kind.OTHER && a != notAnObject).toList());
        } else {
            if (busIdText == null) {
                throw fail(line, type + " object without a pci_busid attribute");
            }
            PciAddress address = HwlocPciText.busId(busIdText).orElseThrow(() -> fail(line,
                    "malformed pci_busid " + Texts.quote(busIdText) + " (expected DDDD:BB:DD.F in hex, device <= 1f, function <= 7)"));
            String pciTypeText = r.getAttributeValue(null, "pci_type");
            if (pciTypeText == null) {
                throw fail(line, address + ": " + type + " object without a pci_type attribute");
            }
            HwlocPciText.PciType pciType = HwlocPciText.pciType(pciTypeText).orElseThrow(() -> fail(line, address
                    + ": malformed pci_type " + Texts.quote(pciTypeText) + " (expected CCCC [VVVV:DDDD] [SSSS:SSSS] RR [PP] in hex)"));
            String speedText = r.getAttributeValue(null, "pci_link_speed");
            double gbps = Double.NaN;
            if (speedText != null) {
                gbps = HwlocPciText.linkSpeed(speedText).orElseThrow(() -> fail(line, address
                        + ": malformed pci_link_speed " + Texts.quote(speedText) + " (expected a non-negative number of GB/s)"));
            }
            Integer firstLine = seenAt.putIfAbsent(address, line);
            if (firstLine != null) {
                throw fail(line, "duplicate pci_busid " + address + " (first at line " + firstLine + ")");
            }
            obj = HwlocObject.function(kind, type, line, order, pciParent, address, pciType, range, gbps);
        }
        pciObjects.add(obj);
        return obj;
    }

    /**
     * Classifies an object as hwloc does: type names match case-insensitively and may be cut short
     * (hwloc accepts "pci" for PCIDev); {@code bridge_type} tells a host bridge from a PCI bridge.
     */
    private HwlocObject.Kind kindOf(String type, String bridgeTypeText, boolean hasBusId, int line) throws ImportException {
        HwlocObject.Kind named;
        if (typeMatches(type, "bridge", 4)) {
            named = null; // decided by bridge_type below
        } else if (typeMatches(type, "hostbridge", 6)) {
            named = HwlocObject.Kind.HOST_BRIDGE;
        } else if (typeMatches(type, "pcibridge", 5)) {
            named = HwlocObject.Kind.PCI_BRIDGE;
        } else if (typeMatches(type, "pcidev", 3)) {
            return HwlocObject.Kind.PCI_DEVICE;
        } else {
            return HwlocObject.Kind.OTHER;
        }
        HwlocObject.Kind byAttribute = null;
        if (bridgeTypeText != null) {
            HwlocPciText.BridgeType bt = HwlocPciText.bridgeType(bridgeTypeText).orElseThrow(() -> fail(line,
                    "malformed bridge_type " + Texts.quote(bridgeTypeText) + " (expected U-D, e.g. 0-1 or 1-1)"));
            if (bt.equals(HwlocPciText.BridgeType.HOST)) {
                byAttribute = HwlocObject.Kind.HOST_BRIDGE;
            } else if (bt.equals(HwlocPciText.BridgeType.PCI)) {
                byAttribute = HwlocObject.Kind.PCI_BRIDGE;
            } else {
                throw fail(line, "unsupported bridge_type " + Texts.quote(bridgeTypeText)
                        + " (only 0-1, a host bridge, and 1-1, a PCI-to-PCI bridge, lead to PCI buses)");
            }
        }
        if (named != null && byAttribute != null && named != byAttribute) {
            throw fail(line, "object type " + Texts.quote(type) + " contradicts bridge_type " + Texts.quote(bridgeTypeText));
        }
        if (named != null) {
            return named;
        }
        if (byAttribute != null) {
            return byAttribute;
        }
        return hasBusId ? HwlocObject.Kind.PCI_BRIDGE : HwlocObject.Kind.HOST_BRIDGE;
    }

    /** hwloc's type-name rule: a case-insensitive prefix of {@code full} at least {@code minLength} long. */
    private static boolean typeMatches(String type, String full, int minLength) {
        return type.length() >= minLength && type.length() <= full.length() && full.regionMatches(true, 0, type, 0, type.length());
    }

    private HwlocObject nearestPciObject() {
        for (HwlocObject o : open) {
            if (o != notAnObject && o.kind() != HwlocObject.Kind.OTHER) {
                return o;
            }
        }
        return null;
    }

    private void addInfo(XMLStreamReader r) {
        String name = r.getAttributeValue(null, "name");
        String value = r.getAttributeValue(null, "value");
        if (name == null || value == null) {
            return;
        }
        if (MACHINE_INFOS.contains(name) && !value.isBlank()) {
            machineInfos.putIfAbsent(name, value.strip());
        }
        if ("CPUModel".equals(name) && firstCpuModel == null && !value.isBlank()) {
            firstCpuModel = value.strip();
        }
        HwlocObject owner = open.peek();
        if (owner != null && owner != notAnObject) {
            owner.addInfo(name, value.strip());
        }
    }

    private void endObject(HwlocObject closed) {
        if (closed.info("CPUVendor").isPresent() && (cpuObject == null || closed.order() < cpuObject.order())) {
            cpuObject = closed;
        }
    }

    private int line(XMLStreamReader r) {
        try {
            Location loc = r.getLocation();
            return loc == null || loc.getLineNumber() < 1 ? 1 : loc.getLineNumber();
        } catch (RuntimeException e) {
            return 1;
        }
    }

    private ImportException notWellFormed(Exception e, int fallbackLine) {
        int line = fallbackLine;
        if (e instanceof XMLStreamException xe && xe.getLocation() != null && xe.getLocation().getLineNumber() > 0) {
            line = xe.getLocation().getLineNumber();
        }
        Throwable cause = e instanceof XMLStreamException xe && xe.getNestedException() != null ? xe.getNestedException() : e.getCause();
        if (cause instanceof StrictTextReader.BadTextException bad) {
            return new ImportException(source + ":" + bad.line() + ": " + bad.getMessage() + " text (binary data, or a wrong encoding?)", e);
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int at = msg.indexOf("Message: ");
        if (at >= 0) {
            msg = msg.substring(at + "Message: ".length());
        }
        msg = Texts.capQuoted(oneLine(msg));
        if (msg.contains("was referenced, but not declared")) {
            msg += " (entity declarations and DTDs are not processed)";
        } else if (msg.contains("must start and end within the same entity") || msg.contains("Premature end of file")) {
            msg = "the file ends inside the document (truncated?): " + msg;
        }
        // before the root element: some other kind of file, which the parser's message does not quote
        String kind = sawRoot ? "" : ", not an hwloc XML file";
        return new ImportException(source + ":" + line + ": not well-formed XML" + kind + ": " + msg, e);
    }

    private ImportException fail(int line, String what) {
        return new ImportException(source + ":" + line + ": " + what);
    }


    /** Replaces line breaks and other control characters with spaces and trims. */
    static String oneLine(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? ' ' : c);
        }
        return b.toString().strip().replaceAll(" {2,}", " ");
    }
}
