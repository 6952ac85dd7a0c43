package dev.p2pdma.mm;

import dev.p2pdma.pci.Bar;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A machine's physical address space: RAM ranges and device MMIO windows (PCI BARs, each with its
 * PCI bus address), every byte of it a real byte. Storage is off-heap (direct {@link ByteBuffer}s:
 * the FFM {@code MemorySegment} API is still a preview at our Java 21 language level) and made in
 * 2 MiB chunks on first write, so a GiB of RAM or a large BAR costs nothing until touched;
 * untouched bytes read as zero.
 *
 * <p>Invariants: regions are disjoint and page aligned. Thread-safety: the layout is immutable;
 * chunk creation is published by CAS; concurrent reads and writes of the same bytes race as they
 * would on real memory (no tearing guarantees beyond single bytes), which is the callers' business.
 */
public final class PhysicalMemory implements AutoCloseable {

    /** log2 of the chunk size of the byte store. */
    private static final int CHUNK_SHIFT = 21;
    /** Bytes per chunk. */
    private static final long CHUNK_BYTES = 1L << CHUNK_SHIFT;

    /** What a region is. */
    public enum Kind {
        /** System RAM. */
        RAM,
        /** A device's MMIO window (PCI BAR). */
        MMIO
    }

    /**
     * One region of the address space.
     *
     * @param name         for people: "RAM" or "0000:01:00.0 BAR2"
     * @param kind         RAM or MMIO
     * @param cpuStart     first CPU physical address
     * @param sizeBytes    length
     * @param busAddress   PCI bus address of {@code cpuStart} (MMIO), equal to it for RAM
     */
    public record Region(String name, Kind kind, long cpuStart, long sizeBytes, long busAddress) {
        /** True when {@code [phys, phys + len)} lies inside the region. */
        public boolean contains(long phys, long len) {
            return phys >= cpuStart && len >= 0 && phys - cpuStart <= sizeBytes - len;
        }

        /** Bus address minus CPU address. */
        public long busOffset() {
            return busAddress - cpuStart;
        }
    }

    /** Regions sorted by start. */
    private final Region[] regions;
    /** Per region: its lazily made chunks. */
    private final List<AtomicReferenceArray<ByteBuffer>> stores;
    /** The memory map over RAM (device pages are added by memremap). */
    private final MemMap memMap;

    private PhysicalMemory(List<Region> rs) {
        List<Region> sorted = new ArrayList<>(rs);
        sorted.sort(Comparator.comparingLong(Region::cpuStart));
        for (int i = 0; i < sorted.size(); i++) {
            Region r = sorted.get(i);
            if (r.sizeBytes() <= 0 || (r.cpuStart() & PageSize.PAGE_MASK) != 0 || (r.sizeBytes() & PageSize.PAGE_MASK) != 0) {
                throw new IllegalArgumentException(r.name() + ": region must be page aligned and non-empty");
            }
            if (i > 0 && Long.compareUnsigned(sorted.get(i - 1).cpuStart() + sorted.get(i - 1).sizeBytes(), r.cpuStart()) > 0) {
                throw new IllegalArgumentException(r.name() + " overlaps " + sorted.get(i - 1).name());
            }
        }
        this.regions = sorted.toArray(Region[]::new);
        this.stores = new ArrayList<>();
        for (Region r : regions) {
            long chunks = (r.sizeBytes() + CHUNK_BYTES - 1) >>> CHUNK_SHIFT;
            stores.add(new AtomicReferenceArray<>((int) chunks));
        }
        this.memMap = MemMap.ofRam(sorted.stream().filter(r -> r.kind() == Kind.RAM)
                .map(r -> new long[] {r.cpuStart(), r.sizeBytes()}).toArray(long[][]::new));
    }

    /** An address space with the given regions. */
    public static PhysicalMemory of(List<Region> regions) {
        return new PhysicalMemory(regions);
    }

    /** Where the PCI hole below 4 GiB starts when no BAR says otherwise (x86 firmware's usual 3 GiB). */
    public static final long DEFAULT_PCI_HOLE_START = 3L << 30;
    /** 4 GiB. */
    private static final long FOUR_GIB = 1L << 32;

