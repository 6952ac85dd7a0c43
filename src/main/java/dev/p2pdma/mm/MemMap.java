package dev.p2pdma.mm;

import dev.p2pdma.base.Errno;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Models the kernel's memory map (vmemmap): one {@link Page} per page frame of RAM, and of device
 * memory once a {@link DevicePageMap} is given pages by {@link #memremap(DevicePageMap)}
 * (memremap_pages()). "Is this page P2P memory, and whose" is one lookup: {@link #page(long)} then
 * {@link Page#pagemap()}.
 *
 * <p>Pages are created lazily in blocks, so a large RAM range costs nothing until touched; each
 * pfn always yields the same instance. Thread-safe: the range list is copy-on-write behind a
 * volatile field (memremap/memunmap are serialized on the instance), blocks are published by CAS.
 */
public final class MemMap {

    /** log2 of pages per lazily created block. */
    private static final int BLOCK_SHIFT = 12;
    /** Pages per block. */
    private static final int BLOCK_PAGES = 1 << BLOCK_SHIFT;

    /** Page ranges sorted by first pfn, never overlapping. */
    private volatile PageRange[] ranges;

    private MemMap(List<PageRange> ranges) {
        this.ranges = ranges.toArray(PageRange[]::new);
        Arrays.sort(this.ranges, (a, b) -> Long.compare(a.firstPfn, b.firstPfn));
    }

    /** A memory map over RAM ranges given as {start, size} byte pairs (page aligned). */
    public static MemMap ofRam(long[][] ramRanges) {
        List<PageRange> out = new ArrayList<>();
        for (long[] r : ramRanges) {
            if ((r[0] & PageSize.PAGE_MASK) != 0 || (r[1] & PageSize.PAGE_MASK) != 0 || r[1] <= 0) {
                throw new IllegalArgumentException("RAM range must be page aligned and non-empty: 0x" + Long.toHexString(r[0]));
            }
            out.add(new PageRange(PageSize.pfn(r[0]), PageSize.pfn(r[1]), null));
        }
        MemMap m = new MemMap(out);
        m.checkDisjoint(m.ranges);
        return m;
    }

    /** The page of a pfn, or empty when no RAM or device page map covers it (pfn_valid() false). */
    public Optional<Page> page(long pfn) {
        PageRange r = rangeOf(pfn);
        return r == null ? Optional.empty() : Optional.of(r.page(pfn));
    }

    /** The page of a pfn; the caller knows it exists. */
    public Page pageOrThrow(long pfn) {
        PageRange r = rangeOf(pfn);
        if (r == null) {
            throw new IllegalArgumentException("no page at pfn 0x" + Long.toHexString(pfn));
        }
        return r.page(pfn);
    }

    /** The page that holds a physical address. */
    public Optional<Page> pageOfPhys(long phys) {
        return page(PageSize.pfn(phys));
    }

    /**
     * Models memremap_pages() for a device range: its pfns get ZONE_DEVICE pages of {@code map}.
     *
     * @return empty on success; {@link Errno#ENXIO} when the range overlaps RAM, {@link Errno#EBUSY}
     *         when it overlaps another device page map
     */
    public synchronized Optional<Errno> memremap(DevicePageMap map) {
        long first = PageSize.pfn(map.cpuStart());
        long count = PageSize.pfn(map.sizeBytes());
        for (PageRange r : ranges) {
            if (first < r.firstPfn + r.count && r.firstPfn < first + count) {
                return Optional.of(r.pagemap == null ? Errno.ENXIO : Errno.EBUSY);
            }
        }
        PageRange[] next = Arrays.copyOf(ranges, ranges.length + 1);
        next[ranges.length] = new PageRange(first, count, map);
        Arrays.sort(next, (a, b) -> Long.compare(a.firstPfn, b.firstPfn));
        ranges = next;
        return Optional.empty();
    }

    /**
     * Models memunmap_pages(): the device range loses its pages. The map must have been killed and
     * hold no references.
     *
     * @return empty on success; {@link Errno#EBUSY} while references remain or the map is still
     *         live; {@link Errno#EINVAL} when the map has no pages here
     */
    public synchronized Optional<Errno> memunmap(DevicePageMap map) {
        if (map.isLive() || map.liveReferences() > 0) {
            return Optional.of(Errno.EBUSY);
        }
        List<PageRange> keep = new ArrayList<>();
        boolean found = false;
        for (PageRange r : ranges) {
            if (r.pagemap == map) {
                found = true;
            } else {
                keep.add(r);
            }
        }
        if (!found) {
            return Optional.of(Errno.EINVAL);
        }
        ranges = keep.toArray(PageRange[]::new);
        return Optional.empty();
    }

    private PageRange rangeOf(long pfn) {
        PageRange[] rs = ranges;
        int lo = 0;
        int hi = rs.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            PageRange r = rs[mid];
            if (pfn < r.firstPfn) {
                hi = mid - 1;
            } else if (pfn - r.firstPfn >= r.count) {
                lo = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    private void checkDisjoint(PageRange[] rs) {
        for (int i = 1; i < rs.length; i++) {
            if (rs[i - 1].firstPfn + rs[i - 1].count > rs[i].firstPfn) {
                throw new IllegalArgumentException("RAM ranges overlap at pfn 0x" + Long.toHexString(rs[i].firstPfn));
            }
        }
    }

    /** A run of pfns with the same owner, its pages made block by block on first use. */
    private static final class PageRange {
        /** First pfn. */
        final long firstPfn;
        /** Number of pfns. */
        final long count;
        /** Owner for device memory, null for RAM. */
        final DevicePageMap pagemap;
        /** Lazily made blocks of pages. */
        final AtomicReferenceArray<Page[]> blocks;

        PageRange(long firstPfn, long count, DevicePageMap pagemap) {
            this.firstPfn = firstPfn;
            this.count = count;
            this.pagemap = pagemap;
            long nblocks = (count + BLOCK_PAGES - 1) >>> BLOCK_SHIFT;
            if (nblocks > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("range too large: " + count + " pages");
            }
            this.blocks = new AtomicReferenceArray<>((int) nblocks);
        }

        Page page(long pfn) {
            long rel = pfn - firstPfn;
            int b = (int) (rel >>> BLOCK_SHIFT);
            Page[] block = blocks.get(b);
            if (block == null) {
                long base = firstPfn + ((long) b << BLOCK_SHIFT);
                int n = (int) Math.min(BLOCK_PAGES, count - ((long) b << BLOCK_SHIFT));
                Page[] made = new Page[n];
                for (int i = 0; i < n; i++) {
                    made[i] = new Page(base + i, pagemap);
                }
                block = blocks.compareAndSet(b, null, made) ? made : blocks.get(b);
            }
            return block[(int) (rel & (BLOCK_PAGES - 1))];
        }
    }
}
