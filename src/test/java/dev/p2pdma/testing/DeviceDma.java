package dev.p2pdma.testing;

import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaMasks;
import dev.p2pdma.dma.DmaTranslation;
import dev.p2pdma.fabric.FabricTransfer;
import dev.p2pdma.fabric.PcieFabric;
import dev.p2pdma.iommu.IommuDmaOps;
import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.sg.SgEntry;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The device's side of a DMA in tests: what a device reads or writes when it emits a DMA address.
 * A PCI device's access goes through the {@link PcieFabric} of the test machine (switch routing,
 * ACS, the root complex with the device's IOMMU domain when its backend is dma-iommu, RAM or a peer
 * BAR where the kernel's host-bridge rule says the root complex forwards); a device that is not a
 * PCI function (a platform device) reaches memory through its DMA ranges. Used to watch a device
 * read stale or fresh bounce-buffer bytes, or be stopped by the IOMMU. Immutable; thread-safe as far
 * as the memory and domains are.
 */
public final class DeviceDma {

    /** The PCI tree. */
    private final PciTopology topology;
    /** The machine's memory. */
    private final PhysicalMemory memory;
    /** The decision, for the root complex's peer routing. */
    private final P2pDmaDecision decision;

    private DeviceDma(PciTopology topology, PhysicalMemory memory) {
        this.topology = topology;
        this.memory = memory;
        this.decision = P2pDmaDecision.of(topology);
    }

    /** The device side of {@code memory} on {@code topology}. */
    public static DeviceDma of(PciTopology topology, PhysicalMemory memory) {
        return new DeviceDma(topology, memory);
    }

    private PcieFabric fabricFor(DmaDevice dev) {
        Optional<DmaTranslation> iommu = dev.ops() instanceof IommuDmaOps o ? Optional.of(o.domain()) : Optional.empty();
        return PcieFabric.builder(topology, memory, RunningMachine.rootComplexRouting(decision)).requester(dev, iommu).build();
    }

    /**
     * The CPU address that {@code [dmaAddress, dmaAddress + len)} reaches when it is one piece, as a
     * question (nothing is translated or recorded): a BAR's bus window gives its CPU address; for a
     * device without an IOMMU, any other address goes through its DMA ranges.
     */
    public OptionalLong target(DmaDevice dev, long dmaAddress, int len) {
        for (PhysicalMemory.Region r : memory.regions()) {
            if (r.kind() == PhysicalMemory.Kind.MMIO && Long.compareUnsigned(dmaAddress - r.busAddress(), r.sizeBytes()) < 0) {
                long cpu = dmaAddress - r.busOffset();
                return r.contains(cpu, len) ? OptionalLong.of(cpu) : OptionalLong.empty();
            }
        }
        if (dev.ops() instanceof IommuDmaOps) {
            return OptionalLong.empty();
        }
        long phys = dev.dmaToPhys(dmaAddress);
        return phys != DmaMasks.INVALID_PHYS && memory.isBacked(phys, len) ? OptionalLong.of(phys) : OptionalLong.empty();
    }

    /** The device reads {@code len} bytes at {@code dmaAddress}; empty when the access does not complete (nothing is read then). */
    public Optional<byte[]> tryRead(DmaDevice dev, long dmaAddress, int len) {
        if (!dev.isPci()) {
            long phys = dev.dmaToPhys(dmaAddress);
            return phys != DmaMasks.INVALID_PHYS && memory.isBacked(phys, len) ? Optional.of(memory.read(phys, len)) : Optional.empty();
        }
        FabricTransfer t = fabricFor(dev).read(dev.pciIndex(), dmaAddress, len);
        return t instanceof FabricTransfer.Completed c ? Optional.of(c.data()) : Optional.empty();
    }

    /** The device writes {@code data} at {@code dmaAddress}; false when the access does not complete (nothing is written then). */
    public boolean tryWrite(DmaDevice dev, long dmaAddress, byte[] data) {
        if (!dev.isPci()) {
            long phys = dev.dmaToPhys(dmaAddress);
            if (phys == DmaMasks.INVALID_PHYS || !memory.isBacked(phys, data.length)) {
                return false;
            }
            memory.write(phys, data, 0, data.length);
            return true;
        }
        return fabricFor(dev).write(dev.pciIndex(), dmaAddress, data).completed();
    }

    /**
     * The device reads {@code len} bytes at {@code dmaAddress}.
     *
     * @throws IllegalArgumentException when the access does not complete
     */
    public byte[] read(DmaDevice dev, long dmaAddress, int len) {
        return tryRead(dev, dmaAddress, len).orElseThrow(() -> unreachable(dev, dmaAddress, len));
    }

    /**
     * The device writes {@code data} at {@code dmaAddress}.
     *
     * @throws IllegalArgumentException when the access does not complete
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

    private static IllegalArgumentException unreachable(DmaDevice dev, long dmaAddress, int len) {
        return new IllegalArgumentException(String.format("%s: DMA to 0x%x+%d reaches no memory", dev.name(), dmaAddress, len));
    }
}
