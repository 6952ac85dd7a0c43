package dev.p2pdma.sg;

/** Test helper: a chunk's slots as an array of entry views, so tests can write {@code t[1]}. */
final class SgSlots {

    private SgSlots() {
    }

    /** Models sg_init_table(n), returning a view of every slot. */
    static SgEntry[] initTable(int n) {
        return of(SgChunk.init(n));
    }

    /** A view of every slot of {@code chunk}. */
    static SgEntry[] of(SgChunk chunk) {
        SgEntry[] out = new SgEntry[chunk.capacity()];
        for (int i = 0; i < out.length; i++) {
            out[i] = chunk.entry(i);
        }
        return out;
    }

    /** Models sg_chain() on the chunks behind two slot arrays. */
    static void chain(SgEntry[] prv, int prvNents, SgEntry[] next) {
        SgChunk.chain(prv[0].chunk(), prvNents, next[0].chunk());
    }
}
