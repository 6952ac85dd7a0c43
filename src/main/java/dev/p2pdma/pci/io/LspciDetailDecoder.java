package dev.p2pdma.pci.io;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PortType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Interprets lspci's text for one function: the header description ({@code Class 0604: Device
 * 10b5:9716 (rev aa)}, {@code PCI bridge: Vendor Name (rev 02)}, {@code -n} and {@code -nn} forms)
 * and the decoded lines a {@code -vvv} listing prints (bus numbers, PCI Express port type, link,
 * ACS, NUMA node, driver, IOMMU group).
 *
 * <p>Lines it does not need are ignored; a line it needs but cannot read gives an
 * {@link ImportException} naming the source and line. Stateless and thread-safe.
 */
final class LspciDetailDecoder {

    /** {@code (rev 02)}. */
    private static final Pattern REVISION = Pattern.compile("\\(rev ([0-9A-Fa-f]{2})\\)");
    /** {@code (prog-if 01 [AHCI 1.0])}. */
    private static final Pattern PROG_IF = Pattern.compile("\\(prog-if ([0-9A-Fa-f]{2})");
    /** {@code -n}: {@code 0106: 8086:3a22 (rev 02)}. */
    private static final Pattern NUMERIC = Pattern.compile("^([0-9A-Fa-f]{4}): ([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})(?:\\s|$)");
    /** Class unknown to the ID database: {@code Class 0604: ...}. */
    private static final Pattern CLASS_NUMBER = Pattern.compile("^Class ([0-9A-Fa-f]{4}):");
    /** {@code -nn}: {@code SATA controller [0106]: ...}. */
    private static final Pattern CLASS_BRACKET = Pattern.compile("^[^:\\[]*\\[([0-9A-Fa-f]{4})\\]:");
    /** {@code -nn}: {@code ... [8086:3a22]}. */
    private static final Pattern IDS_BRACKET = Pattern.compile("\\[([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})\\]");
    /** Vendor unknown to the ID database: {@code : Device 10b5:9716}. */
    private static final Pattern IDS_DEVICE = Pattern.compile(": Device ([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})(?:\\s|$)");
    /** {@code Bus: primary=05, secondary=06, subordinate=06, sec-latency=0}. */
    private static final Pattern BUS = Pattern.compile(
            "^Bus: primary=([0-9A-Fa-f]{2}), secondary=([0-9A-Fa-f]{2}), subordinate=([0-9A-Fa-f]{2})(?:,|$)");
    /** {@code Capabilities: [68] ...} or {@code Capabilities: [100 v1] ...}. */
    private static final Pattern CAPABILITY = Pattern.compile("^Capabilities: \\[([0-9A-Fa-f]{1,3})(?: v(\\d+))?\\]\\s*(.*)$");
    /** {@code Express (v2) Downstream Port (Slot+), MSI 00}. */
    private static final Pattern EXPRESS = Pattern.compile("^Express (?:\\(v\\d+\\) )?(.*)$");
    /** {@code Speed 8GT/s}. */
    private static final Pattern SPEED = Pattern.compile("Speed ([0-9]+(?:\\.[0-9]+)?)GT/s");
    /** {@code Width x4}. */
    private static final Pattern WIDTH = Pattern.compile("Width x(\\d+)");
    /** One ACS flag: {@code SrcValid+}. */
    private static final Pattern FLAG = Pattern.compile("([A-Za-z]+)([+-])");
    /** The DevCtl continuation line lspci -vv prints: {@code MaxPayload 256 bytes, MaxReadReq 512 bytes}. */
    private static final Pattern DEVCTL_SIZES = Pattern.compile("MaxPayload (\\d{1,5}) bytes, MaxReadReq (\\d{1,5}) bytes");
    /** {@code NUMA node: 0}. */
    private static final Pattern NUMA = Pattern.compile("^NUMA node: (-?\\d+)$");
    /** {@code IOMMU group: 12}. */
    private static final Pattern IOMMU_GROUP = Pattern.compile("^IOMMU group: (\\d+)$");
    /** {@code Kernel driver in use: nvme}. */
    private static final Pattern DRIVER = Pattern.compile("^Kernel driver in use: (\\S+)$");

