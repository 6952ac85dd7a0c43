package dev.p2pdma.pci.io;

/**
 * A large made-up machine in the conformance capture format: root ports, each with a secondary
 * bus full of multi-function endpoints, every function with 4096-byte config space and the usual
 * text attributes. For size and speed tests. Stateless.
 */
final class SyntheticCapture {

    private SyntheticCapture() {
    }

    /**
     * Builds {@code rootPorts} root ports on bus 00, each with {@code endpointsPerPort} endpoint
     * functions on its own bus (up to 256).
     */
    static CaptureFixture build(int rootPorts, int endpointsPerPort) {
        CaptureFixture f = new CaptureFixture();
        f.file("proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: Synthetic\n\n");
        f.file("proc/cmdline", "quiet\n");
        f.file("proc/sys/kernel/osrelease", "6.12.0\n");
        f.dir("sys/kernel/iommu_groups");
        int group = 0;
        for (int r = 0; r < rootPorts; r++) {
            int bus = r + 1;
            String rp = String.format("0000:00:%02x.%d", 1 + r / 8, r % 8);
            String rpChain = "pci0000:00/" + rp;
            function(f, rpChain, 0x1022, 0x1483, 0x060400, true, bus, group++);
            for (int e = 0; e < endpointsPerPort; e++) {
                String ep = String.format("0000:%02x:%02x.%d", bus, e / 8, e % 8);
                function(f, rpChain + "/" + ep, 0x144d, 0xa808, 0x010802, false, -1, group++);
            }
        }
        return f;
    }

    private static void function(CaptureFixture f, String chain, int vendor, int device, int classCode, boolean rootPort,
                                 int secondary, int group) {
        String bdf = chain.substring(chain.lastIndexOf('/') + 1);
        String dir = "sys/devices/" + chain;
        int depth = chain.split("/").length + 1;
        f.dir(dir);
        f.file(dir + "/vendor", String.format("0x%04x%n", vendor));
        f.file(dir + "/device", String.format("0x%04x%n", device));
        f.file(dir + "/subsystem_vendor", String.format("0x%04x%n", vendor));
        f.file(dir + "/subsystem_device", "0x0001\n");
        f.file(dir + "/class", String.format("0x%06x%n", classCode));
        f.file(dir + "/revision", "0x01\n");
        f.file(dir + "/config", config(vendor, device, classCode, rootPort, secondary));
        f.file(dir + "/resource", rootPort ? "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                : "0x00000000fe800000 0x00000000fe803fff 0x0000000000140204\n");
        f.file(dir + "/numa_node", "0\n");
        f.file(dir + "/local_cpulist", "0-63\n");
        f.file(dir + "/current_link_speed", "16.0 GT/s PCIe\n");
        f.file(dir + "/max_link_speed", "16.0 GT/s PCIe\n");
        f.file(dir + "/current_link_width", "4\n");
        f.file(dir + "/max_link_width", "4\n");
        if (rootPort) {
            f.file(dir + "/secondary_bus_number", secondary + "\n");
            f.file(dir + "/subordinate_bus_number", secondary + "\n");
        }
        String up = "../".repeat(depth);
        f.link(dir + "/driver", up + "bus/pci/drivers/" + (rootPort ? "pcieport" : "nvme"));
        f.link(dir + "/iommu_group", up + "kernel/iommu_groups/" + group);
        f.link("sys/bus/pci/devices/" + bdf, "../../../devices/" + chain);
        f.link("sys/kernel/iommu_groups/" + group + "/devices/" + bdf, "../../../../devices/" + chain);
    }

    private static byte[] config(int vendor, int device, int classCode, boolean rootPort, int secondary) {
        byte[] c = new byte[4096];
        le16(c, 0x00, vendor);
        le16(c, 0x02, device);
        le16(c, 0x06, 0x0010);
        c[0x08] = 1;
        c[0x09] = (byte) classCode;
        c[0x0a] = (byte) (classCode >> 8);
        c[0x0b] = (byte) (classCode >> 16);
        c[0x0e] = (byte) (rootPort ? 0x01 : 0x80);
        c[0x34] = 0x40;
        if (rootPort) {
            c[0x19] = (byte) secondary;
            c[0x1a] = (byte) secondary;
        }
        c[0x40] = 0x10;
        le16(c, 0x42, 0x0002 | (rootPort ? 4 : 0) << 4);
        le16(c, 0x4c, 0x0004 | 4 << 4);
        le16(c, 0x52, 0x0004 | 4 << 4);
        if (rootPort) {
            le16(c, 0x100, 0x000d);
            le16(c, 0x102, 0x0001);
            le16(c, 0x104, 0x005f);
            le16(c, 0x106, 0x001d);
        }
        return c;
    }

    private static void le16(byte[] c, int off, int v) {
        c[off] = (byte) v;
        c[off + 1] = (byte) (v >> 8);
    }
}
