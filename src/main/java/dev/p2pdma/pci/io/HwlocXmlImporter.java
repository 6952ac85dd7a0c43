package dev.p2pdma.pci.io;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.pci.PortTypeInference;
import dev.p2pdma.pci.TopologyException;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Imports the PCI tree from the XML that {@code lstopo --of xml} writes: hwloc 1.x files (root
 * {@code <topology>} without a version) and 2.x/3.x files ({@code version="2.0"} or {@code "3.0"}).
 *
 * <p>Every {@code <object>} is visited wherever it is nested; {@code Bridge} objects with
 * {@code bridge_type="0-1"} are host bridges (no function of their own), those with {@code "1-1"}
 * and {@code PCIDev} objects become {@link PciFunction}s. The XML nesting gives the parents: a
 * function inside a PCI bridge hangs below that bridge, one inside a host bridge sits on the root
 * bus {@code (domain, its own bus)}, one outside any bridge is placed by bus numbers.
 *
 * <p>What hwloc XML does not record, and what this importer does about it (also stated in each
 * function's {@code problems} or the machine notes):
 * <ul>
 *   <li>ACS: {@link AcsState.Unknown} on every function.</li>
 *   <li>PCIe port types: inferred from the tree. A PCI-to-PCI bridge (class 0604,
 *       prog-if 00) on a root bus is a root port, one below a root port or downstream port is a
 *       switch upstream port, one below an upstream port is a downstream port; other bridges
 *       and the devices below them are unknown; all other devices are assumed endpoints.</li>
 *   <li>Header type: 0x01 for bridges, 0x00 otherwise (unknown for CardBus bridges); the
 *       multi-function bit is never set.</li>
 *   <li>Link speed and width: unknown; hwloc's {@code pci_link_speed} is a bandwidth in GB/s that
 *       mixes both, so it is only quoted in {@code problems} when non-zero.</li>
 *   <li>Programming interface: hwloc 2.x+ writes it as the last field of {@code pci_type} and it
 *       goes into bits 7..0 of the class code; hwloc 1.x files lack it and get prog-if 00.</li>
 *   <li>SR-IOV: hwloc does not mark virtual functions, so all functions are treated as physical.</li>
 *   <li>NUMA node: the one NUMA node of the nearest object enclosing the function's host bridge
 *       (1.x: the NUMANode itself; 2.x: the Package or Group whose memory child it is); none when
 *       that object holds several or none.</li>
 * </ul>
 *
 * <p>Input safety: no DTD is read or fetched, external entities are off, entity expansion fails
 * at the first reference (see {@link HwlocXmlReader}). All bad input gives an
 * {@link ImportException} of one line naming the file and, where there is one, the line.
 *
 * <p>Stateless; safe to use from several threads.
 */
public final class HwlocXmlImporter {

    /** hwloc's DMI info names (its Linux backend reads them from /sys/class/dmi/id) and the sysfs names they stand for. */
    private static final Map<String, String> DMI_INFOS = Map.of("DMISysVendor", "sys_vendor", "DMIProductName", "product_name",
            "DMIProductVersion", "product_version", "DMIBoardVendor", "board_vendor", "DMIBoardName", "board_name",
            "DMIBIOSVendor", "bios_vendor", "DMIBIOSVersion", "bios_version", "DMIChassisVendor", "chassis_vendor");

    /** Prefix of {@link MachineInfo#source()} for topologies from this importer. */
    public static final String SOURCE_PREFIX = "hwloc XML ";
    /** The ACS state of every imported function. */
    private static final AcsState ACS_UNKNOWN = new AcsState.Unknown("hwloc XML does not record ACS");
    /** PCI class of PCI-to-PCI bridges (base 06, sub-class 04). */
    private static final int CLASS_PCI_BRIDGE = 0x0604;
    /** PCI class of CardBus bridges, whose header layout is 2. */
    private static final int CLASS_CARDBUS_BRIDGE = 0x0607;
    /** Bytes looked at to tell compressed or binary files from XML. */
    private static final int SNIFF_BYTES = 512;

    private HwlocXmlImporter() {
    }

    /**
     * Reads an hwloc XML file.
     *
     * @param file the {@code .xml} file
     * @return the PCI tree, with {@code source} "hwloc XML &lt;file&gt;"
     * @throws ImportException when the file is missing, unreadable, not hwloc XML, malformed or hostile
     */
    public static PciTopology read(Path file) throws ImportException {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        if (!Files.exists(file)) {
            throw new ImportException(name + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new ImportException(name + ": is a directory, not an hwloc XML file");
        }
        InputFiles.refuseSpecialFile(file, "a regular file");
        if (!Files.isReadable(file)) {
            throw new ImportException(name + ": cannot be read (permission denied)");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return read(in, name);
        } catch (IOException e) {
            throw new ImportException(name + ": cannot be read: " + HwlocXmlReader.oneLine(String.valueOf(e.getMessage())), e);
        }
    }

    /**
     * Reads hwloc XML from a stream.
     *
     * @param in         the XML bytes; read to the end, not closed
     * @param sourceName what to call the input in messages and in {@link MachineInfo#source()}
     * @return the PCI tree
     * @throws ImportException when the bytes are not hwloc XML, malformed or hostile
     */
    public static PciTopology read(InputStream in, String sourceName) throws ImportException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(sourceName, "sourceName");
        BufferedInputStream buffered = in instanceof BufferedInputStream b ? b : new BufferedInputStream(in);
        refuseNonXml(buffered, sourceName);
        HwlocXmlReader.Document doc = HwlocXmlReader.read(buffered, sourceName);
        return build(doc, sourceName);
    }

    /** Gives a clear message for empty, compressed and binary files before the XML parser sees them. */
    private static void refuseNonXml(BufferedInputStream in, String name) throws ImportException {
        byte[] head;
        try {
            in.mark(SNIFF_BYTES);
            head = in.readNBytes(SNIFF_BYTES);
            in.reset();
        } catch (IOException e) {
            throw new ImportException(name + ": cannot be read: " + HwlocXmlReader.oneLine(String.valueOf(e.getMessage())), e);
        }
        if (head.length == 0) {
            throw new ImportException(name + ": is empty, not hwloc XML");
        }
        String compressed = compression(head);
        if (compressed != null) {
            throw new ImportException(name + ": is " + compressed + "-compressed, not hwloc XML: decompress it first"
                    + " (a compressed sysfs capture tarball needs the sysfs importer)");
        }
        boolean utf16or32 = head.length >= 2 && (head[0] == 0 || head[1] == 0 || (head[0] & 0xff) == 0xfe || (head[0] & 0xff) == 0xff);
        if (!utf16or32) {
            for (byte b : head) {
                if (b == 0) {
                    throw new ImportException(name + ": is a binary file (it holds NUL bytes), not hwloc XML");
                }
            }
        }
    }

    /** The compression format whose magic number starts {@code head}, or null. */
    private static String compression(byte[] head) {
        if (startsWith(head, 0x1f, 0x8b)) {
            return "gzip";
        }
        if (startsWith(head, 'B', 'Z', 'h')) {
            return "bzip2";
        }
        if (startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
            return "xz";
        }
        if (startsWith(head, 0x28, 0xb5, 0x2f, 0xfd)) {
            return "zstd";
        }
        if (startsWith(head, 'P', 'K', 3, 4)) {
            return "zip";
        }
        return null;
    }

    private static boolean startsWith(byte[] head, int... magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static PciTopology build(HwlocXmlReader.Document doc, String name) throws ImportException {
        MachineInfo machine = machineInfo(doc, name);
        PciTopology.Builder tree = PciTopology.builder(machine);
        int placedByBusNumbers = 0;
        try {
            for (HwlocObject o : doc.pciObjects()) {
                if (o.kind() == HwlocObject.Kind.HOST_BRIDGE) {
                    Optional<HwlocObject> above = o.pciParent();
                    if (above.isPresent()) {
                        throw fail(name, o.line(), "host bridge nested inside the PCI object at line " + above.get().line());
                    }
                    continue;
                }
                List<String> problems = new ArrayList<>();
                Parent parent = parentOf(o, name, problems);
                if (parent instanceof Parent.FromBusNumbers) {
                    placedByBusNumbers++;
                }
                tree.add(function(o, PortType.UNKNOWN, problems), parent);
            }
            PciTopology topology = PortTypeInference.inferUnknown(tree.build());
            if (placedByBusNumbers > 0) {
                topology = topology.withMachine(topology.machine().withNote(placedByBusNumbers
                        + " PCI object(s) sit outside any bridge in the XML (host bridges filtered out?): placed by bus numbers"));
            }
            return topology;
        } catch (TopologyException e) {
            throw new ImportException(name + ": " + HwlocXmlReader.oneLine(String.valueOf(e.getMessage())), e);
        }
    }

    /** The parent the XML nesting gives, checked against the enclosing bridge's bus range. */
    private static Parent parentOf(HwlocObject o, String name, List<String> problems) throws ImportException {
        Optional<HwlocObject> above = o.pciParent();
        if (above.isEmpty()) {
            problems.add("not inside a host bridge or PCI bridge in the hwloc XML: parent found from bus numbers");
            return Parent.FROM_BUS_NUMBERS;
        }
        HwlocObject p = above.get();
        PciAddress a = o.address();
        if (p.kind() == HwlocObject.Kind.PCI_DEVICE) {
            throw fail(name, o.line(), a + ": nested inside PCI device " + p.address() + " (line " + p.line() + "), which is not a bridge");
        }
        String what = p.kind() == HwlocObject.Kind.HOST_BRIDGE ? "its host bridge" : "its parent bridge " + p.address();
        Optional<HwlocPciText.BusRange> range = p.busRange();
        if (range.isPresent()) {
            HwlocPciText.BusRange r = range.get();
            if (!r.contains(a.domain(), a.bus())) {
                throw fail(name, o.line(), a + ": outside the bus range " + r.text() + " of " + what + " (line " + p.line() + ")");
            }
            if (a.bus() != r.secondary()) {
                problems.add(String.format("bus %02x is not the secondary bus %02x of %s: a bridge between them is missing from the XML",
                        a.bus(), r.secondary(), what));
            }
        }
        if (p.kind() == HwlocObject.Kind.HOST_BRIDGE) {
            return new Parent.RootBus(new HostBridge(a.domain(), a.bus()));
        }
        return new Parent.Bridge(p.address());
    }

    private static PciFunction function(HwlocObject o, PortType port, List<String> problems) {
        HwlocPciText.PciType t = o.pciType();
        PciFunction.Builder b = PciFunction.builder(o.address())
                .ids(t.vendor(), t.device())
                .subsystem(t.subVendor(), t.subDevice())
                .classCode(t.classCode())
                .revision(t.revision())
                .portType(port)
                .acs(ACS_UNKNOWN);
        for (Optional<HwlocObject> up = o.pciParent(); up.isPresent(); up = up.get().pciParent()) {
            if (up.get().kind() == HwlocObject.Kind.HOST_BRIDGE) {
                up.get().numaNode().ifPresent(b::numaNode);
                break;
            }
        }
        if (t.progIf().isEmpty()) {
            b.problem("programming interface not recorded (hwloc 1.x file): class code has prog-if 00");
        }
        if (o.kind() == HwlocObject.Kind.PCI_BRIDGE) {
            b.headerType(0x01);
            o.busRange().ifPresentOrElse(r -> b.busRange(r.secondary(), r.subordinate()),
                    () -> b.problem("bridge bus range not recorded (no bridge_pci attribute)"));
        } else if (t.classId() == CLASS_CARDBUS_BRIDGE) {
            b.headerType(-1);
            b.problem("header type unknown: a CardBus bridge, which hwloc records as a plain device");
        } else {
            b.headerType(0x00);
        }
        o.linkGbps().ifPresent(gbps -> {
            if (gbps > 0) {
                b.problem(String.format(Locale.ROOT, "link speed and width unknown: hwloc records only the bandwidth, %.2f GB/s", gbps));
            }
        });
        description(o).ifPresent(b::description);
        problems.forEach(b::problem);
        return b.build();
    }

    /** "PCIVendor PCIDevice" from the object's infos, when it has them. */
    private static Optional<String> description(HwlocObject o) {
        String vendor = o.info("PCIVendor").orElse("");
        String device = o.info("PCIDevice").orElse("");
        String text = (vendor + " " + device).strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(HwlocXmlReader.oneLine(text));
    }

    private static MachineInfo machineInfo(HwlocXmlReader.Document doc, String name) throws ImportException {
        MachineInfo m = MachineInfo.unknown(SOURCE_PREFIX + name);
        m = m.withNote(formatNote(doc.formatVersion()));
        Optional<CpuInfo> cpu = cpu(doc, name);
        m = m.withCpu(cpu);
        if (cpu.isEmpty()) {
            String model = doc.firstCpuModel().map(text -> " (CPUModel " + Texts.quote(text) + ")").orElse("");
            m = m.withNote(doc.cpuObject().isPresent()
                    ? "CPU unknown: the file has a CPUVendor info but no CPUFamilyNumber beside it" + model
                    : "CPU unknown: the file has no CPUVendor and CPUFamilyNumber infos" + model);
        }
        Map<String, String> infos = doc.machineInfos();
        SortedMap<String, String> dmi = new TreeMap<>();
        DMI_INFOS.forEach((info, sysfsName) -> {
            if (infos.containsKey(info) && !infos.get(info).isBlank()) {
                dmi.put(sysfsName, HwlocXmlReader.oneLine(infos.get(info)).strip());
            }
        });
        m = m.withPlatform(m.platform().withDmi(dmi));
        if (infos.containsKey("DMIProductName")) {
            m = m.withNote("machine: " + HwlocXmlReader.oneLine(infos.get("DMIProductName")) + " (DMIProductName)");
        }
        if (infos.containsKey("Architecture")) {
            m = m.withNote("architecture: " + HwlocXmlReader.oneLine(infos.get("Architecture")));
        }
        if (infos.containsKey("hwlocVersion")) {
            m = m.withNote("written by hwloc " + HwlocXmlReader.oneLine(infos.get("hwlocVersion")));
        }
        if (doc.pciObjects().isEmpty()) {
            m = m.withNote("no PCI objects in the file: it was written without I/O discovery");
        } else {
            m = m.withNote("hwloc XML records no config space: ACS unknown, PCIe port types inferred from the tree,"
                    + " header type 0x01 for bridges and 0x00 otherwise without the multi-function bit, link speed and width unknown");
            m = m.withNote("hwloc XML does not mark SR-IOV virtual functions: every function is treated as a physical one");
        }
        if (doc.ignoredWithBusId() > 0) {
            m = m.withNote(doc.ignoredWithBusId() + " object(s) of types other than Bridge/PCIDev carry a pci_busid: ignored");
        }
        return m;
    }

    private static String formatNote(Optional<String> version) {
        if (version.isEmpty()) {
            return "hwloc XML format 1.x (no version attribute)";
        }
        String v = HwlocXmlReader.oneLine(version.get());
        String major = v.contains(".") ? v.substring(0, v.indexOf('.')) : v;
        if (!major.equals("1") && !major.equals("2") && !major.equals("3")) {
            return "hwloc XML format " + Texts.quote(v) + ", newer than this importer knows: read like 3.0";
        }
        return "hwloc XML format " + v;
    }

    /** The CPU of the first object (document order) with CPUVendor and CPUFamilyNumber infos. */
    private static Optional<CpuInfo> cpu(HwlocXmlReader.Document doc, String name) throws ImportException {
        if (doc.cpuObject().isEmpty()) {
            return Optional.empty();
        }
        HwlocObject o = doc.cpuObject().get();
        String vendor = HwlocXmlReader.oneLine(o.info("CPUVendor").orElseThrow());
        Optional<String> familyText = o.info("CPUFamilyNumber");
        if (familyText.isEmpty()) {
            return Optional.empty();
        }
        String digits = familyText.get().strip();
        // ASCII digits only (Integer.parseInt takes any Unicode digit), and no more than CPUID can report
        int family = digits.matches("[0-9]{1,9}") ? Integer.parseInt(digits) : -1;
        if (family < 0 || family > CpuInfo.MAX_FAMILY) {
            throw fail(name, o.line(), "malformed CPUFamilyNumber " + Texts.quote(familyText.get())
                    + " in the " + o.typeName() + " object (expected a decimal number 0.." + CpuInfo.MAX_FAMILY + ")");
        }
        return Optional.of(new CpuInfo(vendor, family, HwlocXmlReader.oneLine(o.info("CPUModel").orElse(""))));
    }

    private static ImportException fail(String name, int line, String what) {
        return new ImportException(name + ":" + line + ": " + what);
    }
}
