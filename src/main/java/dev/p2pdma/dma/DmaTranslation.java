package dev.p2pdma.dma;

import java.util.List;
import java.util.Objects;

/**
 * What sits between a device and memory when an IOMMU translates its DMA (spec 5): given the DMA
 * address a device emits, the CPU physical pieces it reaches, or the fault that stops it. The
 * IOMMU package implements it for its domains; {@code dma} only knows this interface, so the
 * layering stays iommu → dma. The driver side does not say how hardware routes: the PCIe fabric
 * ({@code fabric.PcieFabric}) holds each requester's translation, as the running machine set it up
 * from the device's IOMMU group, and consults it at the root complex.
 *
 * <p>Implementations are thread-safe (devices access memory concurrently with map and unmap).
 */
public interface DmaTranslation {

    /**
     * Models the IOMMU's walk for one device access of {@code [dmaAddress, dmaAddress + lenBytes)}:
     * every page of the range must translate with the needed permission, else the whole access
     * faults (the implementation records the fault) and nothing is transferred.
     */
    Result translate(DmaDevice dev, long dmaAddress, int lenBytes, Access access);

    /** Which way a device access goes. */
    enum Access {
        /** The device reads memory (a DMA read request). */
        READ,
        /** The device writes memory (a DMA write request). */
        WRITE
    }

    /** The outcome of a translation: the physical pieces, or a fault. */
    sealed interface Result permits Mapped, Faulted {
    }

    /**
     * A translated access: the physical pieces in order, their lengths summing to the access length.
     *
     * @param pieces the CPU physical ranges, in DMA address order
     */
    record Mapped(List<Piece> pieces) implements Result {
        /** Copies the list. */
        public Mapped {
            pieces = List.copyOf(pieces);
        }
    }

    /**
     * A faulted access: nothing was transferred.
     *
     * @param dmaAddress the first DMA address that did not translate (or was not permitted)
     * @param reason     why, for people
     */
    record Faulted(long dmaAddress, String reason) implements Result {
        /** Checks the reason. */
        public Faulted {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * One contiguous physical piece of a translated access.
     *
     * @param phys     the CPU physical address
     * @param lenBytes its length in bytes (positive)
     */
    record Piece(long phys, int lenBytes) {
        /** Checks the length. */
        public Piece {
            if (lenBytes <= 0) {
                throw new IllegalArgumentException("piece length must be positive: " + lenBytes);
            }
        }
    }
}
