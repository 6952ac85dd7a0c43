package dev.p2pdma.sg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.Page;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec 2.3: sg_alloc_table's chunk geometry, -ENOMEM, sg_free_table, and the CPU / DMA iterators. */
class SgTableAllocTest {

    /** The chunks of a table in chain order. */
    static List<SgEntry[]> chunks(SgTable t) {
        List<SgEntry[]> out = new ArrayList<>();
        SgChunk chunk = t.firstChunk();
        while (chunk != null) {
            SgEntry[] slots = SgSlots.of(chunk);
            out.add(slots);
            SgEntry last = slots[slots.length - 1];
            chunk = last.isChain() ? last.chainTarget().orElseThrow() : null;
        }
        return out;
    }

    /** The sizes of a table's chunks in chain order. */
    static List<Integer> chunkSizes(SgTable t) {
        return chunks(t).stream().map(c -> c.length).toList();
    }

    @Test
    void oneHundredTwentyEightEntriesFitOneChunk_spec2_3() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgTable t = new SgTable(alloc);
        assertThat(t.alloc(128)).isEmpty();
        assertThat(alloc.liveChunks()).isEqualTo(1);
        assertThat(chunkSizes(t)).containsExactly(128);
        assertThat(t.origNents()).isEqualTo(128);
        assertThat(t.nents()).isEqualTo(128);
        List<SgEntry> es = t.entries(128);
        assertThat(es).noneMatch(SgEntry::isChain);
        assertThat(es.get(127).isLast()).isTrue();
        assertThat(es.subList(0, 127)).noneMatch(SgEntry::isLast);
        assertThat(SgTable.sgNents(t.first().orElseThrow())).isEqualTo(128);
    }

    @Test
    void oneHundredTwentyNineEntriesTakeAFullChunkWithALinkThenAChunkOfTwo_spec2_3() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgTable t = new SgTable(alloc);
        assertThat(t.alloc(129)).isEmpty();
        List<SgEntry[]> cs = chunks(t);
        assertThat(cs).extracting(c -> c.length).containsExactly(128, 2);
        assertThat(cs.get(0)[127].isChain()).isTrue();
        assertThat(cs.get(0)[127].chainTarget()).containsSame(cs.get(1)[0].chunk());
        assertThat(cs.get(0)[126].isLast()).isFalse();
        assertThat(cs.get(1)[1].isLast()).isTrue();
        assertThat(cs.get(1)[0].isLast()).isFalse();
        assertThat(t.origNents()).isEqualTo(129);
        assertThat(t.nents()).isEqualTo(129);
        assertThat(alloc.liveChunks()).isEqualTo(2);
        assertThat(SgTable.sgNents(t.first().orElseThrow())).isEqualTo(129);
        assertThat(t.entries(129)).noneMatch(SgEntry::isChain);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 127, 254, 255, 256, 381, 382, 1000, 4096})
    void chainsOfSeveralChunksHold127DataEntriesPerFullChunk_spec2_3(int n) {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgTable t = new SgTable(alloc);
        assertThat(t.alloc(n)).isEmpty();
        List<Integer> sizes = chunkSizes(t);
        int full = n <= 128 ? 0 : (n - 2) / 127;
        int lastSize = n - 127 * full;
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < full; i++) {
            expected.add(128);
        }
        expected.add(lastSize);
        assertThat(sizes).as("chunks for %d entries", n).isEqualTo(expected);
        assertThat(alloc.liveChunks()).isEqualTo(sizes.size());
        assertThat(SgTable.sgNents(t.first().orElseThrow())).isEqualTo(n);
        assertThat(t.origNents()).isEqualTo(n);
        t.free();
        assertThat(alloc.liveChunks()).isZero();
        assertThat(t.first()).isEmpty();
        assertThat(t.origNents()).isZero();
    }

    @Test
    void aSmallerMaxEntsChainsSooner_spec2_3() {
        SgTable t = new SgTable();
        assertThat(t.alloc(7, 3)).isEmpty();
        assertThat(chunkSizes(t)).containsExactly(3, 3, 3);
        assertThat(SgTable.sgNents(t.first().orElseThrow())).isEqualTo(7);
        t.free();
    }

    @Test
    void zeroEntriesAreEinval_spec2_3() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgTable t = new SgTable(alloc);
        assertThat(t.alloc(0)).contains(Errno.EINVAL);
        assertThat(t.first()).isEmpty();
        assertThat(alloc.liveChunks()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 7})
    void enomemFreesEveryChunkMadeSoFar_spec2_3(int failingAllocation) {
        ChunkAllocator alloc = ChunkAllocator.failingFrom(failingAllocation);
        SgTable t = new SgTable(alloc);
        assertThat(t.alloc(127 * 8 + 1)).contains(Errno.ENOMEM);
        assertThat(alloc.liveChunks()).isZero();
        assertThat(t.first()).isEmpty();
        assertThat(t.origNents()).isZero();
        assertThat(t.nents()).isZero();
    }

    @Test
    void enomemOnTheLastChunkFreesTheUnchainedOneBeforeIt_spec2_3() {
        // chunks: 128 (127 + link), 128 (127 + link), then the third fails; the second is not yet chained onward
        ChunkAllocator alloc = ChunkAllocator.failingFrom(2);
        SgTable t = new SgTable(alloc);
        assertThat(t.alloc(300)).contains(Errno.ENOMEM);
        assertThat(alloc.liveChunks()).isZero();
    }

    @Test
    void freeWalksTheGeometryAndReturnsEveryChunk_spec2_3() {
        ChunkAllocator alloc = ChunkAllocator.unlimited();
        SgTable t = new SgTable(alloc);
        t.alloc(10_000);
        assertThat(alloc.liveChunks()).isEqualTo((10_000 - 2) / 127 + 1);
        t.free();
        assertThat(alloc.liveChunks()).isZero();
        t.free();
        assertThat(alloc.liveChunks()).isZero();
    }

    @Test
    void allocatingAnAllocatedTableIsRefused_spec2_3() {
        SgTable t = new SgTable();
        t.alloc(2);
        assertThatThrownBy(() -> t.alloc(2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theCpuIteratorVisitsOrigNentsEntriesThroughChains_spec2_2() {
        SgTable t = new SgTable();
        t.alloc(300);
        int k = 0;
        for (SgEntry e : t.cpuEntries()) {
            e.setPage(Page.ram(k), 4096, 0);
            k++;
        }
        assertThat(k).isEqualTo(300);
        List<Long> pfns = new ArrayList<>();
        t.cpuEntries().forEach(e -> pfns.add(e.pageOrNull().pfn()));
        assertThat(pfns).hasSize(300);
        for (int i = 0; i < 300; i++) {
            assertThat(pfns.get(i)).isEqualTo(i);
        }
    }

    @Test
    void theDmaIteratorVisitsOnlyTheMappedNents_spec2_2() {
        SgTable t = new SgTable();
        t.alloc(300);
        int k = 0;
        for (SgEntry e : t.cpuEntries()) {
            e.setDmaAddress(0x1000L * k++);
        }
        t.setNents(130);
        List<Long> addrs = new ArrayList<>();
        t.dmaEntries().forEach(e -> addrs.add(e.dmaAddress()));
        assertThat(addrs).hasSize(130);
        assertThat(addrs.get(129)).isEqualTo(0x1000L * 129);
        int cpu = 0;
        for (SgEntry ignored : t.cpuEntries()) {
            cpu++;
        }
        assertThat(cpu).isEqualTo(300);
        t.setNents(0);
        assertThat(t.dmaEntries().iterator().hasNext()).isFalse();
        assertThatThrownBy(() -> t.setNents(301)).isInstanceOf(IllegalArgumentException.class);
    }
}
