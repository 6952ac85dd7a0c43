package dev.p2pdma.base;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Sizes in words: the largest binary unit that divides exactly, bytes otherwise, TiB the largest unit. */
class BinarySizeTest {

    @Test
    void theLargestExactUnitIsUsed() {
        assertThat(BinarySize.text(64L << 20, "B")).isEqualTo("64 MiB");
        assertThat(BinarySize.text(1536L << 10, "B")).isEqualTo("1536 KiB");
        assertThat(BinarySize.text(4096L << 40, "B")).isEqualTo("4096 TiB");
    }

    @Test
    void aSizeThatIsNoWholeKibibyteIsInTheCallersByteUnit() {
        assertThat(BinarySize.text(1000, "bytes")).isEqualTo("1000 bytes");
        assertThat(BinarySize.text(0, "B")).isEqualTo("0 B");
        assertThat(BinarySize.text(1023, "B")).isEqualTo("1023 B");
    }
}
