package dev.p2pdma.machine;

import dev.p2pdma.pci.KernelCommandLine;
import java.util.List;

/**
 * The DMA setup of a booted machine's PCI devices, read from its kernel command line (spec 5.1,
 * 6.2, 6.8): the IOMMU mode and whether dma-direct bounces everything through swiotlb. Immutable.
 *
 * @param iommu        what the IOMMU does
 * @param forceBounce  {@code swiotlb=force}: dma-direct bounces every mapping (not in a DMA domain)
 */
public record DmaSetup(IommuMode iommu, boolean forceBounce) {

    /**
     * Models what the 6.12 kernels of the traces did with their command line: an active IOMMU gives
     * a DMA domain, strict with {@code iommu.strict=1}, lazy otherwise (the build default), or an
     * identity domain with {@code iommu=pt} or {@code iommu.passthrough=1}; {@code swiotlb=force}
     * forces bouncing in dma-direct.
     *
     * @param cmdline     the kernel command line
     * @param iommuActive whether the machine booted with a DMA-remapping IOMMU
     */
    public static DmaSetup of(KernelCommandLine cmdline, boolean iommuActive) {
        boolean force = cmdline.values("swiotlb").stream().anyMatch(v -> List.of(v.split(",")).contains("force"));
        if (!iommuActive) {
            return new DmaSetup(IommuMode.OFF, force);
        }
        boolean passthrough = cmdline.values("iommu").stream().anyMatch(v -> List.of(v.split(",")).contains("pt"))
                || last(cmdline.values("iommu.passthrough")).equals("1");
        if (passthrough) {
            return new DmaSetup(IommuMode.IDENTITY, force);
        }
        String strict = last(cmdline.values("iommu.strict"));
        return new DmaSetup(strict.equals("1") || strict.equals("on") || strict.equals("y") ? IommuMode.STRICT : IommuMode.LAZY, force);
    }

    private static String last(List<String> values) {
        return values.isEmpty() ? "" : values.get(values.size() - 1);
    }

    /** In words, as the traces' README says it ("on, strict", "off, swiotlb=force"). */
    public String describe() {
        return switch (iommu) {
            case OFF -> forceBounce ? "IOMMU off, swiotlb=force (dma-direct + bounce)" : "IOMMU off (dma-direct)";
            case IDENTITY -> "IOMMU on, identity domains (dma-direct)" + (forceBounce ? ", swiotlb=force" : "");
            case STRICT -> "IOMMU on, DMA domains, strict";
            case LAZY -> "IOMMU on, DMA domains, lazy (flush queue)";
        };
    }
}
