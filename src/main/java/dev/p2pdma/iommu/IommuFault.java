package dev.p2pdma.iommu;

import dev.p2pdma.dma.DmaTranslation;
import java.util.Objects;

/**
 * One DMA fault the IOMMU recorded (what the Intel/AMD drivers print as "DMAR: [DMA Read] Request
 * device [..] fault addr .." / "IO_PAGE_FAULT"): the device, the IOVA that failed, the access and
 * why. The access did not happen. Immutable; thread-safe.
 *
 * @param device the device (its dev_printk name)
 * @param iova   the first IOVA of the access that did not translate or was not permitted
 * @param access read or write
 * @param reason why
 */
public record IommuFault(String device, long iova, DmaTranslation.Access access, IommuFaultReason reason) {

    /** Checks the fields. */
    public IommuFault {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return String.format("%s: IOMMU fault: DMA %s at IOVA 0x%x: %s", device, access == DmaTranslation.Access.READ ? "read" : "write", iova,
                reason.description());
    }
}
