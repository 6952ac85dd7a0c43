package dev.p2pdma.testing;

import dev.p2pdma.mm.Page;
import dev.p2pdma.mm.PageSize;
import dev.p2pdma.sg.SgEntry;
import dev.p2pdma.sg.SgTable;
import java.util.List;

/** Test helper shared by the DMA backends' tests: scatterlists built from (page, offset, length) pieces, and byte patterns. */
public final class SgLists {

    private SgLists() {
    }

    /**
     * One segment of a test list.
     *
     * @param page   the first page
     * @param offset byte offset into it
     * @param length byte length (may run over contiguous pages)
     */
    public record Seg(Page page, int offset, int length) {
    }

    /** A whole page. */
    public static Seg seg(Page p) {
        return new Seg(p, 0, PageSize.PAGE_SIZE);
    }

    /** Part of a page (or a run of contiguous pages). */
    public static Seg seg(Page p, int offset, int length) {
        return new Seg(p, offset, length);
    }

    /** A table with these segments. */
    public static SgTable table(Seg... segs) {
        return table(List.of(segs));
    }

    /** A table with these segments. */
    public static SgTable table(List<Seg> segs) {
        SgTable t = new SgTable();
        if (t.alloc(segs.size()).isPresent()) {
            throw new IllegalStateException("alloc failed");
        }
        int i = 0;
        for (SgEntry e : t.cpuEntries()) {
            Seg s = segs.get(i++);
            e.setPage(s.page(), s.length(), s.offset());
        }
        return t;
    }

    /** The table's CPU entries. */
    public static List<SgEntry> entries(SgTable t) {
        return t.entries(t.origNents());
    }

    /** Bytes of a pattern seeded by {@code seed}. */
    public static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >>> 8));
        }
        return b;
    }
}
