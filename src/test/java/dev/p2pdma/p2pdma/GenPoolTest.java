package dev.p2pdma.p2pdma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.base.Errno;
import dev.p2pdma.mm.PageSize;
import org.junit.jupiter.api.Test;

/** Spec 1.3: the gen_pool semantics the P2PDMA pool relies on. */
class GenPoolTest {

    private static final long PAGE = PageSize.PAGE_SIZE;
    private static final long V1 = 0xffff888100000000L;
    private static final long V2 = 0xffff888200000000L;

    private static GenPool<String> pool() {
        return new GenPool<>(PageSize.PAGE_SHIFT);
    }

    @Test
    void theGranuleIsOnePagePerBit_spec1_3() {
        assertThat(pool().granuleBytes()).isEqualTo(4096);
    }

    @Test
    void sizeAndAvailAreTheSumsOverChunks_spec1_3() {
        GenPool<String> p = pool();
        assertThat(p.sizeBytes()).isZero();
        assertThat(p.availBytes()).isZero();
        p.addChunk(V1, 0x1000_0000L, 16 * PAGE, "a");
        p.addChunk(V2, 0x2000_0000L, 8 * PAGE, "b");
        assertThat(p.sizeBytes()).isEqualTo(24 * PAGE);
        assertThat(p.availBytes()).isEqualTo(24 * PAGE);
        p.alloc(3 * PAGE);
        assertThat(p.sizeBytes()).isEqualTo(24 * PAGE);
        assertThat(p.availBytes()).isEqualTo(21 * PAGE);
    }

