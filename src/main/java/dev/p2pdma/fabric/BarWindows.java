package dev.p2pdma.fabric;

import dev.p2pdma.mm.PhysicalMemory;
import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory BARs of a machine as address windows: each with its owner, its CPU address, its PCI
 * bus address (the CPU address plus the bus offset of the {@link PhysicalMemory} region holding it,
 * or the CPU address when no region does) and its size, for the fabric's routing by address.
 * Immutable; thread-safe.
 */
final class BarWindows {

    /** Owner (topology index) per window. */
    private final int[] owner;
    /** CPU start per window. */
    private final long[] cpu;
    /** Bus start per window. */
    private final long[] bus;
    /** Size per window. */
    private final long[] size;

    private BarWindows(int[] owner, long[] cpu, long[] bus, long[] size) {
        this.owner = owner;
        this.cpu = cpu;
        this.bus = bus;
        this.size = size;
    }

    /** The memory BARs of {@code topology}, with bus addresses from {@code memory}'s regions. */
    static BarWindows of(PciTopology topology, PhysicalMemory memory) {
        List<long[]> w = new ArrayList<>();
        for (int i = 0; i < topology.size(); i++) {
            for (Bar b : topology.function(i).bars()) {
                if (!b.memory() || b.sizeBytes() <= 0) {
                    continue;
                }
                long busStart = memory.regionOf(b.cpuAddress(), 1).filter(r -> r.kind() == PhysicalMemory.Kind.MMIO)
                        .map(r -> b.cpuAddress() + r.busOffset()).orElse(b.cpuAddress());
                w.add(new long[] {i, b.cpuAddress(), busStart, b.sizeBytes()});
            }
        }
        int n = w.size();
        int[] owner = new int[n];
        long[] cpu = new long[n];
        long[] bus = new long[n];
        long[] size = new long[n];
        for (int k = 0; k < n; k++) {
            owner[k] = (int) w.get(k)[0];
            cpu[k] = w.get(k)[1];
            bus[k] = w.get(k)[2];
            size[k] = w.get(k)[3];
        }
        return new BarWindows(owner, cpu, bus, size);
    }

    /** The window whose bus range holds all of {@code [address, address + len)}, or -1. */
    int ofBus(long address, long len) {
        return find(bus, address, len);
    }

    /** The window whose CPU range holds all of {@code [address, address + len)}, or -1. */
    int ofCpu(long address, long len) {
        return find(cpu, address, len);
    }

    /** The function owning window {@code w}. */
    int owner(int w) {
        return owner[w];
    }

    /** The CPU address of bus address {@code address} in window {@code w}. */
    long busToCpu(int w, long address) {
        return cpu[w] + (address - bus[w]);
    }

    private int find(long[] starts, long address, long len) {
        for (int k = 0; k < starts.length; k++) {
            long off = address - starts[k];
            if (Long.compareUnsigned(off, size[k]) < 0 && Long.compareUnsigned(len, size[k] - off) <= 0) {
                return k;
            }
        }
        return -1;
    }
}
