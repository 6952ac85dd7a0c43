package dev.p2pdma.pci.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small hwloc XML documents and shared paths for the importer tests. */
final class HwlocXmlTexts {

    /** Line 5 of every {@link #v2} document is the first line of its body. */
    static final int FIRST_BODY_LINE = 5;

    private HwlocXmlTexts() {
    }

    /** The shared test data folder: the surefire property, else {@code ../shared}. */
    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }

    /** The hwloc folder of the real machines. */
    static Path realHwloc() {
        return shared().resolve("real-machines/hwloc");
    }

    /** A version 2.0 document whose Machine object holds {@code bodyLines}, one per line from line 5. */
    static String v2(String... bodyLines) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
                + "<topology version=\"2.0\">\n"
                + "  <object type=\"Machine\" os_index=\"0\" cpuset=\"0x1\">\n"
                + String.join("\n", bodyLines) + "\n"
                + "  </object>\n"
                + "</topology>\n";
    }

    /** A host bridge start tag for {@code domain:[sec-sub]}. */
    static String hostBridge(String range) {
        return "<object type=\"Bridge\" bridge_type=\"0-1\" depth=\"0\" bridge_pci=\"" + range + "\">";
    }

    /** A PCI-to-PCI bridge start tag (prog-if 00, a PCIe port by class). */
    static String pciBridge(String busId, String range) {
        return "<object type=\"Bridge\" bridge_type=\"1-1\" depth=\"1\" bridge_pci=\"" + range + "\" pci_busid=\"" + busId
                + "\" pci_type=\"0604 [8086:3c08] [0000:0000] 07 00\" pci_link_speed=\"0.000000\">";
    }

    /** A self-closed PCIDev of class 0200 (Ethernet). */
    static String device(String busId) {
        return "<object type=\"PCIDev\" pci_busid=\"" + busId + "\" pci_type=\"0200 [8086:1521] [1137:008b] 01 00\" pci_link_speed=\"0.000000\"/>";
    }

    /** Closes an object. */
    static String end() {
        return "</object>";
    }

    /** Writes {@code text} as UTF-8 to {@code dir/name}. */
    static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }
}
