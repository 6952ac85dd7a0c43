package dev.p2pdma.runtime;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.CpuInfo;
import java.util.Optional;

/**
 * Models NCCL's default choice between its P2P transport and host memory for two GPUs
 * ({@code ncclTopoCheckP2p}, NVIDIA/nccl src/graph/paths.cc, commit 04cdb808), and between
 * GPUDirect RDMA and host staging for a GPU and a NIC ({@code ncclTopoCheckGdr}).
 *
 * <p>The rule: the pair's NCCL path type ({@link PairRoute#ncclPathType()}: PIX, PXB, PHB, SYS)
 * is compared with a level and P2P is used when the type is at most the level. The level is PXB
 * ("don't use P2P across CPU host bridges and further apart"), except SYS on an x86 AMD CPU when the
 * machine has at most two GPUs; {@code NCCL_P2P_LEVEL} (or {@code NCCL_P2P_DISABLE=1}) replaces it.
 * Otherwise NCCL's SHM transport copies through host memory. For a GPU and a NIC the level is
 * {@code NCCL_NET_GDR_LEVEL}, default PXB (P2C on C2C platforms, not modelled). NCCL also asks NVML
 * whether the driver allows P2P between the two GPUs; that is assumed yes. NCCL's P2P goes through
 * the CUDA driver, not the kernel's P2PDMA: when the kernel says NOT_SUPPORTED, NCCL may still use
 * P2P. Stateless.
 */
public final class NcclP2p {

    private NcclP2p() {
    }

    /**
     * NCCL's choice for a pair.
     *
     * @param route      where the two sit
     * @param provider   the provider's kind
     * @param client     the client's kind
     * @param mapType    the kernel's map type, for the comparison
     * @param cpu        the CPU, when known
     * @param gpuCount   the NVIDIA GPUs NCCL would see (the pair's two counted as GPUs)
     * @param userLevel  {@code NCCL_P2P_LEVEL}, when set
     */
    public static RuntimeDecision decide(PairRoute route, DeviceKind provider, DeviceKind client, MapType mapType, Optional<CpuInfo> cpu,
                                         int gpuCount, Optional<NcclLevel> userLevel) {
        NcclLevel type = route.ncclPathType();
        boolean gdr = (provider == DeviceKind.NVIDIA_GPU) != (client == DeviceKind.NVIDIA_GPU)
                && (provider == DeviceKind.NIC || client == DeviceKind.NIC);
        NcclLevel level;
        String why;
        if (gdr) {
            level = NcclLevel.PXB;
            why = "NCCL_NET_GDR_LEVEL PXB (the default)";
        } else if (userLevel.isPresent()) {
            level = userLevel.get();
            why = "NCCL_P2P_LEVEL " + level + " (set)";
        } else if (cpu.isPresent() && cpu.get().vendor().equals(CpuInfo.AMD) && gpuCount <= 2) {
            level = NcclLevel.SYS;
            why = "level SYS (the default on an AMD x86 CPU with at most 2 GPUs)";
        } else {
            level = NcclLevel.PXB;
            why = "level PXB (the default: no P2P through a CPU host bridge"
                    + (cpu.isEmpty() ? "; CPU unknown: assumed not AMD" : "") + ")";
        }
        boolean peer = type.ordinal() <= level.ordinal();
        String words = peer ? (gdr ? "GDR (GPUDirect RDMA)" : "P2P") : (gdr ? "host-staged (no GPUDirect RDMA)" : "SHM (staged through host memory)");
        String reason = "path " + type + (peer ? " is within " : " is beyond ") + why;
        if (!gdr && (provider != DeviceKind.NVIDIA_GPU || client != DeviceKind.NVIDIA_GPU)) {
            reason += " [not two NVIDIA GPUs: NCCL's GPU rule at these positions]";
        }
        Optional<String> differs = Optional.empty();
        if (!peer && mapType.supported()) {
            differs = Optional.of("the kernel allows " + mapType + ", NCCL stages through host memory");
        } else if (peer && !mapType.supported()) {
            differs = Optional.of("the kernel's P2PDMA says " + mapType + "; NCCL's P2P goes through the CUDA driver, which does not ask it");
        }
        return new RuntimeDecision(Runtime.NCCL, peer ? Outcome.PEER : Outcome.STAGED, words, reason, differs);
    }
}