    /** lspci's names of the PCI Express Device/Port Types, most specific first. */
    private static final List<Map.Entry<String, PortType>> PORT_TYPES = List.of(
            Map.entry("Root Complex Integrated Endpoint", PortType.RC_INTEGRATED_ENDPOINT),
            Map.entry("Root Complex Event Collector", PortType.RC_EVENT_COLLECTOR),
            Map.entry("Legacy Endpoint", PortType.LEGACY_ENDPOINT),
            Map.entry("Endpoint", PortType.ENDPOINT),
            Map.entry("Root Port", PortType.ROOT_PORT),
            Map.entry("Upstream Port", PortType.UPSTREAM_PORT),
            Map.entry("Downstream Port", PortType.DOWNSTREAM_PORT),
            Map.entry("PCI-Express to PCI/PCI-X Bridge", PortType.PCIE_TO_PCI_BRIDGE),
            Map.entry("PCI/PCI-X to PCI-Express Bridge", PortType.PCI_TO_PCIE_BRIDGE));

    /** lspci's names of the ACS flags and their bits. */
    private static final Map<String, Integer> ACS_FLAGS = Map.of(
            "SrcValid", Acs.SV, "TransBlk", Acs.TB, "ReqRedir", Acs.RR, "CmpltRedir", Acs.CR,
            "UpstreamFwd", Acs.UF, "EgressCtrl", Acs.EC, "DirectTrans", Acs.DT);

    private LspciDetailDecoder() {
    }

    /**
     * Decodes one function's header description and detail lines.
     *
     * @param source how messages name the input
     * @param entry  the function as read
     * @throws ImportException when a line it needs is malformed
     */
    static LspciDecodedFacts decode(String source, LspciEntry entry) throws ImportException {
        return new Scan(source, entry).run();
    }

    /** The state of one decoding pass; used by one thread, then dropped. */
    private static final class Scan {
        /** How messages name the input. */
        private final String source;
        /** The function being decoded. */
        private final LspciEntry entry;
        /** What stays unknown, in words. */
        private final List<String> problems = new ArrayList<>();
        /** Vendor id, -1 when unknown. */
        private int vendorId = -1;
        /** Device id, -1 when unknown. */
        private int deviceId = -1;
        /** 24-bit class code, -1 when unknown. */
        private int classCode = -1;
        /** Revision, -1 when unknown. */
        private int revision = -1;
        /** Bus range from the {@code Bus:} line, or null. */
        private PciFunction.BusRange busRange;
        /** Port type from the {@code Express} line, or null when there is none. */
        private PortType expressType;
        /** True when a standard capability was listed. */
        private boolean standardCapsListed;
        /** True when an extended capability was listed. */
        private boolean extendedCapsListed;
        /** True when lspci could not read the capabilities. */
        private boolean capsDenied;
        /** True when the status register says there is no capability list. */
        private boolean statusSaysNoCaps;
        /** Why the extended capability list could not be followed, or null. */
        private String extendedChainProblem;
        /** Offset of the ACS capability, -1 when not listed. */
        private int acsOffset = -1;
        /** ACS Capability register from {@code ACSCap:}, -1 when not printed. */
        private int acsCap = -1;
        /** ACS Control register from {@code ACSCtl:}, -1 when not printed. */
        private int acsCtl = -1;
        /** Maximum link speed in GT/s, 0 when unknown. */
        private double maxSpeed;
        /** Maximum link width in lanes, 0 when unknown. */
        private int maxWidth;
        /** Negotiated link speed in GT/s, 0 when unknown. */
        private double curSpeed;
        /** Negotiated link width in lanes, 0 when unknown. */
        private int curWidth;
        /** NUMA node, or null. */
        private Integer numaNode;
        /** Max Payload Size from DevCtl, -1 when not printed. */
        private int maxPayload = -1;
        /** Max Read Request Size from DevCtl, -1 when not printed. */
        private int maxReadRequest = -1;
        /** Bound driver, or null. */
        private String driver;
        /** IOMMU group, or null. */
        private Integer iommuGroup;

        Scan(String source, LspciEntry entry) {
            this.source = source;
            this.entry = entry;
        }

        LspciDecodedFacts run() throws ImportException {
            readHeader(entry.description());
            for (LspciEntry.DetailLine line : entry.details()) {
                readDetail(line);
            }
            return new LspciDecodedFacts(opt(vendorId), opt(deviceId), opt(classCode), opt(revision), headerType(),
                    Optional.ofNullable(busRange), portType(), link(), acs(),
                    numaNode == null ? OptionalInt.empty() : OptionalInt.of(numaNode), Optional.ofNullable(driver),
                    iommuGroup == null ? OptionalInt.empty() : OptionalInt.of(iommuGroup), problems,
                    maxPayload < 0 ? OptionalInt.empty() : OptionalInt.of(maxPayload),
                    maxReadRequest < 0 ? OptionalInt.empty() : OptionalInt.of(maxReadRequest));
        }

