package dev.p2pdma.pci.io;

import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.LinkInfo;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.PortType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.p2pdma.pci.io.HwlocXmlTexts.device;
import static dev.p2pdma.pci.io.HwlocXmlTexts.end;
import static dev.p2pdma.pci.io.HwlocXmlTexts.hostBridge;
import static dev.p2pdma.pci.io.HwlocXmlTexts.pciBridge;
import static dev.p2pdma.pci.io.HwlocXmlTexts.realHwloc;
import static dev.p2pdma.pci.io.HwlocXmlTexts.v2;
import static dev.p2pdma.pci.io.HwlocXmlTexts.write;
import static org.assertj.core.api.Assertions.assertThat;

/** Good hwloc XML, real and made up: what the importer makes of it. */
class HwlocXmlImporterTest {

    private static final Pattern BUS_ID_ATTR = Pattern.compile("pci_busid=\"([^\"]+)\"");

    private static PciAddress a(String text) {
        return PciAddress.parse(text);
    }

    private static PciTopology real(String name) throws ImportException {
        return HwlocXmlImporter.read(realHwloc().resolve(name));
    }

    private static PciFunction fn(PciTopology t, String address) {
        return t.function(a(address)).orElseThrow(() -> new AssertionError("no function " + address));
    }

    /** The parent bridge's address, or the host bridge name for a function on a root bus. */
    private static String parentOf(PciTopology t, String address) {
        int i = t.indexOf(a(address));
        return t.parent(i) < 0 ? t.hostBridgeOf(i).name() : t.function(t.parent(i)).address().toString();
    }

    @Test
    void everyRealMachineXmlImportsWithOneFunctionPerPciBusid() throws IOException, ImportException {
        List<Path> files;
        try (Stream<Path> s = Files.list(realHwloc())) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".xml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(4);
        for (Path file : files) {
            Matcher m = BUS_ID_ATTR.matcher(Files.readString(file));
            List<String> busIds = new java.util.ArrayList<>();
            while (m.find()) {
                busIds.add(m.group(1));
            }
            PciTopology t = HwlocXmlImporter.read(file);
            assertThat(t.size()).as(file.toString()).isEqualTo(busIds.size()).isPositive();
            assertThat(t.functions().stream().map(f -> f.address().toString()).collect(Collectors.toSet()))
                    .as(file.toString()).isEqualTo(busIds.stream().map(b -> a(b).toString()).collect(Collectors.toSet()));
            assertThat(t.machine().source()).isEqualTo("hwloc XML " + file);
        }
    }

    @Test
    void everyFunctionHasAcsUnknownBecauseHwlocDoesNotRecordIt() throws ImportException {
        for (String name : List.of("16intel64-manyVFs.xml", "40intel64-2g2n4c+pcilocality.xml", "nvidiaDGX2.xml", "power8gpudistances.xml")) {
            assertThat(real(name).functions()).allSatisfy(f ->
                    assertThat(f.acs()).isEqualTo(new AcsState.Unknown("hwloc XML does not record ACS")));
        }
    }

    @Test
    void fortyIntelGivesTheIdsClassesRevisionsAndParentsOfItsXml() throws ImportException {
        PciTopology t = real("40intel64-2g2n4c+pcilocality.xml");
        assertThat(t.size()).isEqualTo(37);
        assertThat(t.hostBridges()).containsExactly(new HostBridge(0, 0x00), new HostBridge(0, 0x40));

        PciFunction sata = fn(t, "0000:00:1f.2");
        assertThat(sata.idText()).isEqualTo("[8086:3a20]");
        assertThat(sata.classCode()).isEqualTo(0x01018f);
        assertThat(sata.revision()).hasValue(0);
        assertThat(sata.subsystemVendorId()).hasValue(0x1028);
        assertThat(sata.subsystemDeviceId()).hasValue(0x02d3);
        assertThat(sata.headerType()).hasValue(0x00);
        assertThat(parentOf(t, "0000:00:1f.2")).isEqualTo("pci0000:00");

        PciFunction rootPort = fn(t, "0000:00:03.0");
        assertThat(rootPort.classCode()).isEqualTo(0x060400);
        assertThat(rootPort.revision()).hasValue(0x22);
        assertThat(rootPort.subsystemVendorId()).hasValue(0);
        assertThat(rootPort.headerLayout()).hasValue(1);
        assertThat(rootPort.multiFunctionBit()).isFalse();
        assertThat(rootPort.busRange()).contains(new PciFunction.BusRange(1, 1));
        assertThat(rootPort.portType()).isEqualTo(PortType.ROOT_PORT);
        assertThat(parentOf(t, "0000:01:00.0")).isEqualTo("0000:00:03.0");
        assertThat(parentOf(t, "0000:03:00.1")).isEqualTo("0000:00:06.0");

        assertThat(parentOf(t, "0000:43:00.0")).isEqualTo("0000:40:03.0");
        assertThat(parentOf(t, "0000:40:03.0")).isEqualTo("pci0000:40");
        assertThat(fn(t, "0000:43:00.0").classCode()).isEqualTo(0x0c0600);
        assertThat(t.chainLength(t.indexOf(a("0000:43:00.0")))).isEqualTo(2);
    }

