package dev.p2pdma.runtime;

import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.p2pdma.MapType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Models amdgpu's {@code amdgpu_device_is_peer_accessible(adev, peer)} (Linux 6.12
 * drivers/gpu/drm/amd/amdgpu/amdgpu_device.c), which ROCm's {@code hipDeviceCanAccessPeer} and KFD's
 * peer links follow (spec 12, M16). The provider is {@code adev} (whose VRAM is reached), the client
 * is the peer. Peer access needs all of: the {@code amdgpu.pcie_p2p} parameter (default on); the
 * kernel's {@code pci_p2pdma_distance(adev, peer)} not negative (map type BUS_ADDR or
 * THRU_HOST_BRIDGE); a large BAR (visible VRAM equal to all VRAM); and the peer reaching the BAR:
 * either the peer is in an IOMMU DMA or DMA-FQ domain ({@code amdgpu_device_check_iommu_remap}) or
 * the BAR's whole range fits the peer's DMA mask.
 *
 * <p>What the topology cannot tell is assumed and said: the VRAM size is not in any capture, so a
 * largest BAR above 256 MiB is taken as large BAR and one of 256 MiB or less (the classic small
 * aperture) as small; the peer's DMA mask is 44 bits for an AMD GPU (gmc_v11_0.c sets 44) and 64
 * bits for anything else; XGMI links and APUs whose VRAM is CPU memory are not modelled.
 * Stateless.
 */
public final class RocmPeerAccess {

    /** The largest BAR still taken as a small-BAR aperture: 256 MiB. */
    static final long SMALL_BAR_BYTES = 256L << 20;

    private RocmPeerAccess() {
    }

    /**
     * ROCm's peer access from {@code client} to {@code provider}'s VRAM.
     *
     * @param providerKind the provider's kind
     * @param vramBar      the provider's largest memory BAR, when it has one
     * @param clientKind   the client's kind
     * @param mapType      the kernel's map type
     * @param pcieP2p      {@code amdgpu.pcie_p2p} as the command line sets it, when it does
     * @param iommu        the client's DMA setup
     */
    public static RuntimeDecision decide(DeviceKind providerKind, Optional<VramAperture> vramBar, DeviceKind clientKind, MapType mapType,
                                         Optional<Boolean> pcieP2p, IommuMode iommu) {
        List<String> why = new ArrayList<>();
        boolean param = pcieP2p.orElse(true);
        why.add(pcieP2p.isEmpty() ? "amdgpu.pcie_p2p on (default)" : "amdgpu.pcie_p2p " + (param ? "on" : "off"));
        boolean distance = mapType.supported();
        why.add(distance ? "kernel distance ok (" + mapType + ")" : "kernel distance negative (" + mapType + ")");
        boolean largeBar;
        if (vramBar.isEmpty()) {
            largeBar = true;
            why.add("large BAR assumed (no BAR in the input)");
        } else {
            long size = vramBar.get().sizeBytes();
            largeBar = size > SMALL_BAR_BYTES;
            why.add((largeBar ? "large BAR assumed (BAR" : "small BAR assumed (BAR") + vramBar.get().barIndex() + " " + sizeText(size)
                    + "; VRAM size unknown)");
        }
        boolean reach;
        if (iommu.translates()) {
            reach = true;
            why.add("peer in an IOMMU " + iommu.groupType() + " domain (no mask test)");
        } else {
            int bits = clientKind == DeviceKind.AMD_GPU ? 44 : 64;
            reach = vramBar.map(b -> b.fits(bits)).orElse(true);
            why.add(vramBar.isEmpty() ? "BAR fits the peer's DMA mask (assumed)"
                    : "BAR needs " + vramBar.get().addressBits() + " address bits, " + (reach ? "within" : "beyond") + " the peer's " + bits
                            + "-bit DMA mask (assumed)");
        }
        boolean peer = param && distance && largeBar && reach;
        String reason = String.join(", ", why);
        if (providerKind != DeviceKind.AMD_GPU) {
            reason += " [provider is not an AMD GPU: amdgpu's rule at its position]";
        }
        Optional<String> differs = !peer && mapType.supported()
                ? Optional.of("the kernel allows " + mapType + ", ROCm reports no peer access (copies go through host memory)")
                : Optional.empty();
        return new RuntimeDecision(Runtime.ROCM, peer ? Outcome.PEER : Outcome.STAGED, peer ? "peer access" : "no peer access", reason, differs);
    }

    /** "64 MiB", "16 GiB", "4 KiB". */
    static String sizeText(long bytes) {
        return dev.p2pdma.base.BinarySize.text(bytes, "bytes");
    }
}
