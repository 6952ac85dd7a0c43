package dev.p2pdma.runtime;

/** The consumers of the kernel's P2PDMA verdict whose per-pair decision the analyser predicts. */
public enum Runtime {
    /** {@code nvidia-smi topo -m}: a class, not a decision. */
    NVIDIA_SMI("nvidia-smi", "nvidia_smi"),
    /** NCCL's P2P transport (GPU-GPU) or GPUDirect RDMA (GPU-NIC) choice. */
    NCCL("NCCL", "nccl"),
    /** ROCm peer access: amdgpu's {@code amdgpu_device_is_peer_accessible()}. */
    ROCM("ROCm", "rocm"),
    /** Level Zero on Xe: the xe driver exporting VRAM as a dma-buf (Linux 6.12). */
    XE_DMABUF("Xe dma-buf", "xe_dmabuf"),
    /** A VFIO-exported dma-buf mapped by its importer (Linux 6.19+, {@code dma_buf_phys_vec_to_sgt()}). */
    VFIO_DMABUF("VFIO dma-buf", "vfio_dmabuf"),
    /** GPUDirect Storage in P2PDMA mode: O_DIRECT between an NVMe namespace and GPU memory. */
    GDS("GDS", "gds");

    /** The name in text output. */
    private final String label;
    /** The key in JSON output. */
    private final String jsonKey;

    Runtime(String label, String jsonKey) {
        this.label = label;
        this.jsonKey = jsonKey;
    }

    /** The name in text output, e.g. "NCCL". */
    public String label() {
        return label;
    }

    /** The key in JSON output, e.g. "nccl". */
    public String jsonKey() {
        return jsonKey;
    }
}
