package dev.p2pdma.pci;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Port types of functions whose config space was too short to show them, inferred from the tree. */
class PortTypeInferenceTest {

    private static PciFunction bridge(String a, int cls, int secondary) {
        return PciFunction.builder(PciAddress.parse(a)).ids(0x10b5, 0x9781).classCode(cls).headerType(1).busRange(secondary, secondary)
                .config(new byte[64]).build();
    }

    private static PciFunction device(String a) {
        return PciFunction.builder(PciAddress.parse(a)).ids(0x10de, 0x1db8).classCode(0x030200).headerType(0).config(new byte[64]).build();
    }

    private static PciTopology tree() {
        HostBridge hb = new HostBridge(0, 0);
        return PciTopology.builder(MachineInfo.unknown("t"))
                .add(bridge("0000:00:01.0", 0x060400, 1), new Parent.RootBus(hb))
                .add(bridge("0000:01:00.0", 0x060400, 2), new Parent.Bridge(PciAddress.parse("0000:00:01.0")))
                .add(bridge("0000:02:00.0", 0x060400, 3), new Parent.Bridge(PciAddress.parse("0000:01:00.0")))
                .add(device("0000:03:00.0"), new Parent.Bridge(PciAddress.parse("0000:02:00.0")))
                .add(device("0000:00:02.0"), new Parent.RootBus(hb))
                .add(bridge("0000:00:1e.0", 0x060401, 4), new Parent.RootBus(hb))
                .add(device("0000:04:00.0"), new Parent.Bridge(PciAddress.parse("0000:00:1e.0")))
                .build();
    }

    private static PortType type(PciTopology t, String a) {
        return t.function(PciAddress.parse(a)).map(PciFunction::portType).orElseThrow();
    }

    @Test
    void bridgesAlternateRootUpstreamDownstreamAndEndpointsSitBelow() {
        PciTopology t = PortTypeInference.inferUnknown(tree());
        assertThat(type(t, "0000:00:01.0")).isEqualTo(PortType.ROOT_PORT);
        assertThat(type(t, "0000:01:00.0")).isEqualTo(PortType.UPSTREAM_PORT);
        assertThat(type(t, "0000:02:00.0")).isEqualTo(PortType.DOWNSTREAM_PORT);
        assertThat(type(t, "0000:03:00.0")).isEqualTo(PortType.ENDPOINT);
        assertThat(type(t, "0000:00:02.0")).isEqualTo(PortType.RC_INTEGRATED_ENDPOINT);
        assertThat(t.function(PciAddress.parse("0000:01:00.0")).orElseThrow().problems())
                .containsExactly("port type inferred from the tree, not read: switch upstream port (a PCI-to-PCI bridge below a root port)");
    }

    @Test
    void subtractiveDecodeBridgesAndWhatIsBelowThemStayUnknown() {
        PciTopology t = PortTypeInference.inferUnknown(tree());
        assertThat(type(t, "0000:00:1e.0")).isEqualTo(PortType.UNKNOWN);
        assertThat(type(t, "0000:04:00.0")).isEqualTo(PortType.UNKNOWN);
    }

    @Test
    void typesThatWereReadAreNeverChanged() {
        PciTopology t = tree();
        PciFunction read = t.function(PciAddress.parse("0000:01:00.0")).orElseThrow().toBuilder().portType(PortType.DOWNSTREAM_PORT).build();
        PciTopology withRead = t.withFunctions(java.util.Map.of(read.address(), read));
        assertThat(type(PortTypeInference.inferUnknown(withRead), "0000:01:00.0")).isEqualTo(PortType.DOWNSTREAM_PORT);
    }
}