    @Test
    void newChunksGoToTheHeadAndAreTriedFirst_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0x1000_0000L, 16 * PAGE, "old");
        p.addChunk(V2, 0x2000_0000L, 16 * PAGE, "new");
        assertThat(p.chunks()).extracting(GenPool.ChunkInfo::owner).containsExactly("new", "old");
        GenPool.Block<String> b = p.alloc(PAGE).orElseThrow();
        assertThat(b.owner()).isEqualTo("new");
        assertThat(b.virt()).isEqualTo(V2);
        assertThat(b.phys()).isEqualTo(0x2000_0000L);
    }

    @Test
    void allocationIsFirstFitFromBitZeroAndRoundsUpToWholePages_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 16 * PAGE, "a");
        GenPool.Block<String> one = p.alloc(1).orElseThrow();
        assertThat(one.virt()).isEqualTo(V1);
        assertThat(one.reservedBytes()).isEqualTo(PAGE);
        assertThat(one.sizeBytes()).isEqualTo(1);
        GenPool.Block<String> two = p.alloc(PAGE + 1).orElseThrow();
        assertThat(two.virt()).isEqualTo(V1 + PAGE);
        assertThat(two.reservedBytes()).isEqualTo(2 * PAGE);
        GenPool.Block<String> three = p.alloc(PAGE).orElseThrow();
        assertThat(three.virt()).isEqualTo(V1 + 3 * PAGE);
        p.free(two.virt(), two.sizeBytes());
        assertThat(p.alloc(PAGE).orElseThrow().virt()).as("the first free bit is reused first").isEqualTo(V1 + PAGE);
        assertThat(p.alloc(2 * PAGE).orElseThrow().virt()).as("a 2-page run does not fit in the 1-page hole").isEqualTo(V1 + 4 * PAGE);
    }

    @Test
    void aRunMayCrossBitmapWords_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 200 * PAGE, "a");
        p.alloc(60 * PAGE).orElseThrow();
        GenPool.Block<String> cross = p.alloc(80 * PAGE).orElseThrow();
        assertThat(cross.virt()).isEqualTo(V1 + 60 * PAGE);
        assertThat(p.availBytes()).isEqualTo(60 * PAGE);
        p.free(cross.virt(), cross.sizeBytes());
        assertThat(p.availBytes()).isEqualTo(140 * PAGE);
    }

    @Test
    void sizeZeroFails_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 16 * PAGE, "a");
        assertThat(p.alloc(0)).isEmpty();
        assertThat(p.availBytes()).isEqualTo(16 * PAGE);
    }

    @Test
    void aChunkWithFewerFreeBytesThanTheSizeIsSkipped_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 16 * PAGE, "old");
        p.addChunk(V2, 0, 4 * PAGE, "new");
        GenPool.Block<String> b = p.alloc(5 * PAGE).orElseThrow();
        assertThat(b.owner()).isEqualTo("old");
    }

    @Test
    void aChunkWhoseFirstBitmapWordIsFullIsStillSearchedPastIt_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 128 * PAGE, "a");
        for (int i = 0; i < 64; i++) {
            p.alloc(PAGE).orElseThrow();
        }
        assertThat(p.alloc(PAGE).orElseThrow().virt()).isEqualTo(V1 + 64 * PAGE);
        assertThat(p.alloc(63 * PAGE).orElseThrow().virt()).isEqualTo(V1 + 65 * PAGE);
        assertThat(p.alloc(PAGE)).as("every bit taken").isEmpty();
        assertThat(p.availBytes()).isZero();
    }

    @Test
    void singlePagesFillAChunkWhoseBitsEndMidWordAndNoMore_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 70 * PAGE, "a");
        for (int i = 0; i < 70; i++) {
            assertThat(p.alloc(PAGE).orElseThrow().virt()).isEqualTo(V1 + i * PAGE);
        }
        assertThat(p.alloc(PAGE)).isEmpty();
        p.free(V1 + 66 * PAGE, PAGE);
        p.free(V1 + 3 * PAGE, PAGE);
        assertThat(p.alloc(PAGE).orElseThrow().virt()).as("first fit").isEqualTo(V1 + 3 * PAGE);
        assertThat(p.alloc(PAGE).orElseThrow().virt()).isEqualTo(V1 + 66 * PAGE);
        assertThat(p.availBytes()).isZero();
    }

    @Test
    void aFullChunkOfLessThanOneWordIsSkippedForTheNextOne_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 16 * PAGE, "old");
        p.addChunk(V2, 0, 3 * PAGE, "new");
        assertThat(p.alloc(3 * PAGE).orElseThrow().owner()).isEqualTo("new");
        assertThat(p.alloc(PAGE).orElseThrow().owner()).isEqualTo("old");
    }

    @Test
    void enoughFreeBytesButNoRunFailsWithoutAPartialBlock_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 4 * PAGE, "a");
        GenPool.Block<String> b0 = p.alloc(PAGE).orElseThrow();
        GenPool.Block<String> b1 = p.alloc(PAGE).orElseThrow();
        p.alloc(PAGE).orElseThrow();
        p.free(b0.virt(), PAGE);
        assertThat(b1.virt()).isEqualTo(V1 + PAGE);
        assertThat(p.availBytes()).isEqualTo(2 * PAGE);
        assertThat(p.alloc(2 * PAGE)).as("2 free pages, not adjacent").isEmpty();
        assertThat(p.availBytes()).isEqualTo(2 * PAGE);
        assertThat(p.alloc(5 * PAGE)).isEmpty();
    }

    @Test
    void anEmptyPoolFails_spec1_3() {
        assertThat(pool().alloc(PAGE)).isEmpty();
    }

    @Test
    void hugeUnsignedSizesFail_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 16 * PAGE, "a");
        assertThat(p.alloc(-1L)).isEmpty();
        assertThat(p.alloc(Long.MIN_VALUE)).isEmpty();
    }

    @Test
    void freeClearsTheBitsAndReturnsTheChunkOwner_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 16 * PAGE, "a");
        GenPool.Block<String> b = p.alloc(3 * PAGE).orElseThrow();
        assertThat(p.free(b.virt(), b.sizeBytes())).isEqualTo("a");
        assertThat(p.availBytes()).isEqualTo(16 * PAGE);
        assertThat(p.alloc(16 * PAGE)).isPresent();
    }

    @Test
    void freeingWhatIsNotAllocatedIsAKernelBugAndChangesNothing_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 16 * PAGE, "a");
        GenPool.Block<String> b = p.alloc(PAGE).orElseThrow();
        assertThatThrownBy(() -> p.free(V1 + PAGE, PAGE)).isInstanceOf(IllegalStateException.class).hasMessageContaining("BUG");
        assertThatThrownBy(() -> p.free(V2, PAGE)).isInstanceOf(IllegalStateException.class).hasMessageContaining("no chunk");
        assertThatThrownBy(() -> p.free(V1 + 15 * PAGE, 2 * PAGE)).isInstanceOf(IllegalStateException.class).hasMessageContaining("past the end");
        assertThatThrownBy(() -> p.free(V1, 2 * PAGE)).as("half of it is free").isInstanceOf(IllegalStateException.class);
        assertThat(p.availBytes()).isEqualTo(15 * PAGE);
        p.free(b.virt(), PAGE);
        assertThatThrownBy(() -> p.free(b.virt(), PAGE)).as("double free").isInstanceOf(IllegalStateException.class);
        assertThat(p.availBytes()).isEqualTo(16 * PAGE);
    }

    @Test
    void virtToPhysUsesTheFirstChunkHoldingTheAddressElseAllOnes_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0x1000_0000L, 16 * PAGE, "a");
        assertThat(p.virtToPhys(V1)).isEqualTo(0x1000_0000L);
        assertThat(p.virtToPhys(V1 + 16 * PAGE - 1)).isEqualTo(0x1000_0000L + 16 * PAGE - 1);
        assertThat(p.virtToPhys(V1 + 16 * PAGE)).isEqualTo(-1L);
        assertThat(p.virtToPhys(V1 - 1)).isEqualTo(-1L);
        p.addChunk(V1 + 8 * PAGE, 0x7000_0000L, 16 * PAGE, "overlapping, newer");
        assertThat(p.virtToPhys(V1 + 8 * PAGE)).as("the newer chunk is first in the list").isEqualTo(0x7000_0000L);
        assertThat(p.virtToPhys(V1)).isEqualTo(0x1000_0000L);
        assertThat(p.ownerOf(V1 + 9 * PAGE)).contains("overlapping, newer");
        assertThat(p.ownerOf(V2)).isEmpty();
    }

    @Test
    void aChunkTooLargeForItsBitmapIsRefusedWithEnomem_spec1_3() {
        GenPool<String> p = new GenPool<>(0);
        assertThat(p.addChunk(V1, 0, 1L << 40, "huge")).contains(Errno.ENOMEM);
        assertThat(p.sizeBytes()).isZero();
    }

    @Test
    void tailBytesShortOfAGranuleCountInTheSizeButAreNeverHandedOut_spec1_3() {
        GenPool<String> p = pool();
        p.addChunk(V1, 0, 2 * PAGE + 100, "a");
        assertThat(p.sizeBytes()).isEqualTo(2 * PAGE + 100);
        assertThat(p.alloc(2 * PAGE + 100)).as("needs 3 granules of a 2-granule bitmap").isEmpty();
        assertThat(p.alloc(2 * PAGE)).isPresent();
    }

    @Test
    void invalidArgumentsFailFast() {
        assertThatThrownBy(() -> new GenPool<String>(31)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool().addChunk(V1, 0, 0, "a")).isInstanceOf(IllegalArgumentException.class);
    }
}
