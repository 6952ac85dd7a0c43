package dev.p2pdma.iommu;

import dev.p2pdma.base.Errno;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Models an x86-64 four-level IO page table (AMD IOMMU v1 / Intel VT-d second level): 48-bit
 * input addresses, 512 entries per table, leaves of 4 KiB (level 1), 2 MiB (level 2) or 1 GiB
 * (level 3), each with its {@link IommuProt}. {@link #map} picks the largest leaf the alignment of
 * IOVA and physical address and the remaining size allow (iommu_pgsize()), {@link #unmap} removes
 * leaves until the first hole (a partly covered large leaf goes whole, as the x86 drivers do), and
 * frees a next-level table only when the unmapped range covers its whole span (as VT-d's
 * domain_unmap() does): tables of partly unmapped spans stay allocated, empty, for the next map.
 *
 * <p>Invariants: a slot holds either nothing, one leaf, or one next-level table;
 * {@link #mappedBytes()} is the sum of the leaf sizes; no two leaves overlap.
 *
 * <p>Thread-safety: one lock per table guards every operation (map, unmap and lookups are each
 * atomic); callers that map and unmap disjoint IOVA ranges from many threads need nothing more.
 */
public final class IoPageTable {

    /** Smallest leaf: 4 KiB. */
    public static final long SIZE_4K = 1L << 12;
    /** Level-2 leaf: 2 MiB. */
    public static final long SIZE_2M = 1L << 21;
    /** Level-3 leaf: 1 GiB. */
    public static final long SIZE_1G = 1L << 30;
    /** domain->pgsize_bitmap: the leaf sizes. */
    public static final long PGSIZE_BITMAP = SIZE_4K | SIZE_2M | SIZE_1G;
    /** Input address width of a four-level table. */
    public static final int ADDRESS_BITS = 48;
    /** geometry.aperture_end: the highest IOVA. */
    public static final long APERTURE_END = (1L << ADDRESS_BITS) - 1;

    /** Index bits per level. */
    private static final int BITS_PER_LEVEL = 9;
    /** Entries per table. */
    private static final int ENTRIES = 1 << BITS_PER_LEVEL;
    /** Entry bit: present. */
    private static final long PRESENT = 1;
    /** Where the prot bits sit in an entry. */
    private static final int PROT_SHIFT = 1;
    /** Prot bits in an entry. */
    private static final long PROT_MASK = 0x3FL << PROT_SHIFT;
    /** Physical address bits of a leaf entry. */
    private static final long ADDRESS_MASK = ~(SIZE_4K - 1);

    /** Guards everything below. */
    private final Object lock = new Object();
    /** The level-4 table. */
    private final Table root = new Table();
    /** Bytes covered by leaves. */
    private long mappedBytes;
    /** Leaves per level (index 1..3). */
    private final long[] leaves = new long[4];
    /** Tables below the root. */
    private long tables;

    /** An empty table (no leaves). */
    public IoPageTable() {
    }

    /**
     * Models iommu_map(domain, iova, paddr, size, prot) on this table: 0 on success; EINVAL for an
     * address or size not 4 KiB aligned or a prot with neither READ nor WRITE; EFAULT beyond the
     * 48-bit aperture; EBUSY when a page is already mapped (Intel's answer), after undoing the part
     * already mapped.
     */
    public Optional<Errno> map(long iova, long phys, long sizeBytes, IommuProt prot) {
        if (((iova | phys | sizeBytes) & (SIZE_4K - 1)) != 0 || (prot.bits() & (IommuProt.READ | IommuProt.WRITE)) == 0 || sizeBytes < 0) {
            return Optional.of(Errno.EINVAL);
        }
        if (sizeBytes == 0) {
            return Optional.empty();
        }
        if (Long.compareUnsigned(iova, APERTURE_END) > 0 || Long.compareUnsigned(sizeBytes - 1, APERTURE_END - iova) > 0) {
            return Optional.of(Errno.EFAULT);
        }
        synchronized (lock) {
            long done = 0;
            while (done < sizeBytes) {
                long pg = pageSize(iova + done, phys + done, sizeBytes - done);
                if (!install(iova + done, phys + done, pg, prot)) {
                    removeRange(iova, done);
                    return Optional.of(Errno.EBUSY);
                }
                done += pg;
            }
            return Optional.empty();
        }
    }

    /**
     * Models iommu_unmap(domain, iova, size): removes leaves from {@code iova} on until
     * {@code sizeBytes} are covered or a hole is met; a large leaf is removed whole.
     *
     * @return the bytes unmapped (0 for an unaligned request or a hole at {@code iova})
     */
    public long unmap(long iova, long sizeBytes) {
        if (((iova | sizeBytes) & (SIZE_4K - 1)) != 0 || sizeBytes <= 0) {
            return 0;
        }
        synchronized (lock) {
            return removeRange(iova, sizeBytes);
        }
    }

    /** Models iommu_iova_to_phys(): the physical address {@code iova} translates to, empty when unmapped. */
    public OptionalLong iovaToPhys(long iova) {
        Optional<Leaf> l = lookup(iova);
        return l.isPresent() ? OptionalLong.of(l.get().phys() + (iova - l.get().iova())) : OptionalLong.empty();
    }

    /** The leaf that maps {@code iova}, empty when none does (the walk the IOMMU hardware does). */
    public Optional<Leaf> lookup(long iova) {
        if (Long.compareUnsigned(iova, APERTURE_END) > 0) {
            return Optional.empty();
        }
        synchronized (lock) {
            Table t = root;
            for (int level = 4; level >= 1; level--) {
                int i = index(iova, level);
                long pte = t.pte[i];
                if ((pte & PRESENT) != 0) {
                    long size = levelSize(level);
                    return Optional.of(new Leaf(iova & ~(size - 1), pte & ADDRESS_MASK, size, new IommuProt((int) ((pte & PROT_MASK) >>> PROT_SHIFT))));
                }
                t = t.next[i];
                if (t == null) {
                    return Optional.empty();
                }
            }
            return Optional.empty();
        }
    }

    /** True when no leaf is mapped (and so no table is left below the root). */
    public boolean isEmpty() {
        synchronized (lock) {
            return mappedBytes == 0;
        }
    }

    /** Bytes covered by leaves. */
    public long mappedBytes() {
        synchronized (lock) {
            return mappedBytes;
        }
    }

    /**
     * Leaves of {@code leafBytes} (4 KiB, 2 MiB or 1 GiB) currently mapped.
     *
     * @throws IllegalArgumentException for another size
     */
    public long leafCount(long leafBytes) {
        int level = leafBytes == SIZE_4K ? 1 : leafBytes == SIZE_2M ? 2 : leafBytes == SIZE_1G ? 3 : -1;
        if (level < 0) {
            throw new IllegalArgumentException("not a leaf size: " + leafBytes);
        }
        synchronized (lock) {
            return leaves[level];
        }
    }

    /** Tables allocated below the root (freed when an unmap covers their whole span). */
    public long tableCount() {
        synchronized (lock) {
            return tables;
        }
    }

    /** Models iommu_pgsize(): the largest leaf that both addresses' alignment and the remaining size allow. */
    private static long pageSize(long iova, long phys, long remaining) {
        long merged = iova | phys;
        if (remaining >= SIZE_1G && (merged & (SIZE_1G - 1)) == 0) {
            return SIZE_1G;
        }
        if (remaining >= SIZE_2M && (merged & (SIZE_2M - 1)) == 0) {
            return SIZE_2M;
        }
        return SIZE_4K;
    }

    /** Installs one leaf; false when anything is already mapped there. Lock held. */
    private boolean install(long iova, long phys, long size, IommuProt prot) {
        int leafLevel = size == SIZE_1G ? 3 : size == SIZE_2M ? 2 : 1;
        Table t = root;
        for (int level = 4; level > leafLevel; level--) {
            int i = index(iova, level);
            if ((t.pte[i] & PRESENT) != 0) {
                return false;
            }
            if (t.next[i] == null) {
                t.next[i] = new Table();
                t.used++;
                tables++;
            }
            t = t.next[i];
        }
        int i = index(iova, leafLevel);
        if ((t.pte[i] & PRESENT) != 0 || (t.next[i] != null && t.next[i].used != 0)) {
            return false;
        }
        if (t.next[i] != null) {
            t.next[i] = null;
            t.used--;
            tables--;
        }
        t.pte[i] = phys | ((long) prot.bits() << PROT_SHIFT) | PRESENT;
        t.used++;
        leaves[leafLevel]++;
        mappedBytes += size;
        return true;
    }

    /**
     * Removes leaves from {@code iova} for {@code sizeBytes} or to the first hole, then frees the
     * empty tables whose whole span was unmapped; returns the bytes removed. Lock held.
     */
    private long removeRange(long iova, long sizeBytes) {
        long unmapped = 0;
        while (unmapped < sizeBytes) {
            long removed = removeLeafAt(iova + unmapped);
            if (removed == 0) {
                break;
            }
            unmapped += removed;
        }
        if (unmapped != 0) {
            freeCovered(root, 4, 0, iova, iova + unmapped - 1);
        }
        return unmapped;
    }

    /**
     * Frees the empty next-level tables below {@code t} (a level-{@code level} table spanning from
     * {@code base}) whose whole span lies in {@code [first, last]}. Lock held.
     */
    private void freeCovered(Table t, int level, long base, long first, long last) {
        if (level == 1) {
            return;
        }
        long childSpan = levelSize(level);
        int from = index(Math.max(first, base), level);
        long end = base + childSpan * ENTRIES - 1;
        int to = index(Long.compareUnsigned(last, end) < 0 ? last : end, level);
        for (int i = from; i <= to; i++) {
            Table c = t.next[i];
            if (c == null) {
                continue;
            }
            long cBase = base + childSpan * i;
            freeCovered(c, level - 1, cBase, first, last);
            if (c.used == 0 && Long.compareUnsigned(first, cBase) <= 0 && Long.compareUnsigned(cBase + childSpan - 1, last) <= 0) {
                t.next[i] = null;
                t.used--;
                tables--;
            }
        }
    }

    /** Removes the leaf covering {@code iova}; returns the bytes from {@code iova} to its end, 0 if none. Lock held. */
    private long removeLeafAt(long iova) {
        Table t = root;
        for (int level = 4; level >= 1; level--) {
            int i = index(iova, level);
            if ((t.pte[i] & PRESENT) != 0) {
                long size = levelSize(level);
                t.pte[i] = 0;
                t.used--;
                leaves[level]--;
                mappedBytes -= size;
                return size - (iova & (size - 1));
            }
            t = t.next[i];
            if (t == null) {
                return 0;
            }
        }
        return 0;
    }

    private static int index(long iova, int level) {
        return (int) ((iova >>> (12 + BITS_PER_LEVEL * (level - 1))) & (ENTRIES - 1));
    }

    private static long levelSize(int level) {
        return 1L << (12 + BITS_PER_LEVEL * (level - 1));
    }

    /**
     * One leaf of the table.
     *
     * @param iova      the first IOVA it maps (aligned to its size)
     * @param phys      the physical address it maps to
     * @param sizeBytes 4 KiB, 2 MiB or 1 GiB
     * @param prot      its permissions
     */
    public record Leaf(long iova, long phys, long sizeBytes, IommuProt prot) {
    }

    /** One table of 512 entries: leaves in {@link #pte}, next-level tables in {@link #next}. Guarded by the table's lock. */
    private static final class Table {
        /** Leaf entries: physical address, prot bits, present bit. */
        private final long[] pte = new long[ENTRIES];
        /** Next-level tables. */
        private final Table[] next = new Table[ENTRIES];
        /** Slots holding a leaf or a table. */
        private int used;
    }
}