    @Test
    void theLastPciTypeFieldIsTheProgrammingInterface() throws ImportException {
        PciTopology t = real("40intel64-2g2n4c+pcilocality.xml");
        assertThat(fn(t, "0000:00:1a.7").classCode()).isEqualTo(0x0c0320);
        assertThat(fn(t, "0000:00:1a.0").classCode()).isEqualTo(0x0c0300);
        assertThat(fn(t, "0000:00:1e.0").classCode()).isEqualTo(0x060401);
        assertThat(fn(t, "0000:00:1e.0").revision()).hasValue(0x90);
    }

    @Test
    void aSubtractiveDecodeBridgeIsNotCalledARootPortNorAreTheDevicesBelowIt() throws ImportException {
        PciTopology t = real("40intel64-2g2n4c+pcilocality.xml");
        PciFunction dmiToPci = fn(t, "0000:00:1e.0");
        assertThat(dmiToPci.portType()).isEqualTo(PortType.UNKNOWN);
        assertThat(dmiToPci.problems()).anyMatch(p -> p.contains("prog-if 01"));
        assertThat(parentOf(t, "0000:09:03.0")).isEqualTo("0000:00:1e.0");
        assertThat(fn(t, "0000:09:03.0").portType()).isEqualTo(PortType.UNKNOWN);
    }

    @Test
    void fortyIntelXmlCarriesNoCpuVendorSoTheCpuIsUnknownAndTheNotesSaySo() throws ImportException {
        PciTopology t = real("40intel64-2g2n4c+pcilocality.xml");
        assertThat(t.machine().cpu()).isEmpty();
        assertThat(t.machine().notes()).anyMatch(n -> n.startsWith("CPU unknown") && n.contains("E7- 4870"));
        assertThat(t.machine().notes()).contains("machine: PowerEdge R910 (DMIProductName)");
    }

    @Test
    void dgx2CascadedPlxSwitchesGiveAGpuAChainOfSixWithAlternatingPortTypes() throws ImportException {
        PciTopology t = real("nvidiaDGX2.xml");
        assertThat(t.size()).isEqualTo(84);
        assertThat(t.hostBridges()).extracting(HostBridge::name).containsExactly("pci0000:2b", "pci0000:4e", "pci0000:ae", "pci0000:d7");
        int gpu = t.indexOf(a("0000:34:00.0"));
        assertThat(t.chainLength(gpu)).isEqualTo(6);
        List<String> chain = Arrays.stream(t.chain(gpu)).mapToObj(i -> t.function(i).address().toString()).toList();
        assertThat(chain).containsExactly("0000:34:00.0", "0000:33:00.0", "0000:32:00.0", "0000:2d:04.0", "0000:2c:00.0", "0000:2b:00.0");
        List<PortType> ports = Arrays.stream(t.chain(gpu)).mapToObj(i -> t.function(i).portType()).toList();
        assertThat(ports).containsExactly(PortType.ENDPOINT, PortType.DOWNSTREAM_PORT, PortType.UPSTREAM_PORT,
                PortType.DOWNSTREAM_PORT, PortType.UPSTREAM_PORT, PortType.ROOT_PORT);
        assertThat(t.functions().stream().filter(f -> f.classCode() == 0x030200)).hasSize(16);
        assertThat(fn(t, "0000:66:00.0").vendorId()).isZero();
        assertThat(parentOf(t, "0000:66:00.0")).isEqualTo("0000:60:0b.0");
    }

