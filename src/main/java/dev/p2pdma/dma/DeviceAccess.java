package dev.p2pdma.dma;

import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.sg.SgEntry;
import java.util.OptionalLong;

/**
 * The device's side of a DMA (no IOMMU): what a device reads or writes when it emits a DMA
 * address. An address inside a BAR's PCI bus window is routed peer-to-peer to that BAR (bus
 * address minus the BAR's bus offset); any other address goes up to the host, which translates it
 * with the device's range map (dma_to_phys). Used by tests and examples to watch a device read
 * stale or fresh bounce-buffer bytes.
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
     * reaches, or empty when nothing backs all of it (the device would get a bus error).
     */
    public OptionalLong target(DmaDevice dev, long dmaAddress, int len) {
        for (PhysicalMemory.Region r : memory.regions()) {
            if (r.kind() == PhysicalMemory.Kind.MMIO && Long.compareUnsigned(dmaAddress - r.busAddress(), r.sizeBytes()) < 0) {
                long cpu = dmaAddress - r.busOffset();
                return r.contains(cpu, len) ? OptionalLong.of(cpu) : OptionalLong.empty();
            }
        }
        long phys = dev.dmaToPhys(dmaAddress);
        if (phys == DmaMasks.INVALID_PHYS || !memory.isBacked(phys, len)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(phys);
    }

    /**
     * The device reads {@code len} bytes at {@code dmaAddress}.
     *
     * @throws IllegalArgumentException when nothing backs the address (a bus error)
     */
    public byte[] read(DmaDevice dev, long dmaAddress, int len) {
        return memory.read(require(dev, dmaAddress, len), len);
    }

    /**
     * The device writes {@code data} at {@code dmaAddress}.
     *
     * @throws IllegalArgumentException when nothing backs the address (a bus error)
     */
    public void write(DmaDevice dev, long dmaAddress, byte[] data) {
        memory.write(require(dev, dmaAddress, data.length), data, 0, data.length);
    }

    /** The device reads one mapped segment ({@code sg_dma_address}, {@code sg_dma_len}). */
    public byte[] readSegment(DmaDevice dev, SgEntry e) {
        return read(dev, e.dmaAddress(), e.dmaLength());
    }

    private long require(DmaDevice dev, long dmaAddress, int len) {
        OptionalLong t = target(dev, dmaAddress, len);
        if (t.isEmpty()) {
            throw new IllegalArgumentException(String.format("%s: DMA to 0x%x+%d reaches no memory", dev.name(), dmaAddress, len));
        }
        return t.getAsLong();
    }
}
