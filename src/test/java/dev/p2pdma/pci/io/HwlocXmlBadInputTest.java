package dev.p2pdma.pci.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static dev.p2pdma.pci.io.HwlocXmlTexts.FIRST_BODY_LINE;
import static dev.p2pdma.pci.io.HwlocXmlTexts.device;
import static dev.p2pdma.pci.io.HwlocXmlTexts.end;
import static dev.p2pdma.pci.io.HwlocXmlTexts.hostBridge;
import static dev.p2pdma.pci.io.HwlocXmlTexts.pciBridge;
import static dev.p2pdma.pci.io.HwlocXmlTexts.realHwloc;
import static dev.p2pdma.pci.io.HwlocXmlTexts.v2;
import static dev.p2pdma.pci.io.HwlocXmlTexts.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Bad, broken and hostile hwloc XML: always one ImportException line naming the file and what is wrong. */
class HwlocXmlBadInputTest {

    /** Imports {@code file}, expecting failure; returns the message after checking it is one line naming the file. */
    private static String failure(Path file) {
        Throwable t = catchThrowable(() -> HwlocXmlImporter.read(file));
        assertThat(t).as("import of " + file).isInstanceOf(ImportException.class);
        String msg = t.getMessage();
        assertThat(msg).startsWith(file.toString()).doesNotContain("\n").doesNotContain("\r");
        return msg;
    }

    private static String failure(Path dir, String name, String xml) throws IOException {
        return failure(write(dir, name, xml));
    }

    @Test
    void truncatedXmlIsRejectedNamingTheLine(@TempDir Path dir) throws IOException {
        String whole = Files.readString(realHwloc().resolve("40intel64-2g2n4c+pcilocality.xml"));
        String msg = failure(dir, "cut.xml", whole.substring(0, whole.length() / 2));
        assertThat(msg).matches(".*cut\\.xml:\\d+: not well-formed XML: the file ends inside the document \\(truncated\\?\\).*");
    }

    @Test
    void aDocumentCutAfterTheRootStartIsRejected(@TempDir Path dir) throws IOException {
        assertThat(failure(dir, "open.xml", "<?xml version=\"1.0\"?>\n<topology version=\"2.0\">\n<object type=\"Machine\">\n"))
                .contains("not well-formed XML");
    }

