package dev.p2pdma.p2pdma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The story {@code p2pdma explain} tells of one calc_map_type_and_dist() walk (spec 1.7-1.10), and the silent one of every other verdict. */
class VerdictNarrationTest {

    /** {@link ProviderFixtures#switchHost()}: an Intel q35 host with a switch below root port 00:04.0 and NVMe 06:00.0 below 00:05.0. */
    private static final PciTopology T = ProviderFixtures.switchHost();

    private static int idx(String a) {
        return T.indexOf(PciAddress.parse(a));
    }

    @Test
    void theSilentNarrationRecordsNothingAndItsStepsAreAnEmptyUnmodifiableList() {
        VerdictNarration silent = VerdictNarration.SILENT;
        silent.verdict(MapType.BUS_ADDR, 0);
        silent.whitelist("anything");
        assertThat(silent.steps()).isEmpty();
        assertThatThrownBy(() -> silent.steps().add("x")).as("an empty list refuses additions instead of dropping them")
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aToldNarrationKeepsItsStepsInTheOrderTold() {
        VerdictNarration told = VerdictNarration.told(T);
        told.whitelist("first");
        told.verdict(MapType.NOT_SUPPORTED, 3);
        assertThat(told.steps()).containsExactly("first", "verdict: NOT_SUPPORTED, distance 3");
    }

    @Test
    void onlyExplainedVerdictsCarryTheWalk_spec1_9() {
        P2pDmaDecision d = P2pDmaDecision.of(T);
        assertThat(d.verdict(idx("0000:03:00.0"), idx("0000:04:00.0")).steps()).isEmpty();
        assertThat(d.explain(idx("0000:03:00.0"), idx("0000:04:00.0")).steps()).isNotEmpty();
    }

    @Test
    void belowOneSwitchTheStoryNamesTheCommonUpstreamPortAndEveryAcsStateChecked_spec1_9_spec1_10() {
        List<String> steps = P2pDmaDecision.of(T).explain(idx("0000:03:00.0"), idx("0000:04:00.0")).steps();
        assertThat(steps).containsExactly(
                "provider chain: 0000:03:00.0 -> 0000:02:00.0 -> 0000:01:00.0 -> 0000:00:04.0 (root bus of " + T.hostBridgeOf(idx("0000:03:00.0")) + ")",
                "client chain:   0000:04:00.0 -> 0000:02:01.0 -> 0000:01:00.0 -> 0000:00:04.0 (root bus of " + T.hostBridgeOf(idx("0000:04:00.0")) + ")",
                "nearest common upstream device: 0000:01:00.0 (switch upstream port), 2 step(s) up from the provider and 2 down to the client: distance 4",
                "ACS checked on the provider's chain up to and including the common device, and the client's chain below it: "
                        + "0000:03:00.0 [no ACS], 0000:02:00.0 [no ACS], 0000:01:00.0 [no ACS], 0000:04:00.0 [no ACS], 0000:02:01.0 [no ACS]",
                "verdict: BUS_ADDR, distance 4");
    }

    @Test
    void acrossRootPortsTheStoryGoesThroughTheCpuRuleAndTheWhitelist_spec1_8_spec1_10() {
        List<String> steps = P2pDmaDecision.of(T).explain(idx("0000:03:00.0"), idx("0000:06:00.0")).steps();
        assertThat(steps).hasSize(6);
        assertThat(steps.get(2)).isEqualTo("no common upstream device: the traffic must cross the host bridge; distance = 4 + 2 = 6"
                + " (ACS is not examined on this route)");
        assertThat(steps.get(3)).startsWith("cpu_supports_p2pdma(): no (").endsWith("); checking the host-bridge whitelist");
        assertThat(steps.get(4)).contains("is not in the P2PDMA whitelist");
        assertThat(steps.get(5)).isEqualTo("verdict: NOT_SUPPORTED, distance 6");
    }
}
