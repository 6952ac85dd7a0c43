package dev.p2pdma.mm;

import dev.p2pdma.pci.PciAddress;

/**
 * Models a {@code struct dev_pagemap} of type MEMORY_DEVICE_PCI_P2PDMA (spec 1.2, 1.14): a range of
 * a device BAR given struct pages (ZONE_DEVICE), with the bus offset of its BAR and a live
 * reference count standing in for the percpu_ref that keeps the pages' memory alive.
 *
 * <p>Invariants: the range is page aligned; {@code busOffset = pci_bus_address(BAR) - cpu_start(BAR)};
 * once {@link #kill()} is called no new reference can be taken, and the map is torn down only when
 * the count reaches zero. Thread-safe: like the kernel's percpu_ref the count is per CPU (a
 * {@link PerCpuCounter}) so that references taken on different CPUs do not bounce one cache line; a
 * volatile flag marks the map as dying. A get racing with {@link #kill()} either fails or is
 * counted before the killer reads the count.
 */
public final class DevicePageMap {

    /** The kind of device memory. */
    public enum Type {
        /** Peer-to-peer DMA memory in a PCI BAR. */
        PCI_P2PDMA,
        /** Any other ZONE_DEVICE memory (private, fs-dax, generic); never P2P. */
        OTHER
    }

    /** A unique id, for people and ordering. */
    private final int id;
    /** The kind of memory. */
    private final Type type;
    /** The PCI function whose BAR this is. */
    private final PciAddress provider;
    /** The BAR number. */
    private final int bar;
    /** First CPU physical address of the range. */
    private final long cpuStart;
    /** Length of the range in bytes. */
    private final long sizeBytes;
    /** Bus address minus CPU address for this BAR. */
    private final long busOffset;
    /** Live references, striped. */
    private final PerCpuCounter refs = new PerCpuCounter();
    /** Set once by {@link #kill()}. */
    private volatile boolean dying;

    /**
     * A page map over {@code [cpuStart, cpuStart + sizeBytes)}.
     *
     * @throws IllegalArgumentException when the range is empty or not page aligned
     */
    public DevicePageMap(int id, Type type, PciAddress provider, int bar, long cpuStart, long sizeBytes, long busOffset) {
        if (sizeBytes <= 0 || (cpuStart & PageSize.PAGE_MASK) != 0 || (sizeBytes & PageSize.PAGE_MASK) != 0) {
            throw new IllegalArgumentException("page map range must be page aligned and non-empty: 0x" + Long.toHexString(cpuStart)
                    + "+0x" + Long.toHexString(sizeBytes));
        }
        this.id = id;
        this.type = type;
        this.provider = provider;
        this.bar = bar;
        this.cpuStart = cpuStart;
        this.sizeBytes = sizeBytes;
        this.busOffset = busOffset;
    }

    public int id() {
        return id;
    }

    public Type type() {
        return type;
    }

    /** True for P2PDMA memory (is_pci_p2pdma_page()). */
    public boolean isP2pdma() {
        return type == Type.PCI_P2PDMA;
    }

    public PciAddress provider() {
        return provider;
    }

    public int bar() {
        return bar;
    }

    public long cpuStart() {
        return cpuStart;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    /** The last CPU physical address of the range. */
    public long cpuEnd() {
        return cpuStart + sizeBytes - 1;
    }

    /** Bus address minus CPU physical address (0 on most x86 systems). */
    public long busOffset() {
        return busOffset;
    }

    /** Models pci_p2pdma_bus_addr_map(): the PCI bus address of a CPU physical address in this range. */
    public long busAddress(long cpuPhys) {
        return cpuPhys + busOffset;
    }

    /** True when {@code phys} lies in the range. */
    public boolean contains(long phys) {
        return phys >= cpuStart && phys - cpuStart < sizeBytes;
    }

    /** Takes a live reference (percpu_ref_tryget_live()); false once the map is being torn down. */
    public boolean tryGet() {
        if (dying) {
            return false;
        }
        refs.add(1);
        if (dying) {
            refs.add(-1);
            return false;
        }
        return true;
    }

    /** Drops a reference taken by {@link #tryGet()} (percpu_ref_put()). */
    public void put() {
        refs.add(-1);
        if (dying && refs.sum() < 0) {
            refs.add(1);
            throw new IllegalStateException("page map " + id + ": reference dropped more often than taken");
        }
    }

    /** Starts teardown (percpu_ref_kill()): no new references; existing ones stay valid until put. */
    public void kill() {
        dying = true;
    }

    /** True until {@link #kill()}. */
    public boolean isLive() {
        return !dying;
    }

    /** References still held (exact once no get or put is in flight). */
    public long liveReferences() {
        return refs.sum();
    }

    @Override
    public String toString() {
        return "pagemap " + id + " (" + type + " " + provider + " BAR" + bar + " 0x" + Long.toHexString(cpuStart) + "-0x"
                + Long.toHexString(cpuEnd()) + ")";
    }
}