    /**
     * An x86-like address space for a topology: {@code ramBytes} of RAM, laid out below the PCI
     * hole (which starts at the lowest memory BAR under 4 GiB, or at 3 GiB) with the rest remapped
     * above 4 GiB, plus an MMIO window for every page-aligned memory BAR, its bus address equal to
     * its CPU address. BARs that would overlap RAM or each other are left out.
     */
    public static PhysicalMemory forTopology(PciTopology t, long ramBytes) {
        List<Region> bars = new ArrayList<>();
        for (PciFunction f : t.functions()) {
            for (Bar b : f.bars()) {
                if (b.memory() && b.sizeBytes() >= PageSize.PAGE_SIZE && (b.cpuAddress() & PageSize.PAGE_MASK) == 0) {
                    bars.add(new Region(f.address() + " BAR" + b.index(), Kind.MMIO, b.cpuAddress(), PageSize.alignUp(b.sizeBytes()), b.cpuAddress()));
                }
            }
        }
        // addresses are unsigned 64-bit: a BAR at or above 2^63 is high, not below 4 GiB
        bars.sort((x, y) -> Long.compareUnsigned(x.cpuStart(), y.cpuStart()));
        Optional<Region> lowestBelow4G = bars.stream().filter(b -> Long.compareUnsigned(b.cpuStart(), FOUR_GIB) < 0).findFirst();
        long hole = PageSize.alignDown(lowestBelow4G.map(Region::cpuStart).orElse(DEFAULT_PCI_HOLE_START));
        long ram = PageSize.alignDown(ramBytes);
        List<Region> rs = new ArrayList<>();
        long low = Math.min(ram, hole);
        if (low == 0 && lowestBelow4G.isPresent()) {
            throw new IllegalArgumentException(String.format("memory %s at 0x%x leaves no RAM below the PCI hole",
                    lowestBelow4G.get().name(), lowestBelow4G.get().cpuStart()));
        }
        rs.add(new Region("RAM", Kind.RAM, 0, low, 0));
        if (ram > low) {
            rs.add(new Region("RAM (above 4 GiB)", Kind.RAM, FOUR_GIB, ram - low, FOUR_GIB));
        }
        List<Region> kept = new ArrayList<>(rs);
        for (Region b : bars) {
            boolean clash = kept.stream().anyMatch(k -> b.cpuStart() < k.cpuStart() + k.sizeBytes() && k.cpuStart() < b.cpuStart() + b.sizeBytes());
            if (!clash) {
                kept.add(b);
            }
        }
        return new PhysicalMemory(kept);
    }

    /** True when {@code [phys, phys + len)} is RAM. */
    public boolean isRam(long phys, long len) {
        return regionOf(phys, len).map(r -> r.kind() == Kind.RAM).orElse(false);
    }

    /** The RAM regions, for messages. */
    public String describeRam() {
        StringBuilder sb = new StringBuilder();
        for (Region r : regions) {
            if (r.kind() == Kind.RAM) {
                sb.append(sb.isEmpty() ? "" : ", ").append(String.format("0x%x-0x%x", r.cpuStart(), r.cpuStart() + r.sizeBytes() - 1));
            }
        }
        return sb.toString();
    }

    public List<Region> regions() {
        return List.of(regions);
    }

    /** The memory map (struct pages) of this address space. */
    public MemMap memMap() {
        return memMap;
    }

    /** The region holding {@code [phys, phys + len)}, if one holds all of it. */
    public Optional<Region> regionOf(long phys, long len) {
        int i = indexOf(phys);
        return i >= 0 && regions[i].contains(phys, len) ? Optional.of(regions[i]) : Optional.empty();
    }

    /** True when {@code [phys, phys + len)} is backed by one region. */
    public boolean isBacked(long phys, long len) {
        return regionOf(phys, len).isPresent();
    }

    /**
     * Copies {@code len} bytes at {@code phys} into {@code dst}.
     *
     * @throws IllegalArgumentException when the range is not backed by one region
     */
    public void read(long phys, byte[] dst, int off, int len) {
        int ri = checked(phys, len);
        long at = phys - regions[ri].cpuStart();
        int done = 0;
        while (done < len) {
            long pos = at + done;
            int n = (int) Math.min(len - done, CHUNK_BYTES - (pos & (CHUNK_BYTES - 1)));
            ByteBuffer c = stores.get(ri).get((int) (pos >>> CHUNK_SHIFT));
            if (c == null) {
                java.util.Arrays.fill(dst, off + done, off + done + n, (byte) 0);
            } else {
                c.get((int) (pos & (CHUNK_BYTES - 1)), dst, off + done, n);
            }
            done += n;
        }
    }

