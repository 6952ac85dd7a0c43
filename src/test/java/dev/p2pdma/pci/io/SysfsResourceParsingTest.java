package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.Bar;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sysfs resource file: the first six lines are BARs 0..5, decoded from the IORESOURCE flags. */
class SysfsResourceParsingTest {

    private static final String RESOURCE = String.join("\n",
            "0x000000000000c000 0x000000000000c07f 0x0000000000040101",
            "0x00000000fe800000 0x00000000fe803fff 0x0000000000040200",
            "0x00000000f4000000 0x00000000f7ffffff 0x000000000014220c",
            "0x0000000000000000 0x0000000000000000 0x0000000000000000",
            "0x0000000000000000 0x0000000000000000 0x0000000000140204",
            "0x0000000000001000 0x0000000000001fff 0x0000000000000000",
            "0x00000000fea00000 0x00000000fea3ffff 0x0000000000046200",
            "") + "\n";

    @Test
    void barsAreDecodedFromTheFirstSixLines() throws Exception {
        List<Bar> bars = SysfsImporter.bars("resource", RESOURCE);
        assertThat(bars).containsExactly(
                new Bar(0, 0xc000L, 0x80, false, false, false),
                new Bar(1, 0xfe800000L, 0x4000, true, false, false),
                new Bar(2, 0xf4000000L, 0x4000000, true, true, true));
    }

    @Test
    void allZeroAndFlaglessLinesAreSkippedAndTheRomLineIsIgnored() throws Exception {
        assertThat(SysfsImporter.bars("resource", RESOURCE)).extracting(Bar::index).containsExactly(0, 1, 2);
    }

    @Test
    void fullWidthAddressesAreUnsigned() throws Exception {
        List<Bar> bars = SysfsImporter.bars("resource", "0xfffffff000000000 0xfffffff0ffffffff 0x0000000000142200\n");
        assertThat(bars).singleElement().satisfies(b -> {
            assertThat(b.cpuAddress()).isEqualTo(0xfffffff000000000L);
            assertThat(b.sizeBytes()).isEqualTo(1L << 32);
        });
    }
}