    @Test
    void billionLaughsFailsFastInOneLine(@TempDir Path dir) throws IOException {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE topology [\n <!ENTITY lol \"lol\">\n");
        for (int i = 1; i <= 9; i++) {
            b.append(" <!ENTITY lol").append(i).append(" \"").append(("&lol" + (i == 1 ? "" : i - 1) + ";").repeat(10)).append("\">\n");
        }
        b.append("]>\n<topology version=\"2.0\"><object type=\"Machine\"><info name=\"PCIVendor\" value=\"&lol9;\"/></object></topology>\n");
        Path file = write(dir, "lol.xml", b.toString());
        String msg = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> failure(file));
        assertThat(msg).contains("lol9").contains("not processed");
    }

    @Test
    void anExternalEntityIsNeverRead(@TempDir Path dir) throws IOException {
        Path secret = write(dir, "secret.txt", "TOP-SECRET-MARKER");
        String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE topology [ <!ENTITY xxe SYSTEM \"" + secret.toUri() + "\"> ]>\n"
                + "<topology version=\"2.0\"><object type=\"Machine\"><userdata length=\"5\">&xxe;</userdata></object></topology>\n";
        assertThat(failure(dir, "xxe.xml", xml)).doesNotContain("TOP-SECRET-MARKER").contains("xxe");
    }

    @Test
    void anExternalEntityPointingAtEtcPasswdIsNotRead(@TempDir Path dir) throws IOException {
        String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE topology [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
                + "<topology version=\"2.0\"><object type=\"Machine\"><info name=\"DMIProductName\" value=\"x\"/>"
                + "<userdata>&xxe;</userdata></object></topology>\n";
        assertThat(failure(dir, "passwd.xml", xml)).doesNotContain("root:");
    }

    @Test
    void anExternalParameterEntityIsNeverRead(@TempDir Path dir) throws IOException {
        Path secret = write(dir, "evil.dtd", "<!ENTITY leak \"TOP-SECRET-MARKER\">");
        String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE topology [ <!ENTITY % ext SYSTEM \"" + secret.toUri() + "\"> %ext; ]>\n"
                + "<topology version=\"2.0\"><object type=\"Machine\"><userdata>&leak;</userdata></object></topology>\n";
        assertThat(failure(dir, "pe.xml", xml)).doesNotContain("TOP-SECRET-MARKER");
    }

    @Test
    void aRootElementOtherThanTopologyIsRejected(@TempDir Path dir) throws IOException {
        assertThat(failure(dir, "diff.xml", "<?xml version=\"1.0\"?>\n<topologydiff refname=\"x\"/>\n"))
                .contains(":2: the root element is <topologydiff>, not <topology>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0000:0g:00.0", "0000:00:20.0", "0000:00:00.8", "00:00.0", "", "0000:00:00", "123456789:00:00.0", "0000:000:00.0"})
    void aMalformedPciBusidIsRejectedNamingLineAndText(String busId, @TempDir Path dir) throws IOException {
        String msg = failure(dir, "busid.xml", v2(hostBridge("0000:[00-00]"), device(busId), end()));
        assertThat(msg).contains(":" + (FIRST_BODY_LINE + 1) + ": malformed pci_busid '" + busId + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0200 [8086:1521]", "zz00 [8086:1521] [1137:008b] 01 00", "0200 [8086:1521] [1137:008b]",
            "02000 [8086:1521] [1137:008b] 01 00", "0200 [8086-1521] [1137:008b] 01 00", "0200 [8086:1521] [1137:008b] 100 00"})
    void aMalformedPciTypeIsRejectedNamingTheDevice(String pciType, @TempDir Path dir) throws IOException {
        String msg = failure(dir, "type.xml", v2(hostBridge("0000:[00-00]"),
                "<object type=\"PCIDev\" pci_busid=\"0000:00:04.0\" pci_type=\"" + pciType + "\"/>", end()));
        assertThat(msg).contains(":" + (FIRST_BODY_LINE + 1) + ": 0000:00:04.0: malformed pci_type");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0000:[05-02]", "0000:05-06", "0000:[05-]", "x:[00-01]", "0000:[000-01]"})
    void aMalformedBridgePciIsRejected(String range, @TempDir Path dir) throws IOException {
        String msg = failure(dir, "range.xml", v2(hostBridge("0000:[00-09]"), pciBridge("0000:00:01.0", range), end(), end()));
        assertThat(msg).contains(":" + (FIRST_BODY_LINE + 1) + ": malformed bridge_pci '" + range + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2-1", "1-0", "one-one", "1"})
    void anUnknownOrMalformedBridgeTypeIsRejected(String bridgeType, @TempDir Path dir) throws IOException {
        String msg = failure(dir, "bt.xml", v2("<object type=\"Bridge\" bridge_type=\"" + bridgeType + "\" bridge_pci=\"0000:[00-00]\"/>"));
        assertThat(msg).contains(":" + FIRST_BODY_LINE + ": ").contains("bridge_type '" + bridgeType + "'");
    }

    @Test
    void aMalformedLinkSpeedIsRejected(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "speed.xml", v2(hostBridge("0000:[00-00]"),
                "<object type=\"PCIDev\" pci_busid=\"0000:00:04.0\" pci_type=\"0200 [8086:1521] [1137:008b] 01 00\" pci_link_speed=\"fast\"/>", end()));
        assertThat(msg).contains("0000:00:04.0: malformed pci_link_speed 'fast'");
    }

    @Test
    void aDuplicateBusidIsRejectedNamingBothLines(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "dup.xml", v2(hostBridge("0000:[00-00]"), device("0000:00:04.0"), device("0000:00:04.0"), end()));
        assertThat(msg).contains(":" + (FIRST_BODY_LINE + 2) + ": duplicate pci_busid 0000:00:04.0 (first at line " + (FIRST_BODY_LINE + 1) + ")");
    }

    @Test
    void aMissingFileIsRejected(@TempDir Path dir) {
        assertThat(failure(dir.resolve("nope.xml"))).endsWith("nope.xml: no such file");
    }

    @Test
    void aDirectoryIsRejected(@TempDir Path dir) {
        assertThat(failure(dir)).contains("is a directory");
    }

    @Test
    void aGzipFileIsRejectedSayingSo(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(Files.readAllBytes(realHwloc().resolve("power8gpudistances.xml")));
        }
        Path file = dir.resolve("power8.xml.gz");
        Files.write(file, bytes.toByteArray());
        assertThat(failure(file)).contains("is gzip-compressed, not hwloc XML");
    }

    @Test
    void aSysfsTarballGivenAsXmlIsRejectedSayingSo() {
        assertThat(failure(realHwloc().resolve("40intel64-2g2n4c+pcilocality.tar.bz2"))).contains("is bzip2-compressed");
    }

    @Test
    void aBinaryFileIsRejected(@TempDir Path dir) throws IOException {
        byte[] junk = new byte[4096];
        new Random(42).nextBytes(junk);
        junk[0] = '<';
        junk[10] = 0;
        Path file = dir.resolve("junk.xml");
        Files.write(file, junk);
        assertThat(failure(file)).contains("binary");
    }

    @Test
    void binaryBytesWithoutNulAreRejectedAsNotWellFormed(@TempDir Path dir) throws IOException {
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        for (int i = 0; i < junk.length; i++) {
            if (junk[i] == 0) {
                junk[i] = 1;
            }
        }
        junk[0] = (byte) 0x80;
        Path file = dir.resolve("junk2.xml");
        Files.write(file, junk);
        assertThat(failure(file)).contains("junk2.xml:1: bytes at offset 0 (line 1) are not valid UTF-8 text");
    }

    @Test
    void anEmptyFileIsRejected(@TempDir Path dir) throws IOException {
        assertThat(failure(dir, "empty.xml", "")).endsWith("is empty, not hwloc XML");
    }

    @Test
    void plainTextIsRejected(@TempDir Path dir) throws IOException {
        assertThat(failure(dir, "text.xml", "Machine (16GB)\n  Package L#0\n")).contains("not well-formed XML");
    }

    @Test
    void aPciObjectInsideAPciDeviceIsRejected(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "nest.xml", v2(hostBridge("0000:[00-01]"),
                "<object type=\"PCIDev\" pci_busid=\"0000:00:04.0\" pci_type=\"0200 [8086:1521] [1137:008b] 01 00\">",
                device("0000:01:00.0"), end(), end()));
        assertThat(msg).contains(":" + (FIRST_BODY_LINE + 2) + ": 0000:01:00.0: nested inside PCI device 0000:00:04.0");
    }

    @Test
    void aDeviceOutsideItsBridgesBusRangeIsRejected(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "outside.xml", v2(hostBridge("0000:[00-09]"), pciBridge("0000:00:01.0", "0000:[05-06]"),
                device("0000:08:00.0"), end(), end()));
        assertThat(msg).contains("0000:08:00.0: outside the bus range 0000:[05-06] of its parent bridge 0000:00:01.0");
    }

    @Test
    void aDeviceInAnotherDomainThanItsHostBridgeIsRejected(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "domain.xml", v2(hostBridge("0000:[00-00]"), device("0001:00:04.0"), end()));
        assertThat(msg).contains("0001:00:04.0: outside the bus range 0000:[00-00] of its host bridge");
    }

    @Test
    void anObjectWithoutATypeIsRejected(@TempDir Path dir) throws IOException {
        assertThat(failure(dir, "notype.xml", v2("<object os_index=\"0\"/>"))).contains(":" + FIRST_BODY_LINE + ": <object> without a type attribute");
    }

    @Test
    void aPciDeviceWithoutBusidOrTypeIsRejected(@TempDir Path dir) throws IOException {
        assertThat(failure(dir, "nobusid.xml", v2("<object type=\"PCIDev\" pci_type=\"0200 [8086:1521] [1137:008b] 01 00\"/>")))
                .contains("PCIDev object without a pci_busid attribute");
        assertThat(failure(dir, "notype2.xml", v2("<object type=\"PCIDev\" pci_busid=\"0000:00:04.0\"/>")))
                .contains("0000:00:04.0: PCIDev object without a pci_type attribute");
    }

    @Test
    void absurdlyDeepNestingIsRejectedWithoutOverflowingTheStack(@TempDir Path dir) throws IOException {
        int depth = HwlocXmlReader.MAX_DEPTH + 10;
        String xml = v2("<object type=\"Group\">".repeat(depth) + "</object>".repeat(depth));
        assertThat(failure(dir, "deep.xml", xml)).contains("nest more than " + HwlocXmlReader.MAX_DEPTH + " deep");
    }

    @Test
    void aMalformedCpuFamilyIsRejected(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "family.xml", v2("<object type=\"Package\" os_index=\"0\">",
                "<info name=\"CPUVendor\" value=\"GenuineIntel\"/>", "<info name=\"CPUFamilyNumber\" value=\"six\"/>", end()));
        assertThat(msg).contains(":" + FIRST_BODY_LINE + ": malformed CPUFamilyNumber 'six'");
    }

    @Test
    void aCpuFamilyInNonAsciiDigitsOrBeyondWhatCpuidReportsIsRejected(@TempDir Path dir) throws IOException {
        for (String family : new String[] {"\u0666", "271", "-6"}) {
            String msg = failure(dir, "family.xml", v2("<object type=\"Package\" os_index=\"0\">",
                    "<info name=\"CPUVendor\" value=\"GenuineIntel\"/>", "<info name=\"CPUFamilyNumber\" value=\"" + family + "\"/>", end()));
            assertThat(msg).as(family).contains(":" + FIRST_BODY_LINE + ": malformed CPUFamilyNumber '" + family + "'");
        }
    }

    @Test
    void twoBridgesClaimingTheBusOfAnOrphanAreRejected(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "claim.xml", v2(hostBridge("0000:[00-05]"),
                pciBridge("0000:00:01.0", "0000:[05-05]"), end(), pciBridge("0000:00:02.0", "0000:[05-05]"), end(), end(),
                device("0000:05:00.0")));
        assertThat(msg).contains("0000:05:00.0").contains("claim bus 05");
    }

    @Test
    void aHostBridgeInsideAPciBridgeIsRejected(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "hb.xml", v2(hostBridge("0000:[00-01]"), pciBridge("0000:00:01.0", "0000:[01-01]"),
                hostBridge("0000:[01-01]"), end(), end(), end()));
        assertThat(msg).contains(":" + (FIRST_BODY_LINE + 2) + ": host bridge nested inside the PCI object at line " + (FIRST_BODY_LINE + 1));
    }

    @Test
    void controlCharactersInBadValuesDoNotBreakTheMessageLine(@TempDir Path dir) throws IOException {
        String msg = failure(dir, "ctl.xml", v2(hostBridge("0000:[00-00]"), device("0000:00:04.0&#10;x"), end()));
        assertThat(msg).contains("malformed pci_busid '0000:00:04.0\\nx'");
    }

    @Test
    void anUnsupportedDeclaredEncodingIsRejected(@TempDir Path dir) throws IOException {
        String xml = v2(hostBridge("0000:[00-00]"), device("0000:00:04.0"), end()).replace("UTF-8", "x-klingon");
        assertThat(failure(dir, "enc.xml", xml)).contains(":1: unsupported encoding 'x-klingon'");
    }

    @Test
    void badInputPrintsNothingToStandardError(@TempDir Path dir) throws IOException {
        byte[] latin1 = v2(hostBridge("0000:[00-00]"), "<info name=\"PCIVendor\" value=\"caf\u00e9\"/>", end())
                .getBytes(StandardCharsets.ISO_8859_1);
        Path file = dir.resolve("latin1-declared-utf8.xml");
        Files.write(file, latin1);
        java.io.PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(failure(file)).contains("are not valid UTF-8 text");
            failure(dir, "cut.xml", "<?xml version=\"1.0\"?>\n<topology version=\"2.0\">\n<object");
        } finally {
            System.setErr(saved);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aTruncatedUtf8SequenceIsRejected(@TempDir Path dir) throws IOException {
        byte[] head = v2(hostBridge("0000:[00-00]"), device("0000:00:04.0"), end()).getBytes(StandardCharsets.UTF_8);
        byte[] bad = new byte[head.length + 2];
        System.arraycopy(head, 0, bad, 0, 60);
        bad[60] = (byte) 0xc3;
        bad[61] = (byte) 0x28;
        System.arraycopy(head, 60, bad, 62, head.length - 60);
        Path file = dir.resolve("utf8.xml");
        Files.write(file, bad);
        assertThat(failure(file)).contains("utf8.xml:2: bytes at offset 60 (line 2) are not valid UTF-8 text");
    }
}
