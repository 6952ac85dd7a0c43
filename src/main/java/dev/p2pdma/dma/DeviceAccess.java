package dev.p2pdma.dma;

import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.sg.SgEntry;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The device's side of a DMA: what a device reads or writes when it emits a DMA address. An
 * address inside a BAR's PCI bus window is routed peer-to-peer to that BAR (bus address minus the
 * BAR's bus offset); any other address goes up to the host: through the device's IOMMU domain when
 * its backend has one ({@link DmaOps#translation()}: page by page, and a miss or a permission
 * violation faults the whole access, which then transfers nothing), else through the device's
 * range map (dma_to_phys). Used by tests and examples to watch a device read stale or fresh
 * bounce-buffer bytes, or be stopped by the IOMMU.
 *
 * <p>Simplification: a bus-window address is routed peer-to-peer without asking whether ACS would
 * send it up to the root complex; with an IOMMU the IOVA space reserves those windows (spec 5.1),
 * so an IOVA never reads as a bus address.
 *
 * <p>Immutable; thread-safe as far as {@link PhysicalMemory} is (concurrent DMA to the same bytes
 * races, as on hardware).
 */
public final class DeviceAccess {

    /** The machine's memory. */
    private final PhysicalMemory memory;

    private DeviceAccess(PhysicalMemory memory) {
        this.memory = memory;
    }

    /** The device side of {@code memory}. */
    public static DeviceAccess of(PhysicalMemory memory) {
        return new DeviceAccess(memory);
    }

    /**
     * The CPU physical address that {@code [dmaAddress, dmaAddress + len)} emitted by {@code dev}
     * reaches when it is one contiguous piece, or empty when nothing backs all of it (a bus error).
     * A question, not a DMA: for a device behind an IOMMU it answers only for bus-window addresses
     * (nothing is translated, so no fault is recorded); use {@link #tryRead} to go through the IOMMU.
     */
    public OptionalLong target(DmaDevice dev, long dmaAddress, int len) {
        Optional<List<DmaTranslation.Piece>> pieces = pieces(dev, dmaAddress, len, DmaTranslation.Access.READ, false);
        if (pieces.isEmpty() || pieces.get().size() != 1) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(pieces.get().get(0).phys());
    }

    /**
     * The device reads {@code len} bytes at {@code dmaAddress}; empty when the access faults in the
     * IOMMU (recorded there) or reaches no memory. Nothing is read then.
     */
    public Optional<byte[]> tryRead(DmaDevice dev, long dmaAddress, int len) {
        Optional<List<DmaTranslation.Piece>> pieces = pieces(dev, dmaAddress, len, DmaTranslation.Access.READ, true);
        if (pieces.isEmpty()) {
            return Optional.empty();
        }
        byte[] out = new byte[len];
        int at = 0;
        for (DmaTranslation.Piece p : pieces.get()) {
            memory.read(p.phys(), out, at, p.lenBytes());
            at += p.lenBytes();
        }
        return Optional.of(out);
    }

    /**
     * The device writes {@code data} at {@code dmaAddress}; false when the access faults in the
     * IOMMU (recorded there) or reaches no memory. Nothing is written then.
     */
    public boolean tryWrite(DmaDevice dev, long dmaAddress, byte[] data) {
        Optional<List<DmaTranslation.Piece>> pieces = pieces(dev, dmaAddress, data.length, DmaTranslation.Access.WRITE, true);
        if (pieces.isEmpty()) {
            return false;
        }
        int at = 0;
        for (DmaTranslation.Piece p : pieces.get()) {
            memory.write(p.phys(), data, at, p.lenBytes());
            at += p.lenBytes();
        }
        return true;
    }

    /**
     * The device reads {@code len} bytes at {@code dmaAddress}.
     *
     * @throws IllegalArgumentException when nothing backs the address (a bus error) or the IOMMU faults it
     */
    public byte[] read(DmaDevice dev, long dmaAddress, int len) {
        return tryRead(dev, dmaAddress, len).orElseThrow(() -> unreachable(dev, dmaAddress, len));
    }

    /**
     * The device writes {@code data} at {@code dmaAddress}.
     *
     * @throws IllegalArgumentException when nothing backs the address (a bus error) or the IOMMU faults it
     */
    public void write(DmaDevice dev, long dmaAddress, byte[] data) {
        if (!tryWrite(dev, dmaAddress, data)) {
            throw unreachable(dev, dmaAddress, data.length);
        }
    }

    /** The device reads one mapped segment ({@code sg_dma_address}, {@code sg_dma_len}). */
    public byte[] readSegment(DmaDevice dev, SgEntry e) {
        return read(dev, e.dmaAddress(), e.dmaLength());
    }

    /**
     * The physical pieces an access reaches, all backed, or empty. {@code record} false asks the
     * IOMMU without an access (no fault is recorded: {@link #target} is a question, not a DMA).
     */
    private Optional<List<DmaTranslation.Piece>> pieces(DmaDevice dev, long dmaAddress, int len, DmaTranslation.Access access, boolean record) {
        if (len <= 0) {
            throw new IllegalArgumentException("access length must be positive: " + len);
        }
        for (PhysicalMemory.Region r : memory.regions()) {
            if (r.kind() == PhysicalMemory.Kind.MMIO && Long.compareUnsigned(dmaAddress - r.busAddress(), r.sizeBytes()) < 0) {
                long cpu = dmaAddress - r.busOffset();
                return r.contains(cpu, len) ? Optional.of(List.of(new DmaTranslation.Piece(cpu, len))) : Optional.empty();
            }
        }
        Optional<DmaTranslation> translation = dev.ops().translation();
        if (translation.isPresent()) {
            if (!record) {
                return Optional.empty();
            }
            DmaTranslation.Result r = translation.get().translate(dev, dmaAddress, len, access);
            if (!(r instanceof DmaTranslation.Mapped mapped)) {
                return Optional.empty();
            }
            for (DmaTranslation.Piece p : mapped.pieces()) {
                if (!memory.isBacked(p.phys(), p.lenBytes())) {
                    return Optional.empty();
                }
            }
            return Optional.of(mapped.pieces());
        }
        long phys = dev.dmaToPhys(dmaAddress);
        if (phys == DmaMasks.INVALID_PHYS || !memory.isBacked(phys, len)) {
            return Optional.empty();
        }
        return Optional.of(List.of(new DmaTranslation.Piece(phys, len)));
    }

    private static IllegalArgumentException unreachable(DmaDevice dev, long dmaAddress, int len) {
        return new IllegalArgumentException(String.format("%s: DMA to 0x%x+%d reaches no memory", dev.name(), dmaAddress, len));
    }
}