        private void readHeader(String text) {
            Matcher m = REVISION.matcher(text);
            if (m.find()) {
                revision = Integer.parseInt(m.group(1), 16);
            }
            int progIf = 0;
            m = PROG_IF.matcher(text);
            if (m.find()) {
                progIf = Integer.parseInt(m.group(1), 16);
            }
            int cls = -1;
            if ((m = NUMERIC.matcher(text)).find()) {
                cls = Integer.parseInt(m.group(1), 16);
                vendorId = Integer.parseInt(m.group(2), 16);
                deviceId = Integer.parseInt(m.group(3), 16);
            } else {
                if ((m = CLASS_NUMBER.matcher(text)).find() || (m = CLASS_BRACKET.matcher(text)).find()) {
                    cls = Integer.parseInt(m.group(1), 16);
                } else {
                    int colon = text.indexOf(": ");
                    OptionalInt named = colon < 0 ? OptionalInt.empty() : PciClassNames.classOf(text.substring(0, colon));
                    if (named.isPresent()) {
                        cls = named.getAsInt();
                    }
                }
                Matcher ids = IDS_BRACKET.matcher(text);
                while (ids.find()) {
                    vendorId = Integer.parseInt(ids.group(1), 16);
                    deviceId = Integer.parseInt(ids.group(2), 16);
                }
                if (vendorId < 0 && (m = IDS_DEVICE.matcher(text)).find()) {
                    vendorId = Integer.parseInt(m.group(1), 16);
                    deviceId = Integer.parseInt(m.group(2), 16);
                }
            }
            if (cls >= 0) {
                classCode = cls << 8 | progIf;
            }
        }

        /** A Device Control size lspci printed, or -1 when it is not one the register can hold (128..4096). */
        private static int deviceControlSize(String digits) {
            int v = Integer.parseInt(digits);
            return v >= 128 && v <= 4096 && Integer.bitCount(v) == 1 ? v : -1;
        }

        private void readDetail(LspciEntry.DetailLine line) throws ImportException {
            String t = line.text();
            Matcher m;
            if (t.startsWith("Status: Cap")) {
                statusSaysNoCaps = t.startsWith("Status: Cap-");
            } else if (t.startsWith("Bus: ")) {
                m = BUS.matcher(t);
                if (!m.find()) {
                    throw bad(line, "unreadable bus numbers");
                }
                int secondary = Integer.parseInt(m.group(2), 16);
                int subordinate = Integer.parseInt(m.group(3), 16);
                busRange = new PciFunction.BusRange(secondary, subordinate);
            } else if (t.startsWith("Capabilities: ")) {
                readCapability(line);
            } else if ((m = DEVCTL_SIZES.matcher(t)).lookingAt()) {
                maxPayload = deviceControlSize(m.group(1));
                maxReadRequest = deviceControlSize(m.group(2));
            } else if (t.startsWith("LnkCap:")) {
                maxSpeed = speed(t);
                maxWidth = width(t);
            } else if (t.startsWith("LnkSta:")) {
                curSpeed = speed(t);
                curWidth = width(t);
            } else if (t.startsWith("ACSCap:")) {
                acsCap = flags(line);
            } else if (t.startsWith("ACSCtl:")) {
                acsCtl = flags(line);
            } else if (t.startsWith("NUMA node:")) {
                m = NUMA.matcher(t);
                if (!m.find()) {
                    throw bad(line, "unreadable NUMA node");
                }
                numaNode = parseInt(line, m.group(1));
            } else if (t.startsWith("IOMMU group:")) {
                m = IOMMU_GROUP.matcher(t);
                if (!m.find()) {
                    throw bad(line, "unreadable IOMMU group");
                }
                iommuGroup = parseInt(line, m.group(1));
            } else if (t.startsWith("Kernel driver in use:")) {
                m = DRIVER.matcher(t);
                if (!m.find()) {
                    throw bad(line, "unreadable driver name");
                }
                driver = m.group(1);
            }
        }