    @Test
    void dgx2TakesTheCpuFromTheFirstPackage() throws ImportException {
        PciTopology t = real("nvidiaDGX2.xml");
        assertThat(t.machine().cpu()).hasValueSatisfying(c -> {
            assertThat(c.vendor()).isEqualTo(CpuInfo.INTEL);
            assertThat(c.family()).isEqualTo(6);
            assertThat(c.modelName()).contains("Platinum 8174");
        });
    }

    @Test
    void power8KeepsItsPciDomainsAndHasNoCpuVendor() throws ImportException {
        PciTopology t = real("power8gpudistances.xml");
        assertThat(t.hostBridges()).containsExactly(new HostBridge(2, 0), new HostBridge(3, 0), new HostBridge(0xa, 0), new HostBridge(0xb, 0));
        assertThat(t.functions()).extracting(f -> f.address().domain()).containsOnly(2, 3, 0xa, 0xb);
        assertThat(t.machine().cpu()).isEmpty();
        assertThat(t.machine().notes()).contains("architecture: ppc64le");
        for (String gpu : List.of("0002:01:00.0", "0003:01:00.0", "000a:01:00.0", "000b:01:00.0")) {
            String port = gpu.substring(0, 5) + "00:00.0";
            assertThat(parentOf(t, gpu)).isEqualTo(port);
            assertThat(fn(t, port).portType()).isEqualTo(PortType.ROOT_PORT);
            assertThat(fn(t, gpu).idText()).isEqualTo("[10de:15f9]");
        }
        assertThat(t.hostBridgeDevice(0)).hasValueSatisfying(f -> assertThat(f.address()).isEqualTo(a("0002:00:00.0")));
    }

