package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.Parent;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import dev.p2pdma.testing.RealMachines;
import dev.p2pdma.testing.SyntheticSysfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the answer comes from, part 1 (README "Where the answer comes from: virtual machines and
 * kernel config"; issue 12 part 6): a virtual machine's tree gets one {@code note:} line naming the
 * evidence seen; a physical machine gets none. Each evidence kind is checked alone on a hand-built
 * capture directory whose baseline is a bare-metal Intel server.
 */
class VirtualMachineNoteTest {

    /** The start of the note. */
    private static final String NOTE = "note:   virtual machine (";

    /** Bare metal: cpuinfo flags without hypervisor, Dell DMI strings, Intel host bridge and root port, two Samsung NVMe drives. */
    private static Path bareMetal(Path tmp, int endpointVendor, int hostBridgeDevice) throws Exception {
        Path root = tmp.resolve("machine");
        PciTopology.Builder b = PciTopology.builder(MachineInfo.unknown("test"));
        HostBridge hb = new HostBridge(0, 0);
        b.add(PciFunction.builder(PciAddress.parse("0000:00:00.0")).ids(0x8086, hostBridgeDevice).classCode(0x060000).headerType(0)
                .portType(PortType.CONVENTIONAL_PCI).acs(AcsState.ABSENT).build(), new Parent.RootBus(hb));
        b.add(PciFunction.builder(PciAddress.parse("0000:00:01.0")).ids(0x8086, 0x2030).classCode(0x060400).headerType(1)
                .portType(PortType.ROOT_PORT).busRange(1, 1).acs(new AcsState.Present(0x5f, 0x1d)).build(), new Parent.RootBus(hb));
        for (String a : List.of("0000:01:00.0", "0000:01:00.1")) {
            b.add(PciFunction.builder(PciAddress.parse(a)).ids(endpointVendor, endpointVendor == 0x144d ? 0xa808 : 0x1042).classCode(0x010802)
                    .headerType(0x80).portType(PortType.ENDPOINT).acs(AcsState.ABSENT).build(), new Parent.Bridge(PciAddress.parse("0000:00:01.0")));
        }
        SyntheticSysfs.write(b.build(), root);
        Files.writeString(root.resolve("proc/cpuinfo"), cpuinfo(false));
        dmi(root, Map.of("sys_vendor", "Dell Inc.", "product_name", "PowerEdge R750", "bios_vendor", "Dell Inc."));
        return root;
    }

    private static Path bareMetal(Path tmp) throws Exception {
        return bareMetal(tmp, 0x144d, 0x2020);
    }

    private static String cpuinfo(boolean hypervisor) {
        return "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) Gold 6338\n"
                + "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep" + (hypervisor ? " hypervisor" : "") + " lahf_lm abm\n\n";
    }

    private static void dmi(Path root, Map<String, String> strings) throws Exception {
        Path dir = root.resolve("sys/class/dmi/id");
        if (Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        for (Map.Entry<String, String> e : strings.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue() + "\n");
        }
    }

    private static void attribute(Path root, String function, String name, String value) throws Exception {
        Path link = root.resolve("sys/bus/pci/devices").resolve(function);
        Files.writeString(link.toRealPath().resolve(name), value + "\n");
    }

    private static List<String> notes(String... args) {
        Cli r = Cli.run(args);
        assertThat(r.status()).as(r.err()).isZero();
        return r.out().lines().filter(l -> l.startsWith(NOTE)).toList();
    }

    private static List<String> notes(Path capture) {
        return notes("topo", "--sysfs", capture.toString());
    }

    @Test
    void aBareMetalServerGetsNoNote(@TempDir Path tmp) throws Exception {
        assertThat(notes(bareMetal(tmp))).isEmpty();
    }

    @Test
    void theCpuHypervisorFlagAloneMakesAVirtualMachine(@TempDir Path tmp) throws Exception {
        Path m = bareMetal(tmp);
        Files.writeString(m.resolve("proc/cpuinfo"), cpuinfo(true));
        assertThat(notes(m)).singleElement().asString().contains("cpu flag hypervisor")
                .endsWith("the PCI tree is the guest's, so these are the guest kernel's verdicts; the physical path between the devices is unknown");
    }

    @Test
    void aHypervisorDmiStringAloneMakesAVirtualMachine(@TempDir Path tmp) throws Exception {
        Path m = bareMetal(tmp);
        dmi(m, Map.of("sys_vendor", "QEMU", "product_name", "Standard PC (Q35 + ICH9, 2009)"));
        assertThat(notes(m)).singleElement().asString().contains("DMI sys_vendor \"QEMU\" (QEMU)")
                .contains("DMI product_name \"Standard PC (Q35 + ICH9, 2009)\" (QEMU machine type)").doesNotContain("cpu flag");
        dmi(m, Map.of("sys_vendor", "VMware, Inc.", "product_name", "VMware7,1"));
        assertThat(notes(m)).singleElement().asString().contains("(VMware)");
    }

    @Test
    void vendorsThatAlsoSellRealMachinesCountOnlyWithTheirVirtualProductNames(@TempDir Path tmp) throws Exception {
        Path m = bareMetal(tmp);
        dmi(m, Map.of("sys_vendor", "Microsoft Corporation", "product_name", "Surface Pro 9"));
        assertThat(notes(m)).isEmpty();
        dmi(m, Map.of("sys_vendor", "Microsoft Corporation", "product_name", "Virtual Machine"));
        assertThat(notes(m)).singleElement().asString().contains("(Hyper-V)");
        dmi(m, Map.of("sys_vendor", "Amazon EC2", "product_name", "i3.metal"));
        assertThat(notes(m)).isEmpty();
        dmi(m, Map.of("sys_vendor", "Amazon EC2", "product_name", "p4d.24xlarge"));
        assertThat(notes(m)).singleElement().asString().contains("DMI sys_vendor \"Amazon EC2\" product_name \"p4d.24xlarge\"");
    }

    @Test
    void aDeviceOnlyAHypervisorEmulatesMakesAVirtualMachine(@TempDir Path tmp) throws Exception {
        assertThat(notes(bareMetal(tmp.resolve("qemu"), 0x1b36, 0x2020))).singleElement().asString()
                .contains("QEMU vendor 1b36 on 2 functions, first 0000:01:00.0");
        assertThat(notes(bareMetal(tmp.resolve("vmware"), 0x15ad, 0x2020))).singleElement().asString()
                .contains("VMware vendor 15ad on 2 functions");
    }

    @Test
    void qemusSubsystemIdOnEmulatedHardwareMakesAVirtualMachine(@TempDir Path tmp) throws Exception {
        Path m = bareMetal(tmp);
        attribute(m, "0000:00:00.0", "subsystem_vendor", "0x1af4");
        attribute(m, "0000:00:00.0", "subsystem_device", "0x1100");
        assertThat(notes(m)).singleElement().asString().contains("QEMU subsystem 1af4:1100 on 0000:00:00.0");
    }

    @Test
    void virtioDevicesOrAnEmulatedChipsetAloneAreNotEnoughButBothAre(@TempDir Path tmp) throws Exception {
        assertThat(notes(bareMetal(tmp.resolve("dpu"), 0x1af4, 0x2020))).as("virtio functions of a DPU on bare metal").isEmpty();
        assertThat(notes(bareMetal(tmp.resolve("q35"), 0x144d, 0x29c0))).as("a real 2007 Q35/82G33 board").isEmpty();
        assertThat(notes(bareMetal(tmp.resolve("guest"), 0x1af4, 0x29c0))).singleElement().asString()
                .contains("virtio vendor 1af4 on 2 functions, first 0000:01:00.0")
                .contains("host bridge 8086:29c0 (the Intel Q35 chipset QEMU's q35 machine emulates) on 0000:00:00.0");
    }

    @Test
    void theNoteIsInJsonAssumptionsToo(@TempDir Path tmp) throws Exception {
        Path m = bareMetal(tmp);
        Files.writeString(m.resolve("proc/cpuinfo"), cpuinfo(true));
        Cli r = Cli.run("matrix", "--sysfs", m.toString(), "--format", "json");
        JsonNode doc = JsonMapper.builder().build().readTree(r.out());
        assertThat(doc.get("assumptions").get(0).asString()).startsWith("virtual machine (cpu flag hypervisor)");
    }

    @Test
    void everyConformanceCaseIsAQemuGuestAndSaysSo() throws Exception {
        try (var cases = Files.list(Cli.shared().resolve("conformance"))) {
            for (Path c : cases.filter(Files::isDirectory).sorted().toList()) {
                assertThat(notes(c.resolve("capture.tar.gz"))).as(c.toString()).singleElement().asString()
                        .contains("cpu flag hypervisor", "QEMU vendor 1b36", "QEMU subsystem 1af4:1100", "host bridge 8086:29c0");
            }
        }
    }

    @Test
    void theRealServersGetNoNoteAndTheCloudStackGuestDoes() throws Exception {
        for (RealMachines.Input in : RealMachines.all()) {
            List<String> n = notes("topo", in.kind().flag(), in.path().toString());
            if (in.name().startsWith("2pa-pcidomain32bits")) {
                assertThat(n).as(in.name()).singleElement().asString()
                        .contains("cpu flag hypervisor", "DMI product_name \"CloudStack KVM Hypervisor\" (KVM)", "virtio vendor 1af4",
                                "host bridge 8086:1237");
            } else {
                assertThat(n).as(in.name()).isEmpty();
            }
        }
    }

    @Test
    void theDmiStringsOfRealDumpsAreReadFromEitherDirectory() throws Exception {
        Map<String, String> vendors = new java.util.TreeMap<>();
        for (RealMachines.Input in : RealMachines.all()) {
            in.load().machine().platform().dmi().entrySet().stream().filter(e -> e.getKey().equals("sys_vendor"))
                    .forEach(e -> vendors.put(in.name(), e.getValue()));
        }
        // 32intel64 has only sys/devices/virtual/dmi/id; the others sys/class/dmi/id; the XML files DMI infos
        assertThat(vendors).containsEntry("32intel64-2p8co2t+8ve.tar.bz2", "Supermicro")
                .containsEntry("40intel64-2g2n4c+pcilocality.tar.bz2", "Dell Inc.")
                .containsEntry("40intel64-2g2n4c+pcilocality.xml", "Dell Inc.")
                .containsEntry("2pa-pcidomain32bits.tar.bz2", "Apache Software Foundation");
    }

    @Test
    void hwlocDmiInfosAreEvidence(@TempDir Path tmp) throws Exception {
        Path dgx = RealMachines.root().resolve("hwloc/nvidiaDGX2.xml");
        String xml = Files.readString(dgx);
        String product = "name=\"DMIProductName\" value=\"NVIDIA DGX-2H\"";
        assertThat(xml).contains(product);
        Path guest = tmp.resolve("guest.xml");
        Files.writeString(guest, xml.replace(product, "name=\"DMIProductName\" value=\"KVM\""));
        assertThat(notes("topo", "--hwloc", guest.toString())).singleElement().asString().contains("DMI product_name \"KVM\" (KVM)");
    }

    @Test
    void theEvidenceSurvivesATopologyFile(@TempDir Path tmp) throws Exception {
        Path m = bareMetal(tmp);
        Files.writeString(m.resolve("proc/cpuinfo"), cpuinfo(true));
        dmi(m, Map.of("sys_vendor", "QEMU"));
        Cli yaml = Cli.run("topo", "--sysfs", m.toString(), "--format", "yaml");
        assertThat(yaml.out()).contains("hypervisor_flag: true", "sys_vendor: QEMU");
        Path file = tmp.resolve("m.yaml");
        Files.writeString(file, yaml.out());
        assertThat(notes("topo", "--topology", file.toString())).singleElement().asString()
                .contains("cpu flag hypervisor; DMI sys_vendor \"QEMU\" (QEMU)");
    }
}
