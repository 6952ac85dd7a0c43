package dev.p2pdma.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Numbers in addresses, device lists and CPU flags are ASCII digits only: Java's
 * {@code Character.digit} and {@code Integer.parseInt} also take Arabic-Indic, fullwidth and other
 * Unicode digits, which no kernel, sysfs or lspci ever writes.
 */
class AsciiDigitsTest {

    /** Arabic-Indic one and two, fullwidth zero, Devanagari zero. */
    private static final List<String> NON_ASCII_ADDRESSES = List.of(
            "\u0661\u0662:00.0", "0000:\u0661\u0662:00.0", "00:0\u0664.0", "12:00.\u0660", "\uff10\uff10\uff10\uff10:00:00.0", "00:04.\u0966");

    @Test
    void pciAddressesAcceptOnlyAsciiHexDigits() {
        for (String bad : NON_ASCII_ADDRESSES) {
            assertThat(PciAddress.tryParse(bad)).as(bad).isEmpty();
        }
        assertThat(PciAddress.tryParse("0000:AB:1f.7")).contains(new PciAddress(0, 0xab, 0x1f, 7));
    }

    @Test
    void kernelDeviceListsAcceptOnlyAsciiHexDigits() {
        assertThat(PciDeviceSelector.parse("0000:00:04.0/\u0661.0").parseError()).isPresent();
        assertThat(PciDeviceSelector.parse("pci:8086:\u0661\u0662\u0663\u0664").parseError()).isPresent();
        assertThat(PciDeviceSelector.parse("\u0661\u0662:00.0").parseError()).isPresent();
        assertThat(PciDeviceSelector.parse("0000:00:04.0/1.0;pci:8086:1234").parseError()).isEmpty();
    }

    @Test
    void cpuFlagsAcceptOnlyAsciiDigits() {
        assertThatThrownBy(() -> CpuInfo.parseFlag("intel:\u0666")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--cpu");
        assertThatThrownBy(() -> CpuInfo.parseFlag("amd:0x\u0661\u0667")).isInstanceOf(IllegalArgumentException.class);
        assertThat(CpuInfo.parseFlag("amd:0x17").family()).isEqualTo(0x17);
    }
}
