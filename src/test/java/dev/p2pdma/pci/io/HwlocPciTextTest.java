package dev.p2pdma.pci.io;

import dev.p2pdma.pci.PciAddress;
import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** The text forms of hwloc's PCI attributes. */
class HwlocPciTextTest {

    @Test
    void busIdTakesDomainsOfUpToEightHexDigits() {
        assertThat(HwlocPciText.busId("0000:00:1f.2")).contains(new PciAddress(0, 0, 0x1f, 2));
        assertThat(HwlocPciText.busId("10000:e1:00.0")).contains(new PciAddress(0x10000, 0xe1, 0, 0));
        assertThat(HwlocPciText.busId("ffffffff:ff:1f.7")).contains(new PciAddress(0xffffffff, 0xff, 0x1f, 7));
        assertThat(HwlocPciText.busId("00:1f.2")).isEmpty();
        assertThat(HwlocPciText.busId("0000:00:20.0")).isEmpty();
    }

    @Test
    void pciTypeReadsTheProgrammingInterfaceWhenPresentAndIgnoresLaterFields() {
        HwlocPciText.PciType seven = HwlocPciText.pciType("0101 [8086:3a20] [1028:02d3] 00 8f").orElseThrow();
        assertThat(seven).isEqualTo(new HwlocPciText.PciType(0x0101, 0x8086, 0x3a20, 0x1028, 0x02d3, 0, OptionalInt.of(0x8f)));
        assertThat(seven.classCode()).isEqualTo(0x01018f);
        HwlocPciText.PciType six = HwlocPciText.pciType("0604 [8086:244e] [0000:0000] 90").orElseThrow();
        assertThat(six.progIf()).isEmpty();
        assertThat(six.classCode()).isEqualTo(0x060400);
        assertThat(six.revision()).isEqualTo(0x90);
        assertThat(HwlocPciText.pciType("0200 [14e4:1639] [1028:02d3] 20 00 future stuff")).isPresent();
    }

    @Test
    void bridgePciNeedsSecondaryNotAboveSubordinate() {
        assertThat(HwlocPciText.bridgePci("0000:[2c-3b]")).contains(new HwlocPciText.BusRange(0, 0x2c, 0x3b));
        assertThat(HwlocPciText.bridgePci("0000:[00-00]")).isPresent();
        assertThat(HwlocPciText.bridgePci("0000:[3b-2c]")).isEmpty();
        assertThat(new HwlocPciText.BusRange(0x10000, 1, 2).text()).isEqualTo("10000:[01-02]");
    }

    @Test
    void bridgeTypeIsTwoNumbers() {
        assertThat(HwlocPciText.bridgeType("0-1")).contains(HwlocPciText.BridgeType.HOST);
        assertThat(HwlocPciText.bridgeType("1-1")).contains(HwlocPciText.BridgeType.PCI);
        assertThat(HwlocPciText.bridgeType("1")).isEmpty();
    }

    @Test
    void linkSpeedIsAFiniteNonNegativeNumber() {
        assertThat(HwlocPciText.linkSpeed("15.753846")).contains(15.753846);
        assertThat(HwlocPciText.linkSpeed("0.000000")).contains(0.0);
        assertThat(HwlocPciText.linkSpeed("-1")).isEmpty();
        assertThat(HwlocPciText.linkSpeed("NaN")).isEmpty();
        assertThat(HwlocPciText.linkSpeed("1e999")).isEmpty();
    }
}
