package dev.p2pdma.pci.io;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.ConfigSpace;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.KernelConfig;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.P2pMemInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PlatformFacts;
import dev.p2pdma.pci.PortTypeInference;
import dev.p2pdma.pci.TopologyException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * Reads a Linux sysfs tree into a {@link PciTopology}: the live machine ({@code /}), a captured
 * copy in a directory, or a capture tarball in the format of the conformance cases
 * (shared/conformance/README.md, section 1).
 *
 * <p>Each function listed in {@code sys/bus/pci/devices} is followed to its directory under
 * {@code sys/devices/}; the directory above it is its parent: a bridge function's directory or a
 * host bridge directory {@code pci<domain>:<bus>}. Identity comes from the sysfs text attributes,
 * falling back to {@code config}; ACS, port type and the capability lists come from
 * {@code config}. Only the files the format names are read.
 *
 * <p>Bad input (a missing path, a file that is no capture, truncated or corrupt archives, links
 * that leave the capture or loop, an orphan or duplicate function, malformed attribute text) is an
 * {@link ImportException} with a one-line message naming the file, member or device. Stateless;
 * safe to call from several threads.
 */
public final class SysfsImporter {

    /** A hex attribute: {@code 0x8086} (the {@code 0x} is optional). */
    private static final Pattern HEX = Pattern.compile("(?:0[xX])?([0-9a-fA-F]{1,16})");
    /** A decimal attribute, possibly negative. */
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,19}");
    /** A link speed: {@code 8.0 GT/s PCIe}, {@code 8 GT/s}. */
    private static final Pattern SPEED = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*GT/s.*");
    /** An IOMMU group number. */
    private static final Pattern GROUP_NUMBER = Pattern.compile("[0-9]{1,9}");
    /** Resource flag: I/O port range. */
    private static final long IORESOURCE_IO = 0x100;
    /** Resource flag: memory range. */
    private static final long IORESOURCE_MEM = 0x200;
    /** Resource flag: prefetchable memory. */
    private static final long IORESOURCE_PREFETCH = 0x2000;
    /** Resource flag: 64-bit memory BAR. */
    private static final long IORESOURCE_MEM_64 = 0x100000;
    /** Number of standard BARs: the first lines of {@code resource}. */
    private static final int BAR_COUNT = 6;

    private SysfsImporter() {
    }

    /**
     * Reads a sysfs source: {@code /} (or {@code /sys}) for the live machine, a capture
     * directory, its {@code sys} sub-directory, or a capture tarball ({@code .tar.gz},
     * {@code .tgz}, {@code .tar.bz2}, plain tar; recognised by content).
     *
     * @throws ImportException naming the file and what is wrong
     */
    public static PciTopology read(Path path) throws ImportException {
        return read(path, TarCaptureTree.DEFAULT_MAX_BYTES);
    }

    /** Reads this machine's {@code /sys} and {@code /proc}. */
    public static PciTopology readLive() throws ImportException {
        return read(Path.of("/"));
    }

    /**
     * True when {@code path} looks like a sysfs source {@link #read(Path)} accepts: the live root,
     * a capture directory in one of its layouts, or a file that starts like a gzip, bzip2 or tar
     * stream. Only the layout and the first bytes are looked at; never throws.
     */
    public static boolean looksLikeSysfsSource(Path path) {
        return CaptureTrees.looksLikeSource(path);
    }

    /** {@link #read(Path)} with another cap on the uncompressed bytes of a tarball (for tests). */
    static PciTopology read(Path path, long maxTarBytes) throws ImportException {
        CaptureTree tree = CaptureTrees.open(path, SysfsLayout.IMPORTED_FILE_NAMES::contains, maxTarBytes);
        return importTree(tree);
    }

    /** Builds the topology of an opened tree. */
    static PciTopology importTree(CaptureTree tree) throws ImportException {
        Map<PciAddress, String> dirs = functionDirectories(tree);
        Map<String, PciAddress> byDir = new HashMap<>();
        dirs.forEach((a, d) -> byDir.put(d, a));
        List<PciAddress> unlisted = addUnlistedBridges(tree, dirs, byDir);
        Optional<SortedMap<Integer, List<PciAddress>>> groups = iommuGroups(tree);
        Map<PciAddress, Integer> groupOf = new HashMap<>();
        if (groups.isPresent()) {
            for (Map.Entry<Integer, List<PciAddress>> g : groups.get().entrySet()) {
                for (PciAddress a : g.getValue()) {
                    Integer old = groupOf.put(a, g.getKey());
                    if (old != null) {
                        throw new ImportException(tree.describe(SysfsLayout.IOMMU_GROUPS) + ": device " + a
                                + " is in IOMMU groups " + old + " and " + g.getKey());
                    }
                }
            }
        }
        MachineInfo machine = machineInfo(tree, groups);
        List<PciFunction> functions = new ArrayList<>(dirs.size());
        List<Parent> parents = new ArrayList<>(dirs.size());
        int unknownAcs = 0;
        String acsExample = "";
        for (Map.Entry<PciAddress, String> e : dirs.entrySet()) {
            PciAddress a = e.getKey();
            String dir = e.getValue();
            parents.add(parentOf(tree, a, dir, byDir));
            PciFunction f = readFunction(tree, a, dir, groupOf);
            functions.add(f);
            if (f.acs() instanceof AcsState.Unknown u && unknownAcs++ == 0) {
                acsExample = a + ": " + u.reason();
            }
        }
        if (!unlisted.isEmpty()) {
            machine = machine.withNote("found through the directory chain but not listed in sys/bus/pci/devices: "
                    + unlisted.stream().map(PciAddress::toString).collect(Collectors.joining(", ")));
        }
        if (unknownAcs > 0) {
            machine = machine.withNote("ACS is unknown for " + unknownAcs + " of " + dirs.size()
                    + " functions (e.g. " + acsExample + "); a capture taken as root has it");
        }
        PciTopology.Builder builder = PciTopology.builder(machine);
        try {
            for (int i = 0; i < functions.size(); i++) {
                builder.add(functions.get(i), parents.get(i));
            }
            return PortTypeInference.inferUnknown(builder.build());
        } catch (TopologyException ex) {
            throw new ImportException(tree.source() + ": " + ex.getMessage(), ex);
        }
    }

    /** Function address to canonical directory, from {@code sys/bus/pci/devices}. */
    private static Map<PciAddress, String> functionDirectories(CaptureTree tree) throws ImportException {
        List<String> names = tree.list(SysfsLayout.PCI_DEVICES).orElseThrow(() -> new ImportException(
                tree.describe(SysfsLayout.PCI_DEVICES) + ": missing: not a sysfs capture (no list of PCI devices)"));
        Map<PciAddress, String> dirs = new TreeMap<>();
        for (String name : names) {
            String link = SysfsLayout.PCI_DEVICES + "/" + name;
            PciAddress a = PciAddress.tryParse(name).orElseThrow(() -> new ImportException(
                    tree.describe(link) + ": '" + Texts.path(name) + "' is not a PCI address"));
            String dir = tree.resolve(link).orElseThrow(() -> new ImportException(
                    tree.describe(link) + ": device " + a + ": its link leads nowhere (no function directory)"));
            if (!dir.startsWith(SysfsLayout.DEVICES_PREFIX)) {
                throw new ImportException(tree.describe(link) + ": device " + a + ": its directory '" + Texts.path(dir)
                        + "' is not under sys/devices/ (a copy made with links dereferenced?)");
            }
            String base = dir.substring(dir.lastIndexOf('/') + 1);
            if (!PciAddress.tryParse(base).equals(Optional.of(a))) {
                throw new ImportException(tree.describe(link) + ": device " + a + ": its link leads to directory '"
                        + Texts.path(base) + "', which is not that function");
            }
            if (dirs.putIfAbsent(a, dir) != null) {
                throw new ImportException(tree.describe(link) + ": duplicate function " + a
                        + " (listed twice in sys/bus/pci/devices)");
            }
        }
        return dirs;
    }

    /**
     * Adds the function directories above listed functions that sys/bus/pci/devices does not list
     * (some trimmed dumps, such as hwloc's, leave bridges out): a directory named like a PCI
     * function that holds vendor and device files or a config file.
     *
     * @return the functions added, in address order
     */
    private static List<PciAddress> addUnlistedBridges(CaptureTree tree, Map<PciAddress, String> dirs,
                                                       Map<String, PciAddress> byDir) throws ImportException {
        List<PciAddress> added = new ArrayList<>();
        ArrayDeque<String> todo = new ArrayDeque<>(dirs.values());
        while (!todo.isEmpty()) {
            String dir = todo.poll();
            String parentDir = dir.substring(0, dir.lastIndexOf('/'));
            String parentName = parentDir.substring(parentDir.lastIndexOf('/') + 1);
            Optional<PciAddress> pa = PciAddress.tryParse(parentName);
            if (pa.isEmpty() || byDir.containsKey(parentDir) || SysfsLayout.HOST_BRIDGE.matcher(parentName).matches()) {
                continue;
            }
            Set<String> names = new HashSet<>(tree.list(parentDir).orElse(List.of()));
            boolean holdsFunction = names.contains("config") || names.contains("vendor") && names.contains("device");
            if (!holdsFunction) {
                // not a function directory: parentOf() reports the orphan
                continue;
            }
            if (dirs.containsKey(pa.get())) {
                throw new ImportException(tree.describe(parentDir) + ": duplicate function " + pa.get()
                        + " (also at " + tree.describe(dirs.get(pa.get())) + ")");
            }
            dirs.put(pa.get(), parentDir);
            byDir.put(parentDir, pa.get());
            added.add(pa.get());
            todo.add(parentDir);
        }
        added.sort(null);
        return added;
    }

    /** The parent from the directory chain: a host bridge directory or a listed bridge function. */
    private static Parent parentOf(CaptureTree tree, PciAddress a, String dir, Map<String, PciAddress> byDir)
            throws ImportException {
        String parentDir = dir.substring(0, dir.lastIndexOf('/'));
        String parentName = parentDir.substring(parentDir.lastIndexOf('/') + 1);
        Matcher m = SysfsLayout.HOST_BRIDGE.matcher(parentName);
        if (m.matches()) {
            int domain = (int) Long.parseLong(m.group(1), 16);
            int bus = Integer.parseInt(m.group(2), 16);
            if (domain != a.domain()) {
                throw new ImportException(tree.describe(dir) + ": device " + a + " sits below host bridge " + parentName
                        + " of another PCI domain");
            }
            return new Parent.RootBus(new HostBridge(domain, bus));
        }
        PciAddress bridge = byDir.get(parentDir);
        if (bridge != null) {
            return new Parent.Bridge(bridge);
        }
        if (PciAddress.tryParse(parentName).isPresent()) {
            throw new ImportException(tree.describe(dir) + ": device " + a + " is an orphan: its parent directory '"
                    + Texts.path(parentName) + "' is neither listed in sys/bus/pci/devices nor a function directory");
        }
        throw new ImportException(tree.describe(dir) + ": device " + a + ": its parent directory '" + Texts.path(parentName)
                + "' is neither a PCI function nor a host bridge (pci<domain>:<bus>)");
    }

    /** Reads one function directory. */
    private static PciFunction readFunction(CaptureTree tree, PciAddress a, String dir, Map<PciAddress, Integer> groupOf)
            throws ImportException {
        Attributes at = new Attributes(tree, dir, new HashSet<>(tree.list(dir).orElse(List.of())));
        PciFunction.Builder b = PciFunction.builder(a);
        ConfigSpace cs = null;
        Optional<byte[]> config = at.bytes("config");
        if (config.isPresent() && config.get().length > 0) {
            cs = ConfigSpace.parse(config.get());
            b.fromConfig(cs);
        }
        OptionalLong vendor = at.hex("vendor", 0xffff);
        OptionalLong device = at.hex("device", 0xffff);
        boolean configIds = cs != null && cs.length() >= 4;
        if ((vendor.isEmpty() || device.isEmpty()) && !configIds) {
            throw new ImportException(tree.describe(dir) + ": device " + a
                    + " has neither vendor and device files nor a readable config");
        }
        b.ids((int) (vendor.isPresent() ? vendor.getAsLong() : cs.vendorId()),
                (int) (device.isPresent() ? device.getAsLong() : cs.deviceId()));
        OptionalLong subVendor = at.hex("subsystem_vendor", 0xffff);
        OptionalLong subDevice = at.hex("subsystem_device", 0xffff);
        if (subVendor.isPresent() && subDevice.isPresent()) {
            b.subsystem((int) subVendor.getAsLong(), (int) subDevice.getAsLong());
        }
        OptionalLong classCode = at.hex("class", 0xffffff);
        if (classCode.isPresent()) {
            b.classCode((int) classCode.getAsLong());
        } else if (cs == null || cs.length() < 0x0c) {
            b.problem("class code unknown: no class file and no config space");
        }
        at.hex("revision", 0xff).ifPresent(r -> b.revision((int) r));
        b.link(link(at, cs == null ? LinkInfo.UNKNOWN : cs.link(), b));
        OptionalLong secondary = at.decimal("secondary_bus_number", 0, 0xff);
        OptionalLong subordinate = at.decimal("subordinate_bus_number", 0, 0xff);
        if (secondary.isPresent() && subordinate.isPresent()) {
            int sec = (int) secondary.getAsLong();
            int sub = (int) subordinate.getAsLong();
            if (sec <= a.bus() || sec > sub) {
                // firmware can leave a bridge unconfigured: accepted, but its range is not used
                b.busRange(-1, -1);
                b.problem(String.format("bridge bus numbers unassigned or invalid (secondary bus %02x, subordinate bus %02x, "
                        + "on bus %02x): its bus range is ignored", sec, sub, a.bus()));
            } else {
                b.busRange(sec, sub);
            }
        }
        at.decimal("numa_node", -1, Integer.MAX_VALUE).ifPresent(n -> b.numaNode((int) n));
        Optional<String> resource = at.text("resource");
        if (resource.isPresent()) {
            b.bars(bars(tree.describe(dir + "/resource"), resource.get()));
        }
        at.linkName("driver").ifPresent(b::driver);
        Optional<String> group = at.linkName("iommu_group");
        if (group.isPresent()) {
            b.iommuGroup(parseGroup(tree, dir + "/iommu_group", group.get()));
        } else if (groupOf.containsKey(a)) {
            b.iommuGroup(groupOf.get(a));
        }
        Optional<String> physfn = at.linkName("physfn");
        if (physfn.isPresent()) {
            b.physfn(linkedAddress(tree, dir + "/physfn", physfn.get()));
        }
        b.virtfns(virtfns(tree, dir, at));
        p2pmem(tree, dir, at, b);
        return b.build();
    }

    /** Sysfs link attributes win; where they are absent or unknown the config space's values stay. */
    private static LinkInfo link(Attributes at, LinkInfo fromConfig, PciFunction.Builder b) throws ImportException {
        double maxSpeed = at.speed("max_link_speed", b).orElse(0);
        double curSpeed = at.speed("current_link_speed", b).orElse(0);
        long maxWidth = at.decimal("max_link_width", 0, 0xffff).orElse(0);
        long curWidth = at.decimal("current_link_width", 0, 0xffff).orElse(0);
        return new LinkInfo(maxSpeed > 0 ? maxSpeed : fromConfig.maxSpeedGtps(),
                maxWidth > 0 ? (int) maxWidth : fromConfig.maxWidth(),
                curSpeed > 0 ? curSpeed : fromConfig.currentSpeedGtps(),
                curWidth > 0 ? (int) curWidth : fromConfig.currentWidth());
    }

    /** BARs 0..5 from the first six lines of {@code resource}. */
    static List<Bar> bars(String file, String text) throws ImportException {
        List<Bar> bars = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < Math.min(BAR_COUNT, lines.length); i++) {
            String[] f = lines[i].strip().split("\\s+");
            if (f.length != 3) {
                throw new ImportException(file + ": line " + (i + 1) + ": expected '0x<start> 0x<end> 0x<flags>', found "
                        + Texts.quote(lines[i]));
            }
            long start = hex64(file, i, f[0]);
            long end = hex64(file, i, f[1]);
            long flags = hex64(file, i, f[2]);
            if (start == 0 && end == 0) {
                continue;
            }
            if (Long.compareUnsigned(end, start) < 0 || end - start + 1 <= 0) {
                throw new ImportException(file + ": line " + (i + 1) + ": range 0x" + Long.toHexString(start) + "-0x"
                        + Long.toHexString(end) + " is empty or reversed");
            }
            boolean memory = (flags & IORESOURCE_MEM) != 0;
            if (!memory && (flags & IORESOURCE_IO) == 0) {
                continue;
            }
            bars.add(new Bar(i, start, end - start + 1, memory, memory && (flags & IORESOURCE_MEM_64) != 0,
                    memory && (flags & IORESOURCE_PREFETCH) != 0));
        }
        return bars;
    }

    private static long hex64(String file, int line, String token) throws ImportException {
        if (!token.startsWith("0x") || token.length() < 3 || token.length() > 18) {
            throw new ImportException(file + ": line " + (line + 1) + ": " + Texts.quote(token) + " is not a 64-bit hex number");
        }
        try {
            return Long.parseUnsignedLong(token.substring(2), 16);
        } catch (NumberFormatException e) {
            throw new ImportException(file + ": line " + (line + 1) + ": " + Texts.quote(token) + " is not a 64-bit hex number", e);
        }
    }

    private static List<PciAddress> virtfns(CaptureTree tree, String dir, Attributes at) throws ImportException {
        TreeMap<Integer, PciAddress> vfs = new TreeMap<>();
        for (String name : at.names()) {
            Matcher m = SysfsLayout.VIRTFN.matcher(name);
            if (m.matches()) {
                Optional<String> target = at.linkName(name);
                if (target.isPresent()) {
                    vfs.put(Integer.parseInt(m.group(1)), linkedAddress(tree, dir + "/" + name, target.get()));
                }
            }
        }
        return new ArrayList<>(vfs.values());
    }

    private static void p2pmem(CaptureTree tree, String dir, Attributes at, PciFunction.Builder b) throws ImportException {
        if (!at.names().contains(SysfsLayout.P2PMEM) || !tree.isDirectory(dir + "/" + SysfsLayout.P2PMEM)) {
            return;
        }
        String p = dir + "/" + SysfsLayout.P2PMEM;
        Attributes pm = new Attributes(tree, p, new HashSet<>(tree.list(p).orElse(List.of())));
        OptionalLong size = pm.decimal("size", 0, Long.MAX_VALUE);
        OptionalLong available = pm.decimal("available", 0, Long.MAX_VALUE);
        OptionalLong published = pm.decimal("published", 0, 1);
        if (size.isEmpty() || available.isEmpty() || published.isEmpty()) {
            b.problem("p2pmem/ lacks size, available or published: its peer-to-peer memory is ignored");
            return;
        }
        if (available.getAsLong() > size.getAsLong()) {
            throw new ImportException(tree.describe(p + "/available") + ": " + available.getAsLong()
                    + " bytes available is more than the pool size " + size.getAsLong());
        }
        b.p2pmem(new P2pMemInfo(size.getAsLong(), available.getAsLong(), published.getAsLong() == 1));
    }

    private static int parseGroup(CaptureTree tree, String link, String name) throws ImportException {
        if (!GROUP_NUMBER.matcher(name).matches()) {
            throw new ImportException(tree.describe(link) + ": links to '" + Texts.path(name) + "', not an IOMMU group number");
        }
        return Integer.parseInt(name);
    }

    private static PciAddress linkedAddress(CaptureTree tree, String link, String name) throws ImportException {
        return PciAddress.tryParse(name).orElseThrow(() -> new ImportException(
                tree.describe(link) + ": links to '" + Texts.path(name) + "', not a PCI function"));
    }

    /** Group number to sorted PCI members; empty when the kernel had no iommu_groups directory. */
    private static Optional<SortedMap<Integer, List<PciAddress>>> iommuGroups(CaptureTree tree) throws ImportException {
        Optional<List<String>> names = tree.list(SysfsLayout.IOMMU_GROUPS);
        if (names.isEmpty()) {
            return Optional.empty();
        }
        SortedMap<Integer, List<PciAddress>> groups = new TreeMap<>();
        for (String g : names.get()) {
            String gdir = SysfsLayout.IOMMU_GROUPS + "/" + g;
            if (!GROUP_NUMBER.matcher(g).matches()) {
                throw new ImportException(tree.describe(gdir) + ": not an IOMMU group number");
            }
            List<PciAddress> members = new ArrayList<>();
            for (String d : tree.list(gdir + "/devices").orElse(List.of())) {
                // groups may also hold platform devices on other architectures: only PCI functions count here
                PciAddress.tryParse(d).ifPresent(members::add);
            }
            if (!members.isEmpty()) {
                members.sort(null);
                groups.put(Integer.parseInt(g), List.copyOf(members));
            }
        }
        return Optional.of(groups);
    }

    private static MachineInfo machineInfo(CaptureTree tree, Optional<SortedMap<Integer, List<PciAddress>>> groups)
            throws ImportException {
        MachineInfo m = MachineInfo.unknown(tree.source());
        Optional<byte[]> cpuinfo = tree.read(SysfsLayout.CPUINFO);
        if (cpuinfo.isEmpty()) {
            m = m.withNote("proc/cpuinfo is missing: the CPU is unknown");
        } else {
            String cpuText = new String(cpuinfo.get(), StandardCharsets.UTF_8);
            Optional<CpuInfo> cpu = CpuInfo.parseProcCpuinfo(cpuText);
            m = m.withCpu(cpu);
            m = m.withPlatform(m.platform().withCpuHypervisorFlag(PlatformFacts.hypervisorFlag(cpuText)));
            if (cpu.isEmpty()) {
                m = m.withNote("proc/cpuinfo names no vendor_id and cpu family (not an x86 machine?): the CPU rule does not apply");
            }
        }
        Optional<byte[]> cmdline = tree.read(SysfsLayout.CMDLINE);
        if (cmdline.isPresent()) {
            String s = new String(cmdline.get(), StandardCharsets.UTF_8);
            m = m.withCmdline(Optional.of(s.endsWith("\n") ? s.substring(0, s.length() - 1) : s));
        }
        Optional<byte[]> release = tree.read(SysfsLayout.OSRELEASE);
        if (release.isPresent()) {
            m = m.withKernelRelease(Optional.of(attribute(release.get())));
        }
        m = m.withPlatform(m.platform().withDmi(dmi(tree)));
        m = kernelConfig(tree, m);
        if (groups.isPresent()) {
            boolean active = !tree.list(SysfsLayout.IOMMU_GROUPS).orElse(List.of()).isEmpty();
            m = m.withIommu(Optional.of(active), groups.get());
        } else {
            m = m.withNote("sys/kernel/iommu_groups is missing: whether an IOMMU was active is unknown");
        }
        return m;
    }

    /** The DMI strings of {@code sys/class/dmi/id} (else {@code sys/devices/virtual/dmi/id}) that the format lists, stripped; empty when there are none. */
    private static SortedMap<String, String> dmi(CaptureTree tree) throws ImportException {
        SortedMap<String, String> out = new TreeMap<>();
        String dir = SysfsLayout.DMI_DIR;
        Optional<List<String>> names = Optional.empty();
        for (String d : SysfsLayout.DMI_DIRS) {
            names = tree.list(d);
            if (names.isPresent()) {
                dir = d;
                break;
            }
        }
        if (names.isEmpty()) {
            return out;
        }
        for (String f : SysfsLayout.DMI_FILES) {
            if (names.get().contains(f)) {
                Optional<byte[]> bytes;
                try {
                    bytes = tree.read(dir + "/" + f);
                } catch (ImportException e) {
                    // a DMI string the kernel will not give (or a capture without its bytes) is simply unknown
                    continue;
                }
                bytes.map(SysfsImporter::attribute).filter(v -> !v.isEmpty()).ifPresent(v -> out.put(f, v));
            }
        }
        return out;
    }

    /**
     * The kernel configuration: {@code proc/config.gz}, else a capture's {@code boot/config}, else
     * the live {@code boot/config-<release>}; a file that is no kernel configuration is a note.
     */
    private static MachineInfo kernelConfig(CaptureTree tree, MachineInfo m) throws ImportException {
        Optional<byte[]> gz = tree.read(SysfsLayout.PROC_CONFIG);
        String source;
        String text;
        if (gz.isPresent()) {
            source = SysfsLayout.PROC_CONFIG;
            text = gunzip(tree, gz.get());
        } else {
            Optional<byte[]> plain = tree.read(SysfsLayout.BOOT_CONFIG);
            source = SysfsLayout.BOOT_CONFIG;
            if (plain.isEmpty() && m.kernelRelease().filter(r -> r.matches("[A-Za-z0-9._+~-]{1,128}")).isPresent()) {
                source = SysfsLayout.BOOT_CONFIG_PREFIX + m.kernelRelease().get();
                plain = tree.read(source);
            }
            if (plain.isEmpty()) {
                return m;
            }
            text = new String(plain.get(), StandardCharsets.UTF_8);
        }
        Optional<KernelConfig> config = KernelConfig.parse(source, text);
        if (config.isEmpty()) {
            return m.withNote(source + " holds no CONFIG_ line (not a kernel configuration): whether CONFIG_PCI_P2PDMA is set is unknown");
        }
        return m.withPlatform(m.platform().withKernelConfig(config));
    }

    /** The text of a gzip'd kernel configuration, at most {@link CaptureTree#MAX_FILE_BYTES} of it. */
    private static String gunzip(CaptureTree tree, byte[] bytes) throws ImportException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            byte[] text = in.readNBytes(CaptureTree.MAX_FILE_BYTES + 1);
            if (text.length > CaptureTree.MAX_FILE_BYTES) {
                throw new ImportException(tree.describe(SysfsLayout.PROC_CONFIG) + ": larger than "
                        + (CaptureTree.MAX_FILE_BYTES >> 20) + " MiB uncompressed");
            }
            return new String(text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ImportException(tree.describe(SysfsLayout.PROC_CONFIG) + ": not a gzip'd kernel configuration: " + Texts.ioReason(e), e);
        }
    }

    /**
     * The attribute files of one directory, read only when the listing shows them. Not
     * thread-safe.
     */
    private static final class Attributes {
        /** The tree. */
        private final CaptureTree tree;
        /** The directory. */
        private final String dir;
        /** The names in the directory. */
        private final Set<String> names;

        Attributes(CaptureTree tree, String dir, Set<String> names) {
            this.tree = tree;
            this.dir = dir;
            this.names = names;
        }

        Set<String> names() {
            return names;
        }

        Optional<byte[]> bytes(String name) throws ImportException {
            return names.contains(name) ? tree.read(dir + "/" + name) : Optional.empty();
        }

        Optional<String> text(String name) throws ImportException {
            return bytes(name).map(SysfsImporter::attribute);
        }

        Optional<String> linkName(String name) throws ImportException {
            if (!names.contains(name)) {
                return Optional.empty();
            }
            Optional<String> target = tree.readLink(dir + "/" + name);
            if (target.isEmpty()) {
                return Optional.empty();
            }
            String t = target.get();
            while (t.endsWith("/")) {
                t = t.substring(0, t.length() - 1);
            }
            return Optional.of(t.substring(t.lastIndexOf('/') + 1));
        }

        OptionalLong hex(String name, long max) throws ImportException {
            Optional<String> t = text(name);
            if (t.isEmpty()) {
                return OptionalLong.empty();
            }
            Matcher m = HEX.matcher(t.get());
            if (!m.matches() || Long.parseUnsignedLong(m.group(1), 16) > max) {
                throw new ImportException(tree.describe(dir + "/" + name) + ": expected a hex number up to 0x"
                        + Long.toHexString(max) + ", found " + Texts.quote(t.get()));
            }
            return OptionalLong.of(Long.parseLong(m.group(1), 16));
        }

        OptionalLong decimal(String name, long min, long max) throws ImportException {
            Optional<String> t = text(name);
            if (t.isEmpty()) {
                return OptionalLong.empty();
            }
            long v;
            try {
                if (!DECIMAL.matcher(t.get()).matches()) {
                    throw new NumberFormatException();
                }
                v = Long.parseLong(t.get());
            } catch (NumberFormatException e) {
                v = Long.MIN_VALUE;
            }
            if (v < min || v > max) {
                throw new ImportException(tree.describe(dir + "/" + name) + ": expected a decimal number from " + min
                        + " to " + max + ", found " + Texts.quote(t.get()));
            }
            return OptionalLong.of(v);
        }

        /** GT/s; 0 for "Unknown"; an unrecognised text is a problem of the function, not an error. */
        OptionalDouble speed(String name, PciFunction.Builder b) throws ImportException {
            Optional<String> t = text(name);
            if (t.isEmpty()) {
                return OptionalDouble.empty();
            }
            Matcher m = SPEED.matcher(t.get());
            if (m.matches()) {
                return OptionalDouble.of(Double.parseDouble(m.group(1)));
            }
            if (!t.get().regionMatches(true, 0, "Unknown", 0, 7)) {
                b.problem(name + ": unrecognised link speed " + Texts.quote(t.get()));
            }
            return OptionalDouble.of(0);
        }
    }

    /** Attribute bytes as text without surrounding white space. */
    private static String attribute(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).strip();
    }
}
