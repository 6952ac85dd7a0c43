package dev.p2pdma.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.pci.io.ImportException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Scenario files: the format, and one clear line for every kind of bad input. */
class MapScenarioReaderTest {

    private static final String GOOD = """
            topology:
              sysfs: capture.tar.gz
              kernel_params: [pci=disable_acs_redir=0000:00:04.0]
            ram: 1GiB
            direction: to_device
            providers:
              - {device: 0000:01:00.0, bar: 2}
            client:
              device: 0000:01:00.1
              dma_mask_bits: 32
              max_segment_size: 64KiB
            sg:
              - ram: {phys: 0x100000, length: 8KiB}
              - p2pmem: {provider: 0000:01:00.0, length: 4096, offset: 512}
            """;

    private static MapScenario read(String text) throws ImportException {
        return MapScenarioReader.read(text, "s.yaml", Path.of("/cases"));
    }

    @Test
    void aCompleteScenarioReadsWithDefaultsFilledIn() throws Exception {
        MapScenario s = read(GOOD);
        assertThat(s.topology().path()).isEqualTo(Path.of("/cases/capture.tar.gz"));
        assertThat(s.topology().kernelParams()).containsExactly("pci=disable_acs_redir=0000:00:04.0");
        assertThat(s.ramBytes()).isEqualTo(1L << 30);
        assertThat(s.era()).isEqualTo("sg");
        assertThat(s.client().dmaMask()).isEqualTo(0xFFFF_FFFFL);
        assertThat(s.client().coherentDmaMask()).isEqualTo(-1L);
        assertThat(s.client().maxSegmentSize()).isEqualTo(65536);
        assertThat(s.client().backend()).isEqualTo("direct");
        assertThat(s.providers()).singleElement().satisfies(p -> assertThat(p.publish()).isTrue());
        assertThat(s.pieces()).hasSize(2);
        assertThat(s.pieces().get(1)).isInstanceOfSatisfying(MapScenario.P2pPiece.class, p -> assertThat(p.offsetBytes()).isEqualTo(512));
    }

    private static void bad(String text, String... mentions) {
        assertThatThrownBy(() -> read(text)).isInstanceOf(ImportException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains("(s.yaml").doesNotContain("\n").contains(mentions));
    }

    @Test
    void zeroLengthsAreRefused() {
        bad(GOOD.replace("length: 8KiB", "length: 0"), "s.yaml line 13", "must not be zero");
    }

    @Test
    void offsetsPastAPageAreRefused() {
        bad(GOOD.replace("offset: 512", "offset: 4096"), "past the first page");
    }

    @Test
    void ramPiecesThatWrapOrOverlapAreRefused() {
        bad(GOOD.replace("phys: 0x100000", "phys: 0xfffffffffffff000"), "wraps around");
        bad(GOOD.replace("  - p2pmem: {provider: 0000:01:00.0, length: 4096, offset: 512}", "  - ram: {phys: 0x101000, length: 4096}"),
                "s.yaml line 14", "overlaps the piece on line 13");
    }

    @Test
    void masksWiderThan64BitsAreRefused() {
        bad(GOOD.replace("dma_mask_bits: 32", "dma_mask_bits: 65"), "field 'dma_mask_bits' of client must be 0..64, got 65");
        bad(GOOD.replace("dma_mask_bits: 32", "dma_mask: 0x1ffffffffffffffff"), "field 'dma_mask' of client must be 0x0..0xffffffffffffffff (64 bits)");
    }

    @Test
    void malformedAddressesUnknownFieldsAndChoicesAreNamed() {
        bad(GOOD.replace("device: 0000:01:00.1", "device: 01:00"), "field 'device' of client must be a PCI address", "got '01:00'");
        bad(GOOD.replace("ram: 1GiB", "rams: 1GiB"), "unknown field 'rams'");
        bad(GOOD.replace("direction: to_device", "direction: sideways"), "field 'direction' of the scenario must be one of to_device, from_device, bidirectional; got 'sideways'");
        bad(GOOD.replace("sysfs: capture.tar.gz", "sysfs: a\n  hwloc: b"), "both sysfs and hwloc");
        bad("topology: {sysfs: x}\nclient: {device: 0000:01:00.0}\nsg: []\n", "at least one piece");
        bad("a: &x [1]\nb: *x\n", "anchors", "not allowed");
    }

    @Test
    void aMisspeltScenarioKeyGetsTheSameDidYouMeanAsATopologyFile() {
        bad(GOOD.replace("dma_mask_bits: 32", "dma_mask_bitz: 32"),
                "unknown field 'dma_mask_bitz' in client, did you mean 'dma_mask_bits'? (s.yaml line 10)");
        bad(GOOD.replace("providers:", "provders:"), "unknown field 'provders' in the scenario, did you mean 'providers'?", "s.yaml line 6");
        bad(GOOD.replace("- ram: {phys", "- rem: {phys"), "unknown field 'rem' in an sg piece, did you mean 'ram'?", "s.yaml line 13");
    }

    @Test
    void aMisspeltChoiceIsSuggested() {
        bad(GOOD.replace("direction: to_device", "direction: to_devise"), "got 'to_devise', did you mean 'to_device'? (s.yaml line 5)");
    }
}
