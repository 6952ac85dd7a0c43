package dev.p2pdma.pci.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Input that is not a well-formed lspci dump gives a one-line ImportException naming the file and line. */
class LspciBadInputTest {

    /** A good first function, two lines plus 4 rows; its rows end on line 5. */
    private static final String GOOD = LspciDumps.hexFunction("00:00.0", "Host bridge: Intel", LspciDumps.endpoint(64));

    @TempDir
    Path dir;

    @Test
    void xmlFileIsNotAnLspciDump() throws Exception {
        assertRejected(LspciDumps.write(dir, "topo.xml", "<?xml version=\"1.0\"?>\n<topology>\n  <object type=\"Machine\"/>\n</topology>\n"),
                "not an lspci dump (no function header line found)");
    }

    @Test
    void binaryFileIsNotAnLspciDump() throws Exception {
        byte[] junk = new byte[8192];
        new Random(42).nextBytes(junk);
        Path file = dir.resolve("blob.bin");
        Files.write(file, junk);
        assertRejected(file, "not an lspci dump (no function header line found)");
    }

    @Test
    void emptyFileIsNotAnLspciDump() throws Exception {
        assertRejected(LspciDumps.write(dir, "empty", ""), "not an lspci dump (no function header line found)");
    }

    @Test
    void hexRowBeforeAnyHeaderIsRejectedWithItsLine() throws Exception {
        assertRejected(LspciDumps.write(dir, "rows-first", LspciDumps.hexRows(new byte[16]) + GOOD), "line 1: hex row before any function header");
    }

    @Test
    void indentedLineBeforeAnyHeaderIsRejectedWithItsLine() throws Exception {
        assertRejected(LspciDumps.write(dir, "detail-first", "\n\tNUMA node: 0\n" + GOOD), "line 2: indented line before any function header");
    }

    @Test
    void malformedAddressIsRejectedWithItsLine() throws Exception {
        assertRejected(LspciDumps.write(dir, "bad-dev", GOOD + "00:20.0 Ethernet controller: X\n"), "line 7: malformed PCI address '00:20.0'");
        assertRejected(LspciDumps.write(dir, "bad-hex", GOOD + "00:1g.0 Ethernet controller: X\n"), "line 7: malformed PCI address '00:1g.0'");
    }

    @Test
    void duplicateFunctionIsRejectedNamingBothLines() throws Exception {
        assertRejected(LspciDumps.write(dir, "dup", GOOD + GOOD.replace("00:00.0", "0000:00:00.0")),
                "line 7: duplicate function 0000:00:00.0 (first at line 1)");
    }

    @Test
    void moreThan4096BytesIsRejected() throws Exception {
        String text = "00:00.0 Host bridge: X\n" + LspciDumps.hexRows(new byte[4096]) + "1000: " + "00 ".repeat(16) + "\n";
        assertRejected(LspciDumps.write(dir, "big", text), "line 258: hex row at offset 0x1000: more than 4096 bytes");
    }

    @Test
    void truncatedRowIsRejected() throws Exception {
        String text = "00:00.0 Host bridge: X\n00: 86 80 05 34 00 00\n";
        assertRejected(LspciDumps.write(dir, "short-row", text), "line 2: truncated hex row at offset 0x00: 6 bytes, expected 16");
    }

    @Test
    void rowWithBadHexIsRejected() throws Exception {
        String text = "00:00.0 Host bridge: X\n00: 86 80 05 zz 00 00 00 00 00 00 00 00 00 00 00 00\n";
        assertRejected(LspciDumps.write(dir, "bad-byte", text), "line 2: bad hex byte 'zz' in the row at offset 0x00");
    }

    @Test
    void rowOffsetOutOfOrderIsRejected() throws Exception {
        String rows = LspciDumps.hexRows(new byte[64]);
        String swapped = rows.replace("20:", "XX:").replace("30:", "20:").replace("XX:", "30:");
        assertRejected(LspciDumps.write(dir, "order", "00:00.0 Host bridge: X\n" + swapped), "line 4: hex row offset 0x30 out of order for 0000:00:00.0 (expected 0x20)");
        assertRejected(LspciDumps.write(dir, "gap", "00:00.0 Host bridge: X\n" + rows.replace("10:", "40:")),
                "line 3: hex row offset 0x40 out of order");
    }

    @Test
    void badRowOffsetIsRejected() throws Exception {
        assertRejected(LspciDumps.write(dir, "bad-off", "00:00.0 Host bridge: X\n0g: " + "00 ".repeat(16) + "\n"), "line 2: bad hex row offset '0g:'");
    }

    @Test
    void unrecognisedTopLevelLineIsRejected() throws Exception {
        assertRejected(LspciDumps.write(dir, "junk", GOOD + "hello world\n"), "line 7: not an lspci line");
    }

    @Test
    void headerWithNeitherRowsNorDetailsIsRejected() throws Exception {
        assertRejected(LspciDumps.write(dir, "plain", "00:00.0 Host bridge: Intel\n00:01.0 PCI bridge: Intel\n"),
                "line 1: function 0000:00:00.0 has neither hex rows nor decoded lines");
    }

    @Test
    void malformedBusLineIsRejectedWithItsLine() throws Exception {
        assertRejected(LspciDumps.write(dir, "bus", "00:01.0 PCI bridge [0604]: X [8086:1901]\n\tBus: primary=00, secondary=zz\n"),
                "line 2: unreadable bus numbers for 0000:00:01.0");
    }

    @Test
    void acsLineWithoutFlagsIsRejectedWithItsLine() throws Exception {
        assertRejected(LspciDumps.write(dir, "acs", "00:01.0 PCI bridge [0604]: X [8086:1901]\n\t\tACSCap:\tgarbage\n"),
                "line 2: no ACS flags");
    }

    @Test
    void hugeNumaNodeIsRejectedWithItsLine() throws Exception {
        assertRejected(LspciDumps.write(dir, "numa", "00:01.0 PCI bridge [0604]: X [8086:1901]\n\tNUMA node: 99999999999\n"),
                "line 2: number out of range");
    }

    @Test
    void fileLargerThanTheLimitIsRejectedWithoutReadingIt() throws Exception {
        Path file = dir.resolve("huge");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(LspciImporter.MAX_FILE_BYTES + 1);
        }
        assertRejected(file, "too large for an lspci dump");
    }

    @Test
    void missingFileAndDirectoryAreRejectedNamingThem() {
        assertRejected(dir.resolve("absent"), "no such file");
        assertRejected(dir, "is a directory, not an lspci dump");
    }

    private static void assertRejected(Path file, String expected) {
        assertThatThrownBy(() -> LspciImporter.importFile(file))
                .isInstanceOf(ImportException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).startsWith(file + ": ").contains(expected).doesNotContain("\n");
                });
    }
}
