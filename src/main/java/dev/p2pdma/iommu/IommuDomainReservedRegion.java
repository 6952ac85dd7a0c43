package dev.p2pdma.iommu;

/**
 * An IOVA range a DMA domain never hands out (spec 5.1): a host bridge MEM window in bus
 * addresses, or an IOMMU driver's reserved region (the x86 interrupt range). Inclusive bounds.
 * Immutable; thread-safe.
 *
 * @param first the first reserved byte address
 * @param last  the last reserved byte address
 * @param what  for people ("0000:01:00.0 BAR2 bus window", "MSI")
 */
public record IommuDomainReservedRegion(long first, long last, String what) {

    /** x86: the interrupt (MSI) range 0xfee00000-0xfeefffff the VT-d and AMD drivers report as reserved. */
    public static final IommuDomainReservedRegion X86_MSI = new IommuDomainReservedRegion(0xFEE0_0000L, 0xFEEF_FFFFL, "MSI");

    /** Checks the bounds. */
    public IommuDomainReservedRegion {
        if (Long.compareUnsigned(first, last) > 0) {
            throw new IllegalArgumentException(String.format("reserved region 0x%x-0x%x is empty", first, last));
        }
    }

    @Override
    public String toString() {
        return String.format("0x%x-0x%x %s", first, last, what);
    }
}
