package dev.p2pdma.nvme;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One 16-byte NVMe SGL descriptor {address 8, length 4, reserved 3, type 1} (spec 6.6, 6.9).
 *
 * <p>Invariants: {@code length} is an unsigned 32-bit value; {@code type} a byte. Immutable and
 * thread-safe.
 *
 * @param addr   the DMA address of the data or of the next segment
 * @param length the byte length (unsigned 32-bit)
 * @param type   the type byte: {@link #DATA_BLOCK} or {@link #LAST_SEGMENT}
 */
public record SglDescriptor(long addr, long length, int type) {

    /** Bytes per descriptor. */
    public static final int BYTES = 16;
    /** Type byte of an SGL data block descriptor (NVME_SGL_FMT_DATA_DESC << 4). */
    public static final int DATA_BLOCK = 0x00;
    /** Type byte of an SGL last segment descriptor (NVME_SGL_FMT_LAST_SEG_DESC << 4). */
    public static final int LAST_SEGMENT = 0x30;

    /** Checks the invariants. */
    public SglDescriptor {
        if (length < 0 || length > 0xFFFF_FFFFL || (type & ~0xFF) != 0) {
            throw new IllegalArgumentException("bad SGL descriptor length " + length + " or type " + type);
        }
    }

    /** Models nvme_pci_sgl_set_data(): a data block descriptor for one DMA entry. */
    public static SglDescriptor data(DmaSegment s) {
        return new SglDescriptor(s.addr(), s.len(), DATA_BLOCK);
    }

    /** Models nvme_pci_sgl_set_seg() for the last (only) segment: {list DMA, nents x 16, 0x30}. */
    public static SglDescriptor lastSegment(long listDma, int nents) {
        return new SglDescriptor(listDma, (long) nents * BYTES, LAST_SEGMENT);
    }

    /** The 16 little-endian bytes the device reads. */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(addr).putInt((int) length).put(new byte[3]).put((byte) type);
        return b.array();
    }

    /** Parses 16 little-endian bytes at {@code off}. */
    public static SglDescriptor fromBytes(byte[] src, int off) {
        ByteBuffer b = ByteBuffer.wrap(src, off, BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long addr = b.getLong();
        long len = Integer.toUnsignedLong(b.getInt());
        b.position(b.position() + 3);
        return new SglDescriptor(addr, len, b.get() & 0xFF);
    }
}
