package dev.p2pdma.pci;

import static dev.p2pdma.testing.Topo.acs;
import static dev.p2pdma.testing.Topo.noAcs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.testing.Topo;
import org.junit.jupiter.api.Test;

/** Spec 1.16 as corrected by 11.3: device lists and the boot-time ACS programming. */
class KernelAcsParametersTest {

    /** Root port 00:04.0 -> switch 01:00.0 -> downstream ports 02:00.0 / 02:01.0 (with ACS) -> endpoints. */
    private static PciTopology tree(int downstreamCtrl) {
        return Topo.intel().hostBridgeDevice("0000:00:00.0", 0x8086, Topo.Q35_HOST)
                .rootPort("0000:00:04.0", 1, acs(0x001d))
                .bridge("0000:01:00.0", PortType.UPSTREAM_PORT, 2, noAcs(), "0000:00:04.0")
                .bridge("0000:02:00.0", PortType.DOWNSTREAM_PORT, 3, acs(downstreamCtrl), "0000:01:00.0")
                .bridge("0000:02:01.0", PortType.DOWNSTREAM_PORT, 4, acs(downstreamCtrl), "0000:01:00.0")
                .endpoint("0000:03:00.0", "0000:02:00.0", noAcs()).endpoint("0000:04:00.0", "0000:02:01.0", noAcs()).build();
    }

    private static boolean matches(String list, PciTopology t, String addr) {
        return PciDeviceSelector.parse(list).matches(t, t.indexOf(PciAddress.parse(addr)));
    }

    @Test
    void aFullAddressOrOneWithoutDomainSelectsThatDevice_spec1_16() {
        PciTopology t = tree(0x1d);
        assertThat(matches("0000:02:01.0", t, "0000:02:01.0")).isTrue();
        assertThat(matches("02:01.0", t, "0000:02:01.0")).isTrue();
        assertThat(matches("02:01.0", t, "0000:02:00.0")).isFalse();
    }

    @Test
    void listsAreSeparatedBySemicolonsOrCommas_spec11_3() {
        PciTopology t = tree(0x1d);
        assertThat(matches("0000:02:00.0;0000:02:01.0", t, "0000:02:01.0")).isTrue();
        assertThat(matches("pci:1234:5678,0000:02:01.0", t, "0000:02:01.0")).isTrue();
    }

    @Test
    void idFormWithZeroFieldsMatchesEveryDevice_conformanceAcsredirOff() {
        PciTopology t = tree(0x1d);
        for (PciFunction f : t.functions()) {
            assertThat(PciDeviceSelector.parse("pci:0:0").matches(t, t.indexOf(f.address()))).isTrue();
        }
        assertThat(matches("pci:1b36:000c", t, "0000:02:00.0")).isTrue();
        assertThat(matches("pci:1b36:000c", t, "0000:03:00.0")).isFalse();
        assertThat(matches("pci:1b36:000c:1:2", t, "0000:02:00.0")).isFalse();
    }

    @Test
    void pathFormWalksUpFromTheDeviceThroughEachUpstreamBridge_spec1_16() {
        PciTopology t = tree(0x1d);
        assertThat(matches("0000:00:04.0/00.0/01.0", t, "0000:02:01.0")).isTrue();
        assertThat(matches("00:04.0/00.0/01.0/00.0", t, "0000:04:00.0")).isTrue();
        assertThat(matches("0000:00:05.0/00.0/01.0", t, "0000:02:01.0")).isFalse();
        assertThat(matches("0000:00:04.0/00.0/00.0", t, "0000:02:01.0")).isFalse();
    }

    @Test
    void aBadEntryEndsTheListButEarlierEntriesStillCount_spec11_3() {
        PciDeviceSelector s = PciDeviceSelector.parse("0000:02:00.0;nonsense;0000:02:01.0");
        assertThat(s.parseError()).contains("nonsense");
        PciTopology t = tree(0x1d);
        assertThat(s.matches(t, t.indexOf(PciAddress.parse("0000:02:00.0")))).isTrue();
        assertThat(s.matches(t, t.indexOf(PciAddress.parse("0000:02:01.0")))).isFalse();
    }

    @Test
    void pciOptionsAreCommaSeparatedAndTheLastValueWins_spec1_16() {
        KernelCommandLine c = KernelCommandLine.parse("console=ttyS0 pci=noats,disable_acs_redir=0000:00:04.0 pci=disable_acs_redir=pci:0:0\n");
        assertThat(c.pciOption("disable_acs_redir")).contains("pci:0:0");
        assertThat(c.pciFlag("noats")).isTrue();
        assertThat(KernelCommandLine.parse("intel_iommu=on iommu=pt").iommuRequested()).contains(true);
        assertThat(KernelCommandLine.parse("intel_iommu=off").iommuRequested()).contains(false);
        assertThat(KernelCommandLine.parse("quiet").iommuRequested()).isEmpty();
    }

