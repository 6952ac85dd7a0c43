package dev.p2pdma.dma;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the architecture cache maintenance a non-coherent device needs
 * (arch_sync_dma_for_device() / arch_sync_dma_for_cpu(), spec 3.4): the model has no caches, so it
 * records that the kernel would have cleaned or invalidated them. Coherent devices never count.
 * Thread-safe: counters are {@link LongAdder}s.
 */
public final class CacheMaintenance {

    /** arch_sync_dma_for_device() calls. */
    private final LongAdder forDevice = new LongAdder();
    /** arch_sync_dma_for_cpu() calls. */
    private final LongAdder forCpu = new LongAdder();
    /** Bytes covered by arch_sync_dma_for_device(). */
    private final LongAdder forDeviceBytes = new LongAdder();
    /** Bytes covered by arch_sync_dma_for_cpu(). */
    private final LongAdder forCpuBytes = new LongAdder();

    /** Models arch_sync_dma_for_device(paddr, size, dir). */
    public void syncForDevice(long sizeBytes) {
        forDevice.increment();
        forDeviceBytes.add(sizeBytes);
    }

    /** Models arch_sync_dma_for_cpu(paddr, size, dir). */
    public void syncForCpu(long sizeBytes) {
        forCpu.increment();
        forCpuBytes.add(sizeBytes);
    }

    /** arch_sync_dma_for_device() calls so far. */
    public long forDeviceCalls() {
        return forDevice.sum();
    }

    /** arch_sync_dma_for_cpu() calls so far. */
    public long forCpuCalls() {
        return forCpu.sum();
    }

    /** Bytes made visible to the device so far. */
    public long forDeviceBytes() {
        return forDeviceBytes.sum();
    }

    /** Bytes made visible to the CPU so far. */
    public long forCpuBytes() {
        return forCpuBytes.sum();
    }
}
