package dev.p2pdma.p2pdma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.sg.BusAddressMark;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Spec 0.1, 3.2, 3.3, 9.2, 9.4: each era carries the scatterlist DMA behaviour the kernel of that era has, as data. */
class EraTest {

    /**
     * The expected behaviour of every era whose dma_map_sg() knows P2PDMA pages, written from the
     * spec (not from the code): tag, mark, unmap clears the mark, bus-address formula,
     * dma_map_sg() returns errno, dma_map_sgtable() keeps the errno, the core normalises, backends
     * return errno, dma-direct poisons the unreachable entry, the ops flag grants P2P.
     */
    static Stream<Arguments> eras() {
        return Stream.of(
                Arguments.of(Era.RFC, "rfc", BusAddressMark.PAGE_LINK, false, BusAddressFormula.RFC_V2, true, false, false, false, true, true),
                Arguments.of(Era.SG, "sg", BusAddressMark.DMA_FLAGS, true, BusAddressFormula.PHYS_PLUS_BUS_OFFSET, false, true, true, true, false,
                        false),
                Arguments.of(Era.IOVA25, "iova25", BusAddressMark.DMA_FLAGS, true, BusAddressFormula.PHYS_PLUS_BUS_OFFSET, false, true, true, true,
                        false, false),
                Arguments.of(Era.NEXT, "next", BusAddressMark.DMA_FLAGS, true, BusAddressFormula.PHYS_PLUS_BUS_OFFSET, false, true, true, true,
                        false, false));
    }

    @Test
    void everyEraButPreHasAScatterlistP2pBehaviourAndTheTableCoversThemAll_spec0_1() {
        assertThat(Era.PRE.sgDma()).as("PRE: drivers called pci_p2pdma_map_sg_attrs(), dma_map_sg() knew no P2PDMA pages").isEmpty();
        assertThat(Arrays.stream(Era.values()).filter(e -> e.sgDma().isPresent()))
                .containsExactlyElementsOf(eras().map(a -> (Era) a.get()[0]).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("eras")
    void eachEraCarriesItsScatterlistDmaBehaviour_spec3_2_spec9(Era era, String tag, BusAddressMark mark, boolean unmapClears,
            BusAddressFormula formula, boolean mapSgErrno, boolean sgtableErrno, boolean normalises, boolean backendsErrno, boolean poisons,
            boolean opsFlag) {
        assertThat(era.tag()).isEqualTo(tag);
        SgDmaBehaviour b = era.sgDma().orElseThrow();
        assertThat(b.mark()).as("mark").isEqualTo(mark);
        assertThat(b.unmapClearsMark()).as("unmap clears the mark").isEqualTo(unmapClears);
        assertThat(b.busAddress()).as("bus address formula").isEqualTo(formula);
        assertThat(b.dmaMapSgReturnsErrno()).as("dma_map_sg() returns an errno").isEqualTo(mapSgErrno);
        assertThat(b.sgtableKeepsErrno()).as("dma_map_sgtable() keeps the errno").isEqualTo(sgtableErrno);
        assertThat(b.coreNormalisesReturn()).as("__dma_map_sg_attrs() normalises").isEqualTo(normalises);
        assertThat(b.backendsReturnErrno()).as("map_sg implementations return an errno").isEqualTo(backendsErrno);
        assertThat(b.poisonsUnreachableEntry()).as("dma-direct poisons the unreachable entry").isEqualTo(poisons);
        assertThat(b.opsFlagGrantsP2p()).as("DMA_F_PCI_P2PDMA_SUPPORTED counts").isEqualTo(opsFlag);
    }

    @Test
    void theMergedFormulaAddsTheBusOffsetAndTheRfcCountsTheOffsetTwiceAndSubtracts_spec1_14_spec9_2() {
        long phys = 0x1_0000_0040L;
        assertThat(BusAddressFormula.PHYS_PLUS_BUS_OFFSET.busAddress(phys, 0x40, 0x2000)).isEqualTo(0x1_0000_2040L);
        assertThat(BusAddressFormula.RFC_V2.busAddress(phys, 0x40, 0x2000)).isEqualTo(0x1_0000_0080L - 0x2000);
    }

    @Test
    void erasAreInKernelOrderSoWhitelistRowsApplyFromTheirFirstEra_spec1_10() {
        assertThat(Era.SG.atLeast(Era.PRE)).isTrue();
        assertThat(Era.SG.atLeast(Era.SG)).isTrue();
        assertThat(Era.SG.atLeast(Era.IOVA25)).isFalse();
        assertThat(Era.NEXT.atLeast(Era.IOVA25)).isTrue();
    }

    @Test
    void everyTagReadsBackAsItsEraInAnyCase_scenarioFiles() {
        for (Era e : Era.values()) {
            assertThat(Era.ofTag(e.tag())).isEqualTo(e);
            assertThat(Era.ofTag(e.tag().toUpperCase(Locale.ROOT))).isEqualTo(e);
        }
        assertThat(Arrays.stream(Era.values()).map(Era::tag)).doesNotHaveDuplicates();
    }

    @Test
    void anUnknownTagIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Era.ofTag("v6.12")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown era 'v6.12': one of [pre, rfc, sg, iova25, next]");
    }
}