    /**
     * Writes {@code len} bytes from {@code src} at {@code phys}.
     *
     * @throws IllegalArgumentException when the range is not backed by one region
     */
    public void write(long phys, byte[] src, int off, int len) {
        int ri = checked(phys, len);
        long at = phys - regions[ri].cpuStart();
        int done = 0;
        while (done < len) {
            long pos = at + done;
            int n = (int) Math.min(len - done, CHUNK_BYTES - (pos & (CHUNK_BYTES - 1)));
            ByteBuffer c = chunk(ri, (int) (pos >>> CHUNK_SHIFT));
            c.put((int) (pos & (CHUNK_BYTES - 1)), src, off + done, n);
            done += n;
        }
    }

    /** Reads {@code len} bytes at {@code phys} into a new array. */
    public byte[] read(long phys, int len) {
        byte[] b = new byte[len];
        read(phys, b, 0, len);
        return b;
    }

    /**
     * Copies {@code len} bytes from {@code srcPhys} to {@code dstPhys} (the ranges may be in different
     * regions), chunk to chunk without an intermediate buffer; overlapping ranges within one chunk
     * behave like memmove.
     */
    public void copy(long srcPhys, long dstPhys, long len) {
        int si = checked(srcPhys, len);
        int di = checked(dstPhys, len);
        long srcAt = srcPhys - regions[si].cpuStart();
        long dstAt = dstPhys - regions[di].cpuStart();
        long done = 0;
        while (done < len) {
            long sp = srcAt + done;
            long dp = dstAt + done;
            int n = (int) Math.min(len - done, Math.min(CHUNK_BYTES - (sp & (CHUNK_BYTES - 1)), CHUNK_BYTES - (dp & (CHUNK_BYTES - 1))));
            ByteBuffer s = stores.get(si).get((int) (sp >>> CHUNK_SHIFT));
            if (s != null) {
                chunk(di, (int) (dp >>> CHUNK_SHIFT)).put((int) (dp & (CHUNK_BYTES - 1)), s, (int) (sp & (CHUNK_BYTES - 1)), n);
            } else {
                ByteBuffer d = stores.get(di).get((int) (dp >>> CHUNK_SHIFT));
                if (d != null) {
                    byte[] zeros = new byte[Math.min(n, 1 << 16)];
                    for (int z = 0; z < n; z += zeros.length) {
                        d.put((int) (dp & (CHUNK_BYTES - 1)) + z, zeros, 0, Math.min(zeros.length, n - z));
                    }
                }
            }
            done += n;
        }
    }

    /** Drops every chunk (the JVM frees direct buffers once unreachable); reads then see zeros again. */
    @Override
    public void close() {
        for (AtomicReferenceArray<ByteBuffer> s : stores) {
            for (int i = 0; i < s.length(); i++) {
                s.set(i, null);
            }
        }
    }

    /** Bytes of off-heap storage made so far (touched chunks). */
    public long touchedBytes() {
        long n = 0;
        for (AtomicReferenceArray<ByteBuffer> s : stores) {
            for (int i = 0; i < s.length(); i++) {
                ByteBuffer b = s.get(i);
                n += b == null ? 0 : b.capacity();
            }
        }
        return n;
    }

    private ByteBuffer chunk(int ri, int ci) {
        AtomicReferenceArray<ByteBuffer> s = stores.get(ri);
        ByteBuffer c = s.get(ci);
        if (c == null) {
            int size = (int) Math.min(CHUNK_BYTES, regions[ri].sizeBytes() - ((long) ci << CHUNK_SHIFT));
            ByteBuffer made = ByteBuffer.allocateDirect(size);
            c = s.compareAndSet(ci, null, made) ? made : s.get(ci);
        }
        return c;
    }

    private int checked(long phys, long len) {
        int i = indexOf(phys);
        if (i < 0 || !regions[i].contains(phys, len)) {
            throw new IllegalArgumentException(String.format("no memory backs 0x%x+0x%x", phys, len));
        }
        return i;
    }

    private int indexOf(long phys) {
        int lo = 0;
        int hi = regions.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(regions[mid].cpuStart(), phys) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
