package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Test support: synthetic config spaces, their lspci hex-dump text, and the shared real-machine
 * lspci files. Stateless.
 */
final class LspciDumps {

    private LspciDumps() {
    }

    /** The shared test data folder: system property {@code p2pdma.shared}, else {@code ../shared}. */
    static Path shared() {
        return Path.of(System.getProperty("p2pdma.shared", "../shared"));
    }

    /** The folder of real lspci dumps. */
    static Path realDir() {
        return shared().resolve("real-machines/lspci");
    }

    /** Every file in the real lspci folder, sorted. */
    static List<Path> realFiles() {
        try (Stream<Path> s = Files.list(realDir())) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** lspci's hex rows for {@code bytes} (a whole number of 16-byte rows). */
    static String hexRows(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (int off = 0; off < bytes.length; off += 16) {
            b.append(String.format("%02x:", off));
            for (int i = 0; i < 16; i++) {
                b.append(String.format(" %02x", bytes[off + i] & 0xff));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** A function in hex-dump form: header line and rows, then a blank line. */
    static String hexFunction(String address, String description, byte[] bytes) {
        return address + " " + description + "\n" + hexRows(bytes) + "\n";
    }

    /** Writes {@code text} to {@code name} in {@code dir}. */
    static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    /** A PCIe root port (type 1 header) with bus numbers and, when {@code acsCtrl >= 0}, ACS (cap 0x1f). */
    static byte[] rootPort(int primary, int secondary, int subordinate, int acsCtrl) {
        byte[] b = pcie(4096, 0x8086, 0x3408, 0x060400, 1, 4);
        b[0x18] = (byte) primary;
        b[0x19] = (byte) secondary;
        b[0x1a] = (byte) subordinate;
        if (acsCtrl >= 0) {
            putLe(b, 0x100, 0x0001000d, 4);
            putLe(b, 0x104, 0x1f, 2);
            putLe(b, 0x106, acsCtrl, 2);
        }
        return b;
    }

    /** A PCIe endpoint of {@code length} bytes (type 0 header, NVMe class). */
    static byte[] endpoint(int length) {
        return java.util.Arrays.copyOf(pcie(Math.max(length, 256), 0x144d, 0xa808, 0x010802, 0, 0), length);
    }

    /**
     * A config space with a PCI Express capability at 0x40 of the given Device/Port Type, a x4 8 GT/s
     * link, and no extended capabilities.
     */
    static byte[] pcie(int length, int vendor, int device, int classCode, int headerLayout, int portType) {
        byte[] b = new byte[length];
        putLe(b, 0x00, vendor, 2);
        putLe(b, 0x02, device, 2);
        putLe(b, 0x06, 0x0010, 2);
        b[0x08] = 0x01;
        putLe(b, 0x09, classCode, 3);
        b[0x0e] = (byte) headerLayout;
        b[0x34] = 0x40;
        b[0x40] = 0x10;
        b[0x41] = 0x00;
        putLe(b, 0x42, 0x0002 | portType << 4, 2);
        putLe(b, 0x4c, 0x43, 4);
        putLe(b, 0x52, 0x43, 2);
        return b;
    }

    /** Writes {@code n} little-endian bytes of {@code value} at {@code off}. */
    static void putLe(byte[] b, int off, int value, int n) {
        for (int i = 0; i < n; i++) {
            b[off + i] = (byte) (value >>> (8 * i));
        }
    }
}
