package dev.p2pdma.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The RAM page source behind anonymous user memory (spec 6.3 step 4: descending pages). */
class RamPageSourceTest {

    private final MemMap memMap = MemMap.ofRam(new long[][] {{0, 64L << 20}});

    @Test
    void eachAllocationTakesTheHighestFreePagesInDescendingOrder_spec6_3_4() {
        RamPageSource src = new RamPageSource(memMap, 0x100, 8);
        assertThat(src.allocate(3).orElseThrow()).extracting(Page::pfn).containsExactly(0x107L, 0x106L, 0x105L);
        Page p = src.allocate(1).orElseThrow().get(0);
        assertThat(p.pfn()).isEqualTo(0x104L);
        assertThat(p).isSameAs(memMap.pageOrThrow(0x104));
    }

    @Test
    void tooFewFreePagesTakeNothing() {
        RamPageSource src = new RamPageSource(memMap, 0x100, 4);
        List<Page> two = src.allocate(2).orElseThrow();
        assertThat(src.allocate(3)).isEmpty();
        assertThat(src.freePages()).isEqualTo(2);
        src.free(two.get(0));
        assertThat(src.allocate(3).orElseThrow()).extracting(Page::pfn).containsExactly(0x103L, 0x101L, 0x100L);
    }

    @Test
    void aPageNotAllocatedHereCannotBeFreed() {
        RamPageSource src = new RamPageSource(memMap, 0x100, 4);
        assertThatThrownBy(() -> src.free(memMap.pageOrThrow(0x100))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> src.free(memMap.pageOrThrow(0x200))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RamPageSource(memMap, (64L << 20 >> 12) - 2, 4)).isInstanceOf(IllegalArgumentException.class);
    }
}