    @Test
    void manyVfsInferredPortTypesAgreeWithTheDeviceNames() throws ImportException {
        PciTopology t = real("16intel64-manyVFs.xml");
        assertThat(t.size()).isEqualTo(31);
        int checked = 0;
        for (PciFunction f : t.functions()) {
            String d = f.description().orElse("");
            PortType expected = d.contains("Root Port") ? PortType.ROOT_PORT
                    : d.contains("Upstream Port") ? PortType.UPSTREAM_PORT
                    : d.contains("Downstream Port") ? PortType.DOWNSTREAM_PORT : null;
            if (expected != null) {
                assertThat(f.portType()).as(f + " " + d).isEqualTo(expected);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(13);
        assertThat(fn(t, "0000:02:00.0").description()).contains("Intel Corporation I350 Gigabit Network Connection");
    }

    @Test
    void manyVfsHasNoVirtualFunctionMarkSoAllFunctionsArePhysical() throws ImportException {
        PciTopology t = real("16intel64-manyVFs.xml");
        assertThat(t.functions()).noneMatch(PciFunction::isVirtfn);
        assertThat(t.machine().notes()).anyMatch(n -> n.contains("does not mark SR-IOV virtual functions"));
        assertThat(parentOf(t, "0000:0b:00.3")).isEqualTo("0000:0a:00.0");
    }

    @Test
    void aV1FileWithIoBelowNumaNodesImportsAndNotesTheMissingProgIf(@TempDir Path dir) throws IOException, ImportException {
        String xml = String.join("\n",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<!DOCTYPE topology SYSTEM \"hwloc.dtd\">",
                "<topology>",
                "  <object type=\"Machine\" os_index=\"0\" cpuset=\"0x3\">",
                "    <object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x3\" local_memory=\"1000\">",
                "      <object type=\"Socket\" os_index=\"0\" cpuset=\"0x3\">",
                "        <info name=\"CPUVendor\" value=\"AuthenticAMD\"/>",
                "        <info name=\"CPUFamilyNumber\" value=\"23\"/>",
                "        <info name=\"CPUModel\" value=\"AMD EPYC 7601\"/>",
                "      </object>",
                "      <object type=\"Bridge\" os_index=\"0\" bridge_type=\"0-1\" depth=\"0\" bridge_pci=\"0000:[00-02]\">",
                "        <object type=\"Bridge\" os_index=\"8\" bridge_type=\"1-1\" depth=\"1\" bridge_pci=\"0000:[01-02]\" pci_busid=\"0000:00:01.0\" pci_type=\"0604 [1022:1453] [0000:0000] 00\" pci_link_speed=\"0.000000\">",
                "          <object type=\"PCIDev\" os_index=\"4096\" pci_busid=\"0000:01:00.0\" pci_type=\"0108 [144d:a808] [144d:a801] 00\" pci_link_speed=\"3.938462\"/>",
                "        </object>",
                "      </object>",
                "    </object>",
                "  </object>",
                "</topology>", "");
        PciTopology t = HwlocXmlImporter.read(write(dir, "v1.xml", xml));
        assertThat(t.size()).isEqualTo(2);
        assertThat(parentOf(t, "0000:01:00.0")).isEqualTo("0000:00:01.0");
        assertThat(parentOf(t, "0000:00:01.0")).isEqualTo("pci0000:00");
        PciFunction nvme = fn(t, "0000:01:00.0");
        assertThat(nvme.classCode()).isEqualTo(0x010800);
        assertThat(nvme.problems()).anyMatch(p -> p.contains("programming interface not recorded"));
        assertThat(t.machine().cpu()).contains(new CpuInfo(CpuInfo.AMD, 23, "AMD EPYC 7601"));
        assertThat(t.machine().notes()).contains("hwloc XML format 1.x (no version attribute)");
    }

    @Test
    void aPciObjectOutsideAnyBridgeIsPlacedByBusNumbers(@TempDir Path dir) throws IOException, ImportException {
        Path file = write(dir, "orphans.xml", v2(
                hostBridge("0000:[00-05]"),
                pciBridge("0000:00:01.0", "0000:[05-05]"),
                end(),
                end(),
                device("0000:05:00.0"),
                device("0000:07:00.0")));
        PciTopology t = HwlocXmlImporter.read(file);
        assertThat(parentOf(t, "0000:05:00.0")).isEqualTo("0000:00:01.0");
        assertThat(parentOf(t, "0000:07:00.0")).isEqualTo("pci0000:07");
        assertThat(fn(t, "0000:07:00.0").problems()).anyMatch(p -> p.contains("parent found from bus numbers"));
        assertThat(t.machine().notes()).anyMatch(n -> n.startsWith("2 PCI object(s) sit outside any bridge"));
    }

    @Test
    void thirtyTwoBitDomainsAreKept(@TempDir Path dir) throws IOException, ImportException {
        Path file = write(dir, "vmd.xml", v2(
                hostBridge("10000:[00-01]"),
                pciBridge("10000:00:02.0", "10000:[01-01]"),
                device("10000:01:00.0"),
                end(),
                end()));
        PciTopology t = HwlocXmlImporter.read(file);
        assertThat(t.hostBridges()).containsExactly(new HostBridge(0x10000, 0));
        assertThat(parentOf(t, "10000:01:00.0")).isEqualTo("10000:00:02.0");
        assertThat(fn(t, "10000:01:00.0").address().domain()).isEqualTo(0x10000);
    }

    @Test
    void aDeviceBeyondItsBridgesSecondaryBusStaysBelowItWithAProblemSaid(@TempDir Path dir) throws IOException, ImportException {
        Path file = write(dir, "gap.xml", v2(
                hostBridge("0000:[00-09]"),
                pciBridge("0000:00:01.0", "0000:[05-09]"),
                device("0000:07:00.0"),
                end(),
                end()));
        PciTopology t = HwlocXmlImporter.read(file);
        assertThat(parentOf(t, "0000:07:00.0")).isEqualTo("0000:00:01.0");
        assertThat(fn(t, "0000:07:00.0").problems()).anyMatch(p -> p.contains("bus 07 is not the secondary bus 05"));
    }

    @Test
    void hwlocTypeNameAliasesAreAccepted(@TempDir Path dir) throws IOException, ImportException {
        Path file = write(dir, "aliases.xml", v2(
                "<object type=\"HostBridge\" bridge_pci=\"0000:[00-01]\">",
                "<object type=\"PCIBridge\" bridge_pci=\"0000:[01-01]\" pci_busid=\"0000:00:01.0\" pci_type=\"0604 [8086:3c08] [0000:0000] 07 00\">",
                "<object type=\"pci\" pci_busid=\"0000:01:00.0\" pci_type=\"0200 [8086:1521] [1137:008b] 01 00\"/>",
                end(),
                end()));
        PciTopology t = HwlocXmlImporter.read(file);
        assertThat(parentOf(t, "0000:01:00.0")).isEqualTo("0000:00:01.0");
        assertThat(parentOf(t, "0000:00:01.0")).isEqualTo("pci0000:00");
        assertThat(fn(t, "0000:00:01.0").portType()).isEqualTo(PortType.ROOT_PORT);
    }

    @Test
    void theDoctypeDtdIsNeverLoaded(@TempDir Path dir) throws IOException, ImportException {
        Path dtd = write(dir, "hwloc2.dtd", "this is not a DTD <!ELEMENT");
        String xml = v2(hostBridge("0000:[00-00]"), device("0000:00:04.0"), end())
                .replace("SYSTEM \"hwloc2.dtd\"", "SYSTEM \"" + dtd.toUri() + "\"");
        PciTopology t = HwlocXmlImporter.read(write(dir, "t.xml", xml));
        assertThat(t.size()).isEqualTo(1);
        String remote = v2(hostBridge("0000:[00-00]"), device("0000:00:04.0"), end())
                .replace("SYSTEM \"hwloc2.dtd\"", "SYSTEM \"http://192.0.2.1/hwloc2.dtd\"");
        assertThat(HwlocXmlImporter.read(write(dir, "r.xml", remote)).size()).isEqualTo(1);
    }

    @Test
    void aStreamIsNamedAsTheCallerSays() throws ImportException {
        byte[] xml = v2(hostBridge("0000:[00-00]"), device("0000:00:04.0"), end()).getBytes(StandardCharsets.UTF_8);
        PciTopology t = HwlocXmlImporter.read(new ByteArrayInputStream(xml), "captured.xml");
        assertThat(t.machine().source()).isEqualTo("hwloc XML captured.xml");
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void aFileWithoutPciObjectsGivesAnEmptyTreeAndSaysWhy(@TempDir Path dir) throws IOException, ImportException {
        PciTopology t = HwlocXmlImporter.read(write(dir, "noio.xml", v2("<object type=\"Package\" os_index=\"0\"/>")));
        assertThat(t.size()).isZero();
        assertThat(t.machine().notes()).anyMatch(n -> n.contains("no PCI objects"));
    }

    @Test
    void linkBandwidthIsQuotedNotTurnedIntoASpeed(@TempDir Path dir) throws IOException, ImportException {
        Path file = write(dir, "link.xml", v2(
                hostBridge("0000:[00-00]"),
                "<object type=\"PCIDev\" pci_busid=\"0000:00:04.0\" pci_type=\"0302 [10de:1db8] [10de:131d] a1 00\" pci_link_speed=\"15.753846\"/>",
                device("0000:00:05.0"),
                end()));
        PciTopology t = HwlocXmlImporter.read(file);
        assertThat(fn(t, "0000:00:04.0").link()).isEqualTo(LinkInfo.UNKNOWN);
        assertThat(fn(t, "0000:00:04.0").problems()).anyMatch(p -> p.contains("15.75 GB/s"));
        assertThat(fn(t, "0000:00:05.0").problems()).noneMatch(p -> p.contains("GB/s"));
    }

    @Test
    void aCardBusBridgeDeviceHasAnUnknownHeaderType(@TempDir Path dir) throws IOException, ImportException {
        Path file = write(dir, "cardbus.xml", v2(
                hostBridge("0000:[00-00]"),
                "<object type=\"PCIDev\" pci_busid=\"0000:00:06.0\" pci_type=\"0607 [1180:0476] [0000:0000] 00 00\"/>",
                end()));
        PciFunction f = fn(HwlocXmlImporter.read(file), "0000:00:06.0");
        assertThat(f.headerType()).isEmpty();
        assertThat(f.isBridge()).isFalse();
    }

    @Test
    void theCpuComesFromTheFirstObjectWithAVendor(@TempDir Path dir) throws IOException, ImportException {
        Path file = write(dir, "cpus.xml", v2(
                "<object type=\"Package\" os_index=\"0\">",
                "<info name=\"CPUModel\" value=\"AMD EPYC 7763\"/>",
                "<info name=\"CPUVendor\" value=\"AuthenticAMD\"/>",
                "<info name=\"CPUFamilyNumber\" value=\"25\"/>",
                end(),
                "<object type=\"Package\" os_index=\"1\">",
                "<info name=\"CPUVendor\" value=\"GenuineIntel\"/>",
                "<info name=\"CPUFamilyNumber\" value=\"6\"/>",
                end()));
        assertThat(HwlocXmlImporter.read(file).machine().cpu()).contains(new CpuInfo(CpuInfo.AMD, 25, "AMD EPYC 7763"));
    }

    @Test
    void aNewerFormatVersionIsReadAndNoted(@TempDir Path dir) throws IOException, ImportException {
        String xml = v2(hostBridge("0000:[00-00]"), device("0000:00:04.0"), end()).replace("version=\"2.0\"", "version=\"4.1\"");
        PciTopology t = HwlocXmlImporter.read(write(dir, "v4.xml", xml));
        assertThat(t.size()).isEqualTo(1);
        assertThat(t.machine().notes()).anyMatch(n -> n.contains("'4.1', newer than this importer knows"));
    }

    @Test
    void utf16WithAByteOrderMarkAndDeclaredLatin1AreDecoded(@TempDir Path dir) throws IOException, ImportException {
        String body = v2(hostBridge("0000:[00-00]"),
                "<object type=\"PCIDev\" pci_busid=\"0000:00:04.0\" pci_type=\"0200 [8086:1521] [1137:008b] 01 00\">",
                "<info name=\"PCIVendor\" value=\"Soci\u00e9t\u00e9\"/>", end(), end());
        Path utf16 = dir.resolve("utf16.xml");
        Files.write(utf16, body.replace("UTF-8", "UTF-16").getBytes(StandardCharsets.UTF_16));
        assertThat(fn(HwlocXmlImporter.read(utf16), "0000:00:04.0").description()).contains("Soci\u00e9t\u00e9");
        Path latin1 = dir.resolve("latin1.xml");
        Files.write(latin1, body.replace("UTF-8", "ISO-8859-1").getBytes(StandardCharsets.ISO_8859_1));
        assertThat(fn(HwlocXmlImporter.read(latin1), "0000:00:04.0").description()).contains("Soci\u00e9t\u00e9");
    }

    @Test
    void objectsNestedInOsDevicesAndGroupsAreStillFound(@TempDir Path dir) throws IOException, ImportException {
        Path file = write(dir, "nested.xml", v2(
                "<object type=\"Group\" kind=\"1000\">",
                "<object type=\"NUMANode\" os_index=\"0\">",
                hostBridge("0000:[00-01]"),
                pciBridge("0000:00:01.0", "0000:[01-01]"),
                "<object type=\"Misc\" name=\"x\">",
                device("0000:01:00.0"),
                end(),
                end(),
                end(),
                end(),
                end()));
        PciTopology t = HwlocXmlImporter.read(file);
        assertThat(parentOf(t, "0000:01:00.0")).isEqualTo("0000:00:01.0");
    }

    @Test
    void functionsGetTheOneNumaNodeOfTheObjectHoldingTheirHostBridgeEvenWhenMemoryChildrenComeLast(@TempDir Path dir)
            throws IOException, ImportException {
        String numa0 = "<object type=\"NUMANode\" os_index=\"0\" cpuset=\"0x1\" local_memory=\"1024\"/>";
        String numa1 = "<object type=\"NUMANode\" os_index=\"1\" cpuset=\"0x2\" local_memory=\"1024\"/>";
        Path file = write(dir, "numa.xml", v2(
                "<object type=\"Package\" os_index=\"0\" cpuset=\"0x1\">", numa0,
                hostBridge("0000:[00-01]"), device("0000:00:02.0"), end(), end(),
                "<object type=\"Package\" os_index=\"1\" cpuset=\"0x2\">",
                hostBridge("0000:[80-81]"), device("0000:80:02.0"), end(), numa1, end(),
                hostBridge("0000:[c0-c1]"), device("0000:c0:02.0"), end()));
        PciTopology t = HwlocXmlImporter.read(file);
        assertThat(fn(t, "0000:00:02.0").numaNode()).hasValue(0);
        assertThat(fn(t, "0000:80:02.0").numaNode()).as("memory child written after the I/O child").hasValue(1);
        assertThat(fn(t, "0000:c0:02.0").numaNode()).as("on the Machine, which holds two nodes").isEmpty();
    }
}
