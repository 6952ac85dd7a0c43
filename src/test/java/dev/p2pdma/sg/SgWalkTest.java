package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.mm.Page;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** Spec 2.2: for_each_sg(sgl, sg, nents, i) visits the first nents entries through chain links; a shorter list is an error. */
class SgWalkTest {

    /** Two chunks chained by hand: a (3 = 2 data + link) and b (2 data), pfn k in the k-th data entry; END on b[1]. */
    private static SgEntry[][] twoChunks() {
        SgEntry[] a = SgSlots.initTable(3);
        SgEntry[] b = SgSlots.initTable(2);
        SgSlots.chain(a, 3, b);
        SgEntry[] data = {a[0], a[1], b[0], b[1]};
        for (int k = 0; k < data.length; k++) {
            data[k].setPage(Page.ram(k), 100, 0);
        }
        return new SgEntry[][] {a, b};
    }

    private static List<Long> pfns(SgWalk walk) {
        List<Long> out = new ArrayList<>();
        for (SgEntry e : walk) {
            out.add(e.pageOrThrow().pfn());
        }
        return out;
    }

    @Test
    void walkVisitsExactlyTheFirstNentsEntriesThroughChainLinks_spec2_2() {
        SgEntry first = twoChunks()[0][0];
        assertThat(pfns(SgWalk.of(first, 4))).containsExactly(0L, 1L, 2L, 3L);
        assertThat(pfns(SgWalk.of(first, 3))).containsExactly(0L, 1L, 2L);
        assertThat(pfns(SgWalk.of(first, 0))).isEmpty();
    }

    @Test
    void cursorIndexIsTheForEachSgCounterOfTheEntryLastReturned_spec2_2() {
        SgWalk.Cursor c = SgWalk.of(twoChunks()[0][0], 3).iterator();
        assertThat(c.index()).isEqualTo(-1);
        List<Integer> seen = new ArrayList<>();
        while (c.hasNext()) {
            long pfn = c.next().pageOrThrow().pfn();
            assertThat(pfn).isEqualTo(c.index());
            seen.add(c.index());
        }
        assertThat(seen).containsExactly(0, 1, 2);
        assertThatThrownBy(c::next).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void aListShorterThanNentsFailsWhenTheWalkReachesTheMissingEntry_spec2_2() {
        SgWalk.Cursor c = SgWalk.of(twoChunks()[0][0], 5).iterator();
        for (int i = 0; i < 4; i++) {
            c.next();
        }
        assertThat(c.hasNext()).isTrue();
        assertThatThrownBy(c::next).isInstanceOf(IllegalStateException.class)
                .hasMessage("scatterlist has fewer than 5 entries (it ends after 4)");
    }

    @Test
    void anEnhancedForOverAShortListFailsRatherThanStoppingQuietly_spec2_2() {
        SgWalk walk = SgWalk.of(twoChunks()[1][0], 3);
        List<Long> visited = new ArrayList<>();
        assertThatThrownBy(() -> walk.forEach(e -> visited.add(e.pageOrThrow().pfn()))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fewer than 3 entries");
        assertThat(visited).containsExactly(2L, 3L);
    }

    @Test
    void anAbsentFirstEntryIsAnEmptyListWalkableOnlyForZeroEntries() {
        assertThat(SgWalk.of(null, 0).iterator().hasNext()).isFalse();
        assertThatThrownBy(() -> SgWalk.of(null, 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("fewer than 1 entries");
    }

    @Test
    void aNegativeCountIsRefused() {
        assertThatThrownBy(() -> SgWalk.of(twoChunks()[0][0], -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void theWalkNeverReadsPastItsLastEntry() {
        SgEntry[][] t = twoChunks();
        t[0][1].markEnd();
        // the END on a[1] makes sg_next(a[1]) NULL: a walk of 2 must still finish
        assertThat(pfns(SgWalk.of(t[0][0], 2))).containsExactly(0L, 1L);
        assertThat(SgWalk.of(t[0][0], 2).count()).isEqualTo(2);
    }
}
