package dev.p2pdma.report;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.io.ImportException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PCI ID database ({@code pci.ids}, the file lspci reads): vendor, device and subsystem names,
 * and class, sub-class and programming-interface names.
 *
 * <p>Lines are {@code VVVV  vendor}, {@code <TAB>DDDD  device}, {@code <TAB><TAB>SVVV SDDD  subsystem},
 * {@code C CC  class}, {@code <TAB>SS  sub-class}, {@code <TAB><TAB>PP  prog-if}; {@code #} starts a
 * comment. Any other line is an error naming the file and line. Invariants: every name is non-empty
 * and trimmed; a device's vendor and a sub-class's class were declared above it. Immutable after
 * parsing and safe to share between threads.
 */
public final class PciIds {

    /** Where Debian's {@code pci.ids} package installs the database. */
    public static final Path SYSTEM_PATH = Path.of("/usr/share/misc/pci.ids");
    /** Files larger than this are refused rather than read (the real one is about 1.4 MB). */
    public static final long MAX_FILE_BYTES = 64L << 20;

    /** Where the names came from, for the report header ("/usr/share/misc/pci.ids, version 2023.04.10"); empty when none. */
    private final String source;
    /** Vendor id to name. */
    private final Map<Integer, String> vendors;
    /** {@code vendor << 16 | device} to name. */
    private final Map<Integer, String> devices;
    /** {@code vendor << 48 | device << 32 | subvendor << 16 | subdevice} to name. */
    private final Map<Long, String> subsystems;
    /** {@code base << 16 | sub << 8 | progIf} with flag bits for the level (see {@link #classKey}) to name. */
    private final Map<Integer, String> classes;

    private PciIds(String source, Map<Integer, String> vendors, Map<Integer, String> devices, Map<Long, String> subsystems,
                   Map<Integer, String> classes) {
        this.source = source;
        // the parser's own maps, never changed after parsing: copying 40,000 entries again costs more than the lookups save
        this.vendors = Collections.unmodifiableMap(vendors);
        this.devices = Collections.unmodifiableMap(devices);
        this.subsystems = Collections.unmodifiableMap(subsystems);
        this.classes = Collections.unmodifiableMap(classes);
    }

    /** A database that knows no names: every function is shown by its ids. */
    public static PciIds empty() {
        return new PciIds("", Map.of(), Map.of(), Map.of(), Map.of());
    }

    /** The system database at {@link #SYSTEM_PATH} when it is installed, else {@link #empty()}. */
    public static PciIds systemOrEmpty() throws ImportException {
        return Files.isRegularFile(SYSTEM_PATH) ? load(SYSTEM_PATH) : empty();
    }

    /**
     * Reads a {@code pci.ids} file.
     *
     * @throws ImportException naming the file (and line) when it is missing, unreadable, too large or malformed
     */
    public static PciIds load(Path file) throws ImportException {
        dev.p2pdma.pci.io.InputFiles.requireRegularFile(file, "pci.ids file");
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new ImportException(file + ": larger than " + (MAX_FILE_BYTES >> 20) + " MiB, not a pci.ids file");
            }
            try (InputStream in = Files.newInputStream(file)) {
                return parse(file.toString(), new InputStreamReader(in, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new ImportException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Parses the database from text; {@code name} is used in error messages and the header.
     *
     * @throws ImportException naming {@code name} and the line when a line is malformed
     */
    public static PciIds parse(String name, Reader text) throws ImportException, IOException {
        Map<Integer, String> vendors = new HashMap<>();
        Map<Integer, String> devices = new HashMap<>();
        Map<Long, String> subsystems = new HashMap<>();
        Map<Integer, String> classes = new HashMap<>();
        String version = "";
        BufferedReader r = new BufferedReader(text);
        int vendor = -1;
        int device = -1;
        int baseClass = -1;
        int subClass = -1;
        int lineNo = 0;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            lineNo++;
            if (line.startsWith("#")) {
                String c = line.substring(1).strip();
                if (c.startsWith("Version:") && version.isEmpty()) {
                    version = c.substring("Version:".length()).strip();
                }
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            boolean firstEntry = vendors.isEmpty() && classes.isEmpty();
            int tabs = 0;
            while (tabs < line.length() && line.charAt(tabs) == '\t') {
                tabs++;
            }
            String body = line.substring(tabs);
            try {
                if (tabs == 0 && body.startsWith("C ")) {
                    Entry e = entry(name, lineNo, body.substring(2), 2);
                    baseClass = e.id();
                    subClass = -1;
                    vendor = -1;
                    classes.putIfAbsent(classKey(baseClass, -1, -1), e.name());
                } else if (tabs == 0) {
                    Entry e = entry(name, lineNo, body, 4);
                    vendor = e.id();
                    device = -1;
                    baseClass = -1;
                    vendors.putIfAbsent(vendor, e.name());
                } else if (tabs == 1 && vendor >= 0) {
                    Entry e = entry(name, lineNo, body, 4);
                    device = e.id();
                    devices.putIfAbsent(vendor << 16 | device, e.name());
                } else if (tabs == 2 && vendor >= 0 && device >= 0) {
                    Entry sv = entry(name, lineNo, body, 4);
                    Entry e = entry(name, lineNo, sv.name(), 4);
                    subsystems.putIfAbsent((long) vendor << 48 | (long) device << 32 | (long) sv.id() << 16 | e.id(), e.name());
                } else if (tabs == 1 && baseClass >= 0) {
                    Entry e = entry(name, lineNo, body, 2);
                    subClass = e.id();
                    classes.putIfAbsent(classKey(baseClass, subClass, -1), e.name());
                } else if (tabs == 2 && baseClass >= 0 && subClass >= 0) {
                    Entry e = entry(name, lineNo, body, 2);
                    classes.putIfAbsent(classKey(baseClass, subClass, e.id()), e.name());
                } else {
                    throw new ImportException(name + ":" + lineNo + ": malformed pci.ids line (indented entry without the vendor, device or class it belongs to): "
                            + shorten(line));
                }
            } catch (ImportException e) {
                if (firstEntry) {
                    // the first entry is already wrong: another kind of file, so show none of it
                    throw new ImportException(name + ": is not a pci.ids file: line " + lineNo
                            + ", its first entry, is not a vendor ('VVVV  name') or class ('C CC  name')", e);
                }
                throw e;
            }
        }
        String src = name + (version.isEmpty() ? "" : ", version " + version);
        return new PciIds(src, vendors, devices, subsystems, classes);
    }

    /** One parsed {@code ID  name} entry. */
    private record Entry(int id, String name) {
    }

    /** Parses {@code digits} hex digits, at least one blank, then a non-empty name. */
    private static Entry entry(String file, int lineNo, String body, int digits) throws ImportException {
        if (body.length() < digits + 2 || !isHex(body, digits) || (body.charAt(digits) != ' ' && body.charAt(digits) != '\t')) {
            throw new ImportException(file + ":" + lineNo + ": malformed pci.ids line (expected " + digits
                    + " hex digits, blanks and a name): " + shorten(body));
        }
        String n = body.substring(digits).strip();
        if (n.isEmpty()) {
            throw new ImportException(file + ":" + lineNo + ": malformed pci.ids line (no name after the id): " + shorten(body));
        }
        return new Entry(Integer.parseInt(body.substring(0, digits), 16), n);
    }

    private static boolean isHex(String s, int digits) {
        for (int i = 0; i < digits; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String shorten(String line) {
        return Texts.quote(line);
    }

    /** The key of a class entry: levels not given are -1 and kept apart by flag bits. */
    private static int classKey(int base, int sub, int progIf) {
        return (sub < 0 ? 1 << 25 : progIf < 0 ? 1 << 24 : 0) | base << 16 | Math.max(sub, 0) << 8 | Math.max(progIf, 0);
    }

    /** Where the names came from (file and version), empty for {@link #empty()}. */
    public Optional<String> source() {
        return source.isEmpty() ? Optional.empty() : Optional.of(source);
    }

    /** Number of vendors known. */
    public int vendorCount() {
        return vendors.size();
    }

    /** Number of devices known, over all vendors. */
    public int deviceCount() {
        return devices.size();
    }

    public Optional<String> vendor(int vendorId) {
        return Optional.ofNullable(vendors.get(vendorId & 0xffff));
    }

    public Optional<String> device(int vendorId, int deviceId) {
        return Optional.ofNullable(devices.get((vendorId & 0xffff) << 16 | deviceId & 0xffff));
    }

    public Optional<String> subsystem(int vendorId, int deviceId, int subVendorId, int subDeviceId) {
        return Optional.ofNullable(subsystems.get((long) (vendorId & 0xffff) << 48 | (long) (deviceId & 0xffff) << 32
                | (long) (subVendorId & 0xffff) << 16 | subDeviceId & 0xffff));
    }

    /** The most specific name of a 24-bit class code: prog-if, else sub-class, else base class. */
    public Optional<String> className(int classCode) {
        int base = classCode >>> 16 & 0xff;
        int sub = classCode >>> 8 & 0xff;
        int pi = classCode & 0xff;
        for (int key : List.of(classKey(base, sub, pi), classKey(base, sub, -1), classKey(base, -1, -1))) {
            String n = classes.get(key);
            if (n != null) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /**
     * The name people know a function by: "vendor device" from this database; else the description
     * the input carried (hwloc, lspci); else the vendor and class names; empty when nothing is known
     * (the ids are then all there is).
     */
    public Optional<String> nameOf(PciFunction f) {
        Optional<String> v = vendor(f.vendorId());
        Optional<String> d = device(f.vendorId(), f.deviceId());
        if (v.isPresent() && d.isPresent()) {
            return Optional.of(v.get() + " " + d.get());
        }
        if (f.description().isPresent()) {
            return f.description();
        }
        Optional<String> c = className(f.classCode());
        if (v.isPresent() || c.isPresent()) {
            return Optional.of(String.join(" ", v.orElse("unknown vendor"), c.orElse("device")));
        }
        return Optional.empty();
    }
}
