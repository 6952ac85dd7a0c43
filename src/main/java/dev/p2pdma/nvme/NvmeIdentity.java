package dev.p2pdma.nvme;

import java.util.Set;

/**
 * What nvme-pci learns about a controller and its namespace from the PCI id, CAP and the Identify
 * Controller / Identify Namespace data, as far as the data path needs it (spec 6.2, 6.6).
 *
 * <p>Invariants: vendor and device ids are 16-bit; {@code mdts} 0..255 (0 = no limit reported);
 * {@code mpsMin} 0..15; {@code sgls} is the raw 32-bit SGLS field; {@code lbaBytes} a power of two
 * from 512 to 4096; {@code namespaceBlocks >= 0}; quirks are an immutable copy. Immutable and
 * thread-safe.
 *
 * @param vendorId        PCI vendor id (0x1b36 for QEMU)
 * @param deviceId        PCI device id (0x0010 for QEMU's NVMe controller)
 * @param mdts            Identify Controller MDTS: log2 of the largest transfer in units of the minimum page size, 0 = unlimited
 * @param mpsMin          CAP.MPSMIN: the minimum memory page size is 2^(12 + mpsMin)
 * @param sgls            Identify Controller SGLS, raw (bits 0-1: SGL support, bit 19: metadata SGLs)
 * @param lbaBytes        the namespace's logical block size in bytes
 * @param namespaceBlocks the namespace size in logical blocks (NSZE)
 * @param quirks          the driver quirks the PCI id table gives this controller
 */
public record NvmeIdentity(int vendorId, int deviceId, int mdts, int mpsMin, int sgls, int lbaBytes, long namespaceBlocks,
        Set<NvmeQuirk> quirks) {

    /** QEMU's PCI vendor id (Red Hat, Inc.). */
    public static final int QEMU_VENDOR = 0x1b36;
    /** QEMU's NVMe controller device id. */
    public static final int QEMU_NVME_DEVICE = 0x0010;
    /** QEMU's default MDTS (spec 6.2, dma-traces README). */
    public static final int QEMU_MDTS = 7;
    /**
     * QEMU's SGLS: bit 0 (SGLs supported, no alignment needed) and bit 16 (bit bucket). Only bits
     * 0-1 and 19 matter to nvme-pci; bit 16 is carried for fidelity and is not checked by any test.
     */
    public static final int QEMU_SGLS = 0x0001_0001;
    /** SGLS bits 0-1: the controller supports SGLs for data (spec 6.6). */
    public static final int SGLS_SUPPORT_MASK = 0x3;
    /** SGLS bit 19: the controller supports SGLs for metadata (spec 6.6). */
    public static final int SGLS_METADATA_BIT = 1 << 19;

    /** Checks the invariants and copies the quirk set. */
    public NvmeIdentity {
        if ((vendorId & ~0xFFFF) != 0 || (deviceId & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("PCI ids are 16-bit: " + vendorId + ":" + deviceId);
        }
        if (mdts < 0 || mdts > 255) {
            throw new IllegalArgumentException("MDTS is a byte: " + mdts);
        }
        if (mpsMin < 0 || mpsMin > 15) {
            throw new IllegalArgumentException("CAP.MPSMIN is 4 bits: " + mpsMin);
        }
        if (Integer.bitCount(lbaBytes) != 1 || lbaBytes < 512 || lbaBytes > 4096) {
            throw new IllegalArgumentException("logical block size must be a power of two from 512 to 4096: " + lbaBytes);
        }
        if (namespaceBlocks < 0) {
            throw new IllegalArgumentException("negative namespace size " + namespaceBlocks);
        }
        quirks = Set.copyOf(quirks);
    }

    /**
     * QEMU's NVMe controller 1b36:0010 with its defaults (MDTS 7, MPSMIN 0, SGLs, 512-byte blocks,
     * no data-path quirks) and a namespace of {@code namespaceBytes} (the size of its drive image).
     */
    public static NvmeIdentity qemu(long namespaceBytes) {
        return new NvmeIdentity(QEMU_VENDOR, QEMU_NVME_DEVICE, QEMU_MDTS, 0, QEMU_SGLS, 512, namespaceBytes / 512, Set.of());
    }

    /**
     * Another controller, with documented defaults to override with the {@code with*} methods: no
     * MDTS limit (0), MPSMIN 0, no SGL support (PRPs only, the NVMe baseline), 512-byte blocks, an
     * empty namespace and no quirks.
     */
    public static NvmeIdentity other(int vendorId, int deviceId) {
        return new NvmeIdentity(vendorId, deviceId, 0, 0, 0, 512, 0, Set.of());
    }

    /** This identity with another MDTS. */
    public NvmeIdentity withMdts(int value) {
        return new NvmeIdentity(vendorId, deviceId, value, mpsMin, sgls, lbaBytes, namespaceBlocks, quirks);
    }

    /** This identity with another CAP.MPSMIN. */
    public NvmeIdentity withMpsMin(int value) {
        return new NvmeIdentity(vendorId, deviceId, mdts, value, sgls, lbaBytes, namespaceBlocks, quirks);
    }

    /** This identity with another raw SGLS field. */
    public NvmeIdentity withSgls(int value) {
        return new NvmeIdentity(vendorId, deviceId, mdts, mpsMin, value, lbaBytes, namespaceBlocks, quirks);
    }

    /** This identity with another logical block size. */
    public NvmeIdentity withLbaBytes(int value) {
        return new NvmeIdentity(vendorId, deviceId, mdts, mpsMin, sgls, value, namespaceBlocks, quirks);
    }

    /** This identity with another namespace size in logical blocks. */
    public NvmeIdentity withNamespaceBlocks(long value) {
        return new NvmeIdentity(vendorId, deviceId, mdts, mpsMin, sgls, lbaBytes, value, quirks);
    }

    /** This identity with other quirks. */
    public NvmeIdentity withQuirks(Set<NvmeQuirk> value) {
        return new NvmeIdentity(vendorId, deviceId, mdts, mpsMin, sgls, lbaBytes, namespaceBlocks, value);
    }

    /** Models nvme_ctrl_sgl_supported(): SGLS bits 0-1 not both zero. */
    public boolean sglSupported() {
        return (sgls & SGLS_SUPPORT_MASK) != 0;
    }

    /** Models nvme_ctrl_meta_sgl_supported(): SGLS bit 19. */
    public boolean metadataSglSupported() {
        return (sgls & SGLS_METADATA_BIT) != 0;
    }

    /** The namespace size in bytes. */
    public long namespaceBytes() {
        return namespaceBlocks * lbaBytes;
    }
}