    @Test
    void anOverrideReplacesEveryParameterWithThatKeyOrAppendsIt() {
        KernelCommandLine c = KernelCommandLine.parse("console=ttyS0 pci=noaer intel_iommu=on");
        assertThat(c.withOverride("pci=disable_acs_redir=0000:00:04.0").toString())
                .isEqualTo("console=ttyS0 pci=disable_acs_redir=0000:00:04.0 intel_iommu=on");
        assertThat(c.withOverride("iommu=pt").toString()).endsWith("iommu=pt");
        assertThat(c.withOverride("pci=").toString()).isEqualTo("console=ttyS0 intel_iommu=on");
        assertThatThrownBy(() -> c.withOverride("novalue")).hasMessageContaining("KEY=VALUE");
    }

    @Test
    void disableAcsRedirRebuildsTheRegisterFromTheFirmwareValueDroppingTheIommuDefaults_spec11_3() {
        // captured with an IOMMU and no list: root port and downstream ports read 0x001d
        PciTopology t = tree(0x1d);
        AcsBootSetup.Result r = AcsBootSetup.whatIf(t, KernelCommandLine.parse("intel_iommu=on"), true,
                KernelCommandLine.parse("intel_iommu=on pci=disable_acs_redir=0000:02:00.0"), true);
        assertThat(ctrl(r.topology(), "0000:02:00.0")).isZero();
        assertThat(ctrl(r.topology(), "0000:02:01.0")).isEqualTo(0x1d);
        assertThat(r.kernelLog()).containsExactly("pci 0000:02:00.0: Configured ACS to 0x0000");
    }

    @Test
    void droppingTheListRestoresTheIommuDefaultsAndSaysWhatWasAssumed_spec11_3() {
        PciTopology t = tree(0x0);
        KernelCommandLine booted = KernelCommandLine.parse("intel_iommu=on pci=disable_acs_redir=pci:0:0");
        AcsBootSetup.Result r = AcsBootSetup.whatIf(t, booted, true, booted.withOverride("pci="), true);
        assertThat(ctrl(r.topology(), "0000:02:00.0")).isEqualTo(0x1d);
        assertThat(r.kernelLog()).isEmpty();
        assertThat(r.assumptions()).anyMatch(a -> a.contains("0000:02:00.0") && a.contains("assumed 0"));
    }

    @Test
    void withoutAnIommuNoDefaultBitsAreAdded_spec11_3() {
        PciTopology t = tree(0x1d);
        AcsBootSetup.Result r = AcsBootSetup.whatIf(t, KernelCommandLine.parse("intel_iommu=on"), true,
                KernelCommandLine.parse("intel_iommu=off"), false);
        assertThat(ctrl(r.topology(), "0000:00:04.0")).isZero();
    }

    @Test
    void configAcsSetsBitsReadRightToLeftAndKeepsXFromFirmware_spec11_3() {
        PciTopology t = tree(0x0);
        KernelCommandLine none = KernelCommandLine.empty();
        // bits right to left: SV=1, TB=x, RR=1, CR=0
        AcsBootSetup.Result r = AcsBootSetup.whatIf(t, none, false, KernelCommandLine.parse("pci=config_acs=01x1@0000:02:01.0"), false);
        assertThat(ctrl(r.topology(), "0000:02:01.0")).isEqualTo(0x05);
        assertThat(r.kernelLog()).containsExactly("pci 0000:02:01.0: Configured ACS to 0x0005");
        AcsBootSetup.Result bad = AcsBootSetup.whatIf(t, none, false, KernelCommandLine.parse("pci=config_acs=0z1@0000:02:01.0"), false);
        assertThat(ctrl(bad.topology(), "0000:02:01.0")).isZero();
        assertThat(bad.assumptions()).anyMatch(a -> a.contains("Invalid ACS flags"));
    }

    @Test
    void configAcsWinsOverDisableAcsRedirForADeviceMatchedByBoth_spec11_3() {
        PciTopology t = tree(0x0);
        AcsBootSetup.Result r = AcsBootSetup.whatIf(t, KernelCommandLine.empty(), false,
                KernelCommandLine.parse("pci=disable_acs_redir=pci:0:0,config_acs=101@0000:02:01.0"), false);
        assertThat(ctrl(r.topology(), "0000:02:01.0")).isEqualTo(0x05);
    }

    @Test
    void bitsTheDeviceDoesNotImplementReadBackAsZero_spec11_3() {
        PciTopology t = tree(0x0);
        // EC (0x20) is not in the QEMU capability 0x5f
        AcsBootSetup.Result r = AcsBootSetup.whatIf(t, KernelCommandLine.empty(), false, KernelCommandLine.parse("pci=config_acs=100000@0000:02:01.0"), false);
        assertThat(ctrl(r.topology(), "0000:02:01.0")).isZero();
    }

    private static int ctrl(PciTopology t, String addr) {
        return ((AcsState.Present) t.function(PciAddress.parse(addr)).orElseThrow().acs()).controlBits();
    }
}
