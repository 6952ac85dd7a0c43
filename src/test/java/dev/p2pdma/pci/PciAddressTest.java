package dev.p2pdma.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PCI addresses: parsing, formatting and ordering as sysfs and the kernel write them. */
class PciAddressTest {

    @Test
    void parsesFullAndShortFormsAndPrintsTheKernelsForm() {
        assertThat(PciAddress.parse("0000:00:04.0")).isEqualTo(new PciAddress(0, 0, 4, 0));
        assertThat(PciAddress.parse("3b:1f.7")).isEqualTo(new PciAddress(0, 0x3b, 0x1f, 7));
        assertThat(new PciAddress(0, 0x3b, 0x1f, 7).toString()).isEqualTo("0000:3b:1f.7");
    }

    @Test
    void thirtyTwoBitDomainsKeepAllTheirDigits() {
        PciAddress a = PciAddress.parse("10000:00:04.0");
        assertThat(a.domain()).isEqualTo(0x10000);
        assertThat(a.toString()).isEqualTo("10000:00:04.0");
        PciAddress top = PciAddress.parse("ffffffff:00:00.0");
        assertThat(top.toString()).isEqualTo("ffffffff:00:00.0");
        assertThat(top).isGreaterThan(a);
        assertThat(PciAddress.hostBridgeName(0x10000, 0)).isEqualTo("pci10000:00");
    }

    @Test
    void ordersByDomainBusDeviceFunction() {
        List<PciAddress> l = new ArrayList<>(List.of(PciAddress.parse("0001:00:00.0"), PciAddress.parse("0000:01:00.0"),
                PciAddress.parse("0000:00:1f.3"), PciAddress.parse("0000:00:1f.2")));
        Collections.sort(l);
        assertThat(l).extracting(PciAddress::toString).containsExactly("0000:00:1f.2", "0000:00:1f.3", "0000:01:00.0", "0001:00:00.0");
    }

    @Test
    void rejectsMalformedAddresses() {
        for (String bad : List.of("", "00:04", "0000:00:20.0", "0000:00:04.8", "0000:100:04.0", "x:00:04.0", "0000:00:04.0.1", "123456789:00:00.0")) {
            assertThat(PciAddress.tryParse(bad)).as(bad).isEmpty();
        }
        assertThatThrownBy(() -> PciAddress.parse("zz")).hasMessageContaining("'zz'");
    }

    @Test
    void theCacheKeyIsDomainBusDevfn_spec1_11() {
        assertThat(PciAddress.parse("0001:02:03.4").cacheKey()).isEqualTo((1L << 16) | (2 << 8) | (3 << 3 | 4));
    }
}
