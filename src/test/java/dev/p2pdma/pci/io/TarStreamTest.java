package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

/** The streaming tar reader understands GNU, POSIX ustar and PAX headers and rejects damage. */
class TarStreamTest {

    private static final String LONG_DIR = "sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0/0000:02:01.0/0000:04:00.0/"
            + "0000:05:00.0/0000:06:00.0";

    /** Writes members with commons-compress in the given long-name mode. */
    private static byte[] archive(int longFileMode) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bos)) {
            tar.setLongFileMode(longFileMode);
            TarArchiveEntry d = new TarArchiveEntry(LONG_DIR + "/", TarConstants.LF_DIR);
            tar.putArchiveEntry(d);
            tar.closeArchiveEntry();
            TarArchiveEntry f = new TarArchiveEntry(LONG_DIR + "/config");
            f.setSize(600);
            tar.putArchiveEntry(f);
            tar.write(new byte[600]);
            tar.closeArchiveEntry();
            TarArchiveEntry l = new TarArchiveEntry(LONG_DIR + "/driver", TarConstants.LF_SYMLINK);
            l.setLinkName("../".repeat(30) + "bus/pci/drivers/nvme");
            tar.putArchiveEntry(l);
            tar.closeArchiveEntry();
            TarArchiveEntry v = new TarArchiveEntry(LONG_DIR + "/vendor");
            v.setSize(7);
            tar.putArchiveEntry(v);
            tar.write("0x1b36\n".getBytes(StandardCharsets.US_ASCII));
            tar.closeArchiveEntry();
        }
        return bos.toByteArray();
    }

    private static List<TarStream.Header> readAll(TarStream t) throws IOException {
        List<TarStream.Header> out = new ArrayList<>();
        for (Optional<TarStream.Header> h = t.next(); h.isPresent(); h = t.next()) {
            out.add(h.get());
        }
        return out;
    }

    @Test
    void gnuLongNamesAndLinkNamesAreRead() throws Exception {
        checkLongNames(archive(TarArchiveOutputStream.LONGFILE_GNU));
    }

    @Test
    void paxPathAndLinkpathAreRead() throws Exception {
        checkLongNames(archive(TarArchiveOutputStream.LONGFILE_POSIX));
    }

    private static void checkLongNames(byte[] bytes) throws IOException {
        TarStream t = new TarStream(new ByteArrayInputStream(bytes));
        List<TarStream.Header> hs = readAll(t);
        assertThat(hs).extracting(TarStream.Header::name)
                .containsExactly(LONG_DIR + "/", LONG_DIR + "/config", LONG_DIR + "/driver", LONG_DIR + "/vendor");
        assertThat(hs).extracting(TarStream.Header::type).containsExactly(TarStream.Type.DIRECTORY, TarStream.Type.REGULAR,
                TarStream.Type.SYMLINK, TarStream.Type.REGULAR);
        assertThat(hs.get(2).linkName()).endsWith("bus/pci/drivers/nvme").hasSizeGreaterThan(100);
        assertThat(hs.get(1).size()).isEqualTo(600);
    }

    @Test
    void contentIsReadExactlyAndUnreadContentIsSkipped() throws Exception {
        TarStream t = new TarStream(new ByteArrayInputStream(archive(TarArchiveOutputStream.LONGFILE_GNU)));
        t.next();
        t.next();
        t.next();
        assertThat(t.next().orElseThrow().name()).endsWith("/vendor");
        assertThat(new String(t.readContent(), StandardCharsets.US_ASCII)).isEqualTo("0x1b36\n");
        assertThat(t.next()).isEmpty();
    }

    @Test
    void posixPrefixIsJoinedToTheName() throws Exception {
        byte[] h = header("vendor", 7, '0', "");
        put(h, 257, "ustar\0");
        put(h, 263, "00");
        put(h, 345, "sys/devices/pci0000:00/0000:00:04.0");
        checksum(h);
        byte[] bytes = concat(h, pad("0x1b36\n".getBytes(StandardCharsets.US_ASCII)), new byte[1024]);
        assertThat(new TarStream(new ByteArrayInputStream(bytes)).next().orElseThrow().name())
                .isEqualTo("sys/devices/pci0000:00/0000:00:04.0/vendor");
    }

    @Test
    void base256SizeIsRead() throws Exception {
        byte[] h = header("big", 0, '0', "");
        Arrays.fill(h, 124, 136, (byte) 0);
        h[124] = (byte) 0x80;
        h[135] = 3;
        checksum(h);
        byte[] bytes = concat(h, pad(new byte[] {1, 2, 3}));
        TarStream t = new TarStream(new ByteArrayInputStream(bytes));
        assertThat(t.next().orElseThrow().size()).isEqualTo(3);
        assertThat(t.readContent()).containsExactly(1, 2, 3);
        assertThat(t.next()).isEmpty();
    }

    @Test
    void checksumMismatchIsRejected() {
        byte[] h = header("vendor", 0, '0', "");
        h[0] = 'w';
        assertThatThrownBy(() -> new TarStream(new ByteArrayInputStream(h)).next()).isInstanceOf(IOException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void contentEndingEarlyIsAnEndOfFile() {
        byte[] h = header("config", 4096, '0', "");
        byte[] bytes = concat(h, new byte[100]);
        assertThatThrownBy(() -> {
            TarStream t = new TarStream(new ByteArrayInputStream(bytes));
            t.next();
            t.next();
        }).isInstanceOf(EOFException.class);
    }

    @Test
    void headerEndingEarlyIsAnEndOfFile() {
        byte[] h = Arrays.copyOf(header("config", 0, '0', ""), 300);
        assertThatThrownBy(() -> new TarStream(new ByteArrayInputStream(h)).next()).isInstanceOf(EOFException.class);
    }

    @Test
    void archiveWithoutEndBlocksEndsAtTheLastMember() throws Exception {
        byte[] bytes = concat(header("a", 0, '5', ""), header("a/b", 0, '2', "../c"));
        List<TarStream.Header> hs = readAll(new TarStream(new ByteArrayInputStream(bytes)));
        assertThat(hs).extracting(TarStream.Header::linkName).containsExactly("", "../c");
    }

    @Test
    void malformedPaxRecordIsRejected() {
        byte[] pax = "99 path=x\n".getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = concat(header("PaxHeader", pax.length, 'x', ""), pad(pax), header("a", 0, '0', ""));
        assertThatThrownBy(() -> new TarStream(new ByteArrayInputStream(bytes)).next()).isInstanceOf(IOException.class)
                .hasMessageContaining("PAX");
    }

    @Test
    void oversizedGnuLongNameIsRejectedWithoutReadingIt() {
        byte[] bytes = header("././@LongLink", 1L << 40, 'L', "");
        assertThatThrownBy(() -> new TarStream(new ByteArrayInputStream(bytes)).next()).isInstanceOf(IOException.class)
                .hasMessageContaining("too large");
    }

    /** A GNU-style header block with a valid checksum. */
    private static byte[] header(String name, long size, char type, String link) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 157, link);
        put(h, 257, "ustar  \0");
        checksum(h);
        return h;
    }

    private static void checksum(byte[] h) {
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o\0 ", sum));
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }

    private static byte[] pad(byte[] content) {
        return Arrays.copyOf(content, (content.length + 511) / 512 * 512);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            bos.writeBytes(p);
        }
        return bos.toByteArray();
    }
}
