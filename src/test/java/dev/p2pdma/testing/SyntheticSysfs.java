package dev.p2pdma.testing;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a topology as a sysfs capture directory in the conformance layout (README section 1),
 * with synthesized 4096-byte config spaces carrying the PCIe capability and ACS. For importer
 * tests and benchmarks.
 */
public final class SyntheticSysfs {

    private SyntheticSysfs() {
    }

    /** Writes {@code root/sys/...} and {@code root/proc/...}; returns the number of functions written. */
    public static int write(PciTopology t, Path root) throws IOException {
        Path devices = root.resolve("sys/devices");
        Path bus = root.resolve("sys/bus/pci/devices");
        Files.createDirectories(bus);
        Files.createDirectories(root.resolve("sys/kernel/iommu_groups"));
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.writeString(root.resolve("proc/cmdline"), t.machine().cmdline().orElse("") + "\n");
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), "6.12.117\n");
        String cpu = t.machine().cpu().map(c -> "processor\t: 0\nvendor_id\t: " + c.vendor() + "\ncpu family\t: " + c.family()
                + "\nmodel name\t: " + c.modelName() + "\n\n").orElse("processor\t: 0\n\n");
        Files.writeString(root.resolve("proc/cpuinfo"), cpu);
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            List<String> chain = new ArrayList<>();
            for (int a = i; a >= 0; a = t.parent(a)) {
                chain.add(0, t.function(a).address().toString());
            }
            Path walk = devices.resolve(t.hostBridgeOf(i).name());
            for (String c : chain) {
                walk = walk.resolve(c);
            }
            Path dir = walk;
            Files.createDirectories(dir);
            text(dir, "vendor", String.format("0x%04x", f.vendorId()));
            text(dir, "device", String.format("0x%04x", f.deviceId()));
            text(dir, "subsystem_vendor", "0x0000");
            text(dir, "subsystem_device", "0x0000");
            text(dir, "class", String.format("0x%06x", f.classCode()));
            text(dir, "revision", "0x00");
            text(dir, "numa_node", "-1");
            Files.write(dir.resolve("config"), config(f));
            f.busRange().ifPresent(r -> {
                try {
                    text(dir, "secondary_bus_number", Integer.toString(r.secondary()));
                    text(dir, "subordinate_bus_number", Integer.toString(r.subordinate()));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Path link = bus.resolve(f.address().toString());
            Files.createSymbolicLink(link, bus.relativize(dir));
        }
        return t.size();
    }

    private static void text(Path dir, String name, String value) throws IOException {
        Files.writeString(dir.resolve(name), value + "\n", StandardCharsets.US_ASCII);
    }

    /** A 4096-byte config space: header, PCIe capability at 0x40, ACS at 0x100 when present. */
    public static byte[] config(PciFunction f) {
        byte[] b = new byte[4096];
        le16(b, 0, f.vendorId());
        le16(b, 2, f.deviceId());
        le16(b, 6, 0x0010);
        b[0x09] = (byte) f.classCode();
        b[0x0a] = (byte) (f.classCode() >> 8);
        b[0x0b] = (byte) (f.classCode() >> 16);
        b[0x0e] = (byte) f.headerType().orElse(0);
        f.busRange().ifPresent(r -> {
            b[0x18] = (byte) f.address().bus();
            b[0x19] = (byte) r.secondary();
            b[0x1a] = (byte) r.subordinate();
        });
        PortType pt = f.portType();
        if (pt.code() >= 0) {
            b[0x34] = 0x40;
            b[0x40] = 0x10;
            le16(b, 0x42, 0x0002 | pt.code() << 4);
        } else {
            le16(b, 6, 0);
        }
        if (f.acs() instanceof AcsState.Present p) {
            le16(b, 0x100, 0x000d);
            le16(b, 0x102, 0x0001);
            le16(b, 0x104, p.capabilityBits());
            le16(b, 0x106, p.controlBits());
        }
        return b;
    }

    private static void le16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
    }

    /** The address as sysfs writes it. */
    public static String name(PciAddress a) {
        return a.toString();
    }
}
