package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.mm.Page;
import org.junit.jupiter.api.Test;

/** Spec 2.1 and 2.2: a chunk of struct scatterlist stored field by field, seen through entry views. */
class SgChunkTest {

    @Test
    void aFreshChunkIsZeroedWithEndOnItsLastSlot_spec2_1() {
        SgChunk c = SgChunk.init(3);
        for (int i = 0; i < 3; i++) {
            SgEntry e = c.entry(i);
            assertThat(e.page()).isEmpty();
            assertThat(e.offset()).isZero();
            assertThat(e.length()).isZero();
            assertThat(e.dmaAddress()).isZero();
            assertThat(e.dmaLength()).isZero();
            assertThat(e.dmaFlags()).isZero();
            assertThat(e.isLast()).isEqualTo(i == 2);
        }
    }

    @Test
    void twoViewsOfOneSlotAreEqualAndSeeTheSameWrites_spec2_1() {
        SgChunk c = SgChunk.init(2);
        SgEntry a = c.entry(0);
        SgEntry b = c.entry(0);
        Page page = Page.ram(7);
        a.setPage(page, 4096, 0);
        a.setDmaAddress(0x1000);
        a.setDmaLength(4096);
        assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(b.page()).containsSame(page);
        assertThat(b.dmaAddress()).isEqualTo(0x1000);
        assertThat(b.dmaLength()).isEqualTo(4096);
        assertThat(c.entry(1)).isNotEqualTo(a);
        assertThat(SgChunk.init(2).entry(0)).isNotEqualTo(a);
    }

    @Test
    void markingTheChainSlotAsEndDropsTheLink_spec2_2() {
        SgChunk a = SgChunk.init(2);
        SgChunk b = SgChunk.init(1);
        SgChunk.chain(a, 2, b);
        assertThat(a.chainTarget()).containsSame(b);
        a.entry(1).markEnd();
        assertThat(a.entry(1).isChain()).isFalse();
        assertThat(a.chainTarget()).isEmpty();
        assertThat(a.entry(0).nextOrNull()).isEqualTo(a.entry(1));
        assertThat(a.entry(1).nextOrNull()).isNull();
    }

    @Test
    void aChunkLinksOnwardFromOneSlotOnly_spec2_2() {
        SgChunk a = SgChunk.init(4);
        SgChunk.chain(a, 4, SgChunk.init(1));
        assertThatThrownBy(() -> SgChunk.chain(a, 2, SgChunk.init(1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("slot 3");
    }

    @Test
    void aSlotOutsideTheChunkIsRefused_spec2_1() {
        SgChunk c = SgChunk.init(2);
        assertThatThrownBy(() -> c.entry(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> c.entry(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> SgChunk.init(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
