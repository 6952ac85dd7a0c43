package dev.p2pdma.nvme;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * An NVMe namespace: its logical block size and size, and the bytes behind it, held in memory or in
 * a file. Block contents are read and written whole; a range outside the namespace is refused.
 *
 * <p>Invariants: the block size is a power of two from 512 to 4096; the size is a whole number of
 * blocks. Thread-safety: reads and writes of one namespace are serialized on it.
 */
public final class NvmeNamespace {

    /** Logical block size, bytes. */
    private final int blockBytes;
    /** Size in logical blocks (NSZE). */
    private final long blocks;
    /** The bytes in memory, when not in a file. */
    private final byte[] memory;
    /** The file behind the namespace, when not in memory. */
    private final FileChannel file;

    private NvmeNamespace(int blockBytes, long blocks, byte[] memory, FileChannel file) {
        this.blockBytes = blockBytes;
        this.blocks = blocks;
        this.memory = memory;
        this.file = file;
    }

    /** A namespace of {@code sizeBytes} in memory, all zero. */
    public static NvmeNamespace inMemory(int blockBytes, long sizeBytes) {
        checkGeometry(blockBytes, sizeBytes);
        if (sizeBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an in-memory namespace holds at most 2 GiB; use a file: " + sizeBytes);
        }
        return new NvmeNamespace(blockBytes, sizeBytes / blockBytes, new byte[(int) sizeBytes], null);
    }

    /**
     * A namespace backed by {@code path} (created when missing, and extended to {@code sizeBytes}).
     *
     * @throws UncheckedIOException when the file cannot be opened
     */
    public static NvmeNamespace inFile(int blockBytes, long sizeBytes, Path path) {
        checkGeometry(blockBytes, sizeBytes);
        try {
            FileChannel ch = FileChannel.open(Objects.requireNonNull(path, "path"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (ch.size() < sizeBytes) {
                ch.write(ByteBuffer.wrap(new byte[1]), sizeBytes - 1);
            }
            return new NvmeNamespace(blockBytes, sizeBytes / blockBytes, null, ch);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot open as a namespace: " + e.getMessage(), e);
        }
    }

    private static void checkGeometry(int blockBytes, long sizeBytes) {
        if (Integer.bitCount(blockBytes) != 1 || blockBytes < 512 || blockBytes > 4096) {
            throw new IllegalArgumentException("LBA size must be a power of two from 512 to 4096: " + blockBytes);
        }
        if (sizeBytes <= 0 || sizeBytes % blockBytes != 0) {
            throw new IllegalArgumentException("namespace size must be a positive number of blocks: " + sizeBytes);
        }
    }

    /** Logical block size, bytes. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Size in logical blocks. */
    public long blocks() {
        return blocks;
    }

    /** Size in bytes. */
    public long sizeBytes() {
        return blocks * blockBytes;
    }

    /** Whether {@code [slba, slba + nlb)} lies inside the namespace. */
    public boolean contains(long slba, long nlb) {
        return slba >= 0 && nlb > 0 && slba <= blocks && nlb <= blocks - slba;
    }

    /**
     * Reads {@code nlb} blocks from {@code slba}.
     *
     * @throws IllegalArgumentException when the range is outside the namespace
     */
    public synchronized byte[] read(long slba, int nlb) {
        check(slba, nlb);
        byte[] out = new byte[Math.multiplyExact(nlb, blockBytes)];
        if (memory != null) {
            System.arraycopy(memory, (int) (slba * blockBytes), out, 0, out.length);
            return out;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(out);
            long at = slba * blockBytes;
            while (b.hasRemaining()) {
                if (file.read(b, at + b.position()) < 0) {
                    break;
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes whole blocks from {@code slba}.
     *
     * @throws IllegalArgumentException when the data is not whole blocks or falls outside the namespace
     */
    public synchronized void write(long slba, byte[] data) {
        if (data.length == 0 || data.length % blockBytes != 0) {
            throw new IllegalArgumentException("writes are whole blocks of " + blockBytes + ": " + data.length);
        }
        check(slba, data.length / blockBytes);
        if (memory != null) {
            System.arraycopy(data, 0, memory, (int) (slba * blockBytes), data.length);
            return;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            long at = slba * blockBytes;
            while (b.hasRemaining()) {
                file.write(b, at + b.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void check(long slba, long nlb) {
        if (!contains(slba, nlb)) {
            throw new IllegalArgumentException("blocks " + slba + "+" + nlb + " are outside a namespace of " + blocks + " blocks");
        }
    }
}