        private void readCapability(LspciEntry.DetailLine line) throws ImportException {
            String t = line.text();
            if (t.startsWith("Capabilities: <access denied>")) {
                capsDenied = true;
                return;
            }
            Matcher m = CAPABILITY.matcher(t);
            if (!m.find()) {
                throw bad(line, "unreadable capability line");
            }
            int offset = Integer.parseInt(m.group(1), 16);
            String body = m.group(3);
            boolean extended = offset >= 0x100;
            if (body.startsWith("<chain looped>") || body.startsWith("<chain broken>") || body.startsWith("<unreadable>")) {
                String what = String.format("lspci reports the %s capability list %s at 0x%02x (line %d)",
                        extended ? "extended" : "standard", body.strip(), offset, line.lineNumber());
                problems.add(what);
                if (extended) {
                    extendedChainProblem = what;
                }
                return;
            }
            if (extended) {
                extendedCapsListed = true;
                if (body.startsWith("Access Control Services") && acsOffset < 0) {
                    acsOffset = offset;
                }
                return;
            }
            standardCapsListed = true;
            Matcher e = EXPRESS.matcher(body);
            if (e.find() && expressType == null) {
                expressType = portTypeOf(e.group(1), line);
            }
        }

        private PortType portTypeOf(String text, LspciEntry.DetailLine line) {
            for (Map.Entry<String, PortType> p : PORT_TYPES) {
                if (text.startsWith(p.getKey())) {
                    return p.getValue();
                }
            }
            problems.add("PCI Express port type " + Texts.quote(text) + " not recognised (line " + line.lineNumber() + ")");
            return PortType.UNKNOWN;
        }

        private int flags(LspciEntry.DetailLine line) throws ImportException {
            String body = line.text().substring(line.text().indexOf(':') + 1);
            Matcher m = FLAG.matcher(body);
            int bits = 0;
            int seen = 0;
            while (m.find()) {
                Integer bit = ACS_FLAGS.get(m.group(1));
                if (bit != null) {
                    seen++;
                    if (m.group(2).equals("+")) {
                        bits |= bit;
                    }
                }
            }
            if (seen == 0) {
                throw bad(line, "no ACS flags (expected SrcValid+/- TransBlk+/- ...)");
            }
            return bits;
        }

        private static double speed(String t) {
            Matcher m = SPEED.matcher(t);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        }

        private static int width(String t) {
            Matcher m = WIDTH.matcher(t);
            return m.find() && m.group(1).length() <= 3 ? Integer.parseInt(m.group(1)) : 0;
        }

        private int parseInt(LspciEntry.DetailLine line, String digits) throws ImportException {
            try {
                return Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                throw bad(line, "number out of range " + Texts.quote(digits));
            }
        }

        private OptionalInt headerType() {
            if (busRange == null) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(classCode >= 0 && classCode >>> 8 == 0x0607 ? 2 : 1);
        }

        private PortType portType() {
            if (expressType != null) {
                return expressType;
            }
            if (capsDenied) {
                return PortType.UNKNOWN;
            }
            return standardCapsListed || statusSaysNoCaps ? PortType.CONVENTIONAL_PCI : PortType.UNKNOWN;
        }

        private LinkInfo link() {
            LinkInfo l = new LinkInfo(maxSpeed, maxWidth, curSpeed, curWidth);
            return l.isUnknown() ? LinkInfo.UNKNOWN : l;
        }

        private AcsState acs() {
            if (acsCap >= 0 && acsCtl >= 0) {
                return new AcsState.Present(acsCap, acsCtl);
            }
            if (acsOffset >= 0) {
                return new AcsState.Unknown(String.format("ACS capability at 0x%03x listed but lspci did not print both its "
                        + "ACSCap and ACSCtl registers (they need -vv)", acsOffset));
            }
            if (acsCap >= 0 || acsCtl >= 0) {
                return new AcsState.Unknown("lspci printed only one of the ACSCap and ACSCtl registers");
            }
            if (capsDenied) {
                return new AcsState.Unknown("lspci could not read the capabilities (<access denied>: it ran without root)");
            }
            if (extendedChainProblem != null) {
                return new AcsState.Unknown(extendedChainProblem);
            }
            if (extendedCapsListed || portType() == PortType.CONVENTIONAL_PCI || expressType != null) {
                // lspci reads the same config space the kernel sizes: no ACS listed means none the kernel can see
                return AcsState.ABSENT;
            }
            return new AcsState.Unknown("lspci's decoded text shows no capability list");
        }

        private ImportException bad(LspciEntry.DetailLine line, String what) {
            return new ImportException(source + ": line " + line.lineNumber() + ": " + what + " for " + entry.address()
                    + ": " + Texts.quote(line.text()));
        }

        private static OptionalInt opt(int v) {
            return v < 0 ? OptionalInt.empty() : OptionalInt.of(v);
        }
    }
}
