package dev.p2pdma.p2pdma;

import static dev.p2pdma.testing.Topo.noAcs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.testing.Topo;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec 12.1 (M7-M12): every host-bridge allowlist row added after 6.12, on a synthetic machine
 * whose host bridge is that device: NOT_SUPPORTED on the version before the row, THRU_HOST_BRIDGE
 * from it on, and REQ_SAME_HOST_BRIDGE rows still refusing a pair below two host bridges.
 */
class KernelVersionAllowlistTest {

    /** Every row the 6.12 table does not have. */
    static Stream<HostBridgeWhitelist.Entry> addedRows() {
        return HostBridgeWhitelist.allRows().stream().filter(e -> e.since().compareTo(KernelVersion.V6_12) > 0);
    }

    /** The host-bridge device id a synthetic machine uses for a row (any id for the wildcard row). */
    private static int deviceOf(HostBridgeWhitelist.Entry e) {
        return e.device() == HostBridgeWhitelist.ANY_DEVICE ? 0x0042 : e.device();
    }

    /** Two root ports below one host bridge whose 00.0 device is {@code vendor:device}, an endpoint below each. */
    private static PciTopology oneHostBridge(int vendor, int device) {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", vendor, device)
                .rootPort("0000:00:04.0", 1, noAcs()).rootPort("0000:00:05.0", 2, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs()).endpoint("0000:02:00.0", "0000:00:05.0", noAcs()).build();
    }

    /** Two host bridges (buses 00 and 80) with the same device, an endpoint below a root port on each. */
    private static PciTopology twoHostBridges(int vendor, int device) {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", vendor, device).hostBridgeDevice("0000:80:00.0", vendor, device)
                .rootPort("0000:00:04.0", 1, noAcs()).rootPort("0000:80:04.0", 0x81, noAcs())
                .endpoint("0000:01:00.0", "0000:00:04.0", noAcs()).endpoint("0000:81:00.0", "0000:80:04.0", noAcs()).build();
    }

    private static MapType type(PciTopology t, KernelVersion k, String p, String c) {
        return P2pDmaDecision.of(t, DecisionOptions.defaults().withKernel(k)).verdict(PciAddress.parse(p), PciAddress.parse(c)).mapType();
    }

    @ParameterizedTest
    @MethodSource("addedRows")
    void aRowAdmitsItsHostBridgeFromItsVersionOnAndNotBefore_spec12_1(HostBridgeWhitelist.Entry e) {
        PciTopology t = oneHostBridge(e.vendor(), deviceOf(e));
        KernelVersion before = new KernelVersion(e.since().major(), e.since().minor() - 1);
        assertThat(type(t, KernelVersion.V6_12, "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(type(t, before, "0000:01:00.0", "0000:02:00.0")).as("Linux " + before).isEqualTo(MapType.NOT_SUPPORTED);
        assertThat(type(t, e.since(), "0000:01:00.0", "0000:02:00.0")).as("Linux " + e.since()).isEqualTo(MapType.THRU_HOST_BRIDGE);
        assertThat(type(t, KernelVersion.NEXT, "0000:01:00.0", "0000:02:00.0")).isEqualTo(MapType.THRU_HOST_BRIDGE);
    }

    @ParameterizedTest
    @MethodSource("addedRows")
    void aPairBelowTwoHostBridgesPassesOnlyRowsWithoutReqSameHostBridge_spec1_10_and_12_1(HostBridgeWhitelist.Entry e) {
        PciTopology t = twoHostBridges(e.vendor(), deviceOf(e));
        assertThat(type(t, e.since(), "0000:01:00.0", "0000:81:00.0"))
                .isEqualTo(e.requireSameBridge() ? MapType.NOT_SUPPORTED : MapType.THRU_HOST_BRIDGE);
        assertThat(type(t, new KernelVersion(e.since().major(), e.since().minor() - 1), "0000:01:00.0", "0000:81:00.0"))
                .isEqualTo(MapType.NOT_SUPPORTED);
    }

    @ParameterizedTest
    @MethodSource("addedRows")
    void theExplanationNamesTheRowOnlyOnVersionsThatHaveIt_spec12_1(HostBridgeWhitelist.Entry e) {
        PciTopology t = oneHostBridge(e.vendor(), deviceOf(e));
        P2pVerdict now = P2pDmaDecision.of(t, DecisionOptions.defaults().withKernel(e.since()))
                .verdict(PciAddress.parse("0000:01:00.0"), PciAddress.parse("0000:02:00.0"));
        assertThat(now.reasons()).anySatisfy(r -> assertThat(r).contains("is whitelisted (" + e.comment() + ")"));
        P2pVerdict then = P2pDmaDecision.of(t).verdict(PciAddress.parse("0000:01:00.0"), PciAddress.parse("0000:02:00.0"));
        assertThat(then.reasons()).anySatisfy(r -> assertThat(r).contains("is not in the P2PDMA whitelist"));
    }
}
