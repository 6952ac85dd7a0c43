package dev.p2pdma.pci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ACS explained bit by bit (issue 12 part 5, spec 1.8 and 5.6): P2PDMA's redirect reads RR, CR and
 * EC; IOMMU isolation requires SV, RR, CR and UF; TB and DT are read by neither; SV alone does not
 * redirect peer traffic.
 */
class AcsBitTest {

    private static PciFunction port(AcsState acs) {
        return PciFunction.builder(PciAddress.parse("0000:00:04.0")).ids(0x1b36, 0x000c).classCode(0x060400).headerType(1)
                .portType(PortType.ROOT_PORT).busRange(1, 1).acs(acs).build();
    }

    @Test
    void qemusRootPortWithTheIommusDefaultsRedirectsAndIsolates_spec1_8() {
        List<String> lines = AcsBit.explain(port(new AcsState.Present(0x005f, 0x001d)));
        assertThat(lines.get(0)).isEqualTo("ACS of 0000:00:04.0 (root port): capability 0x005f, control 0x001d");
        assertThat(lines).hasSize(10);
        assertThat(lines.get(2)).startsWith("  TB Translation Blocking").contains("capable, disabled", "read by neither rule");
        assertThat(lines.get(6)).startsWith("  EC P2P Egress Control").contains("not capable");
        assertThat(lines.get(8)).isEqualTo("  -> P2PDMA: redirect (RR, CR set): peer traffic through this port goes up to the root complex");
        assertThat(lines.get(9)).isEqualTo("  -> IOMMU isolation: SV, RR, CR and UF enabled: this function isolates what is below it");
    }

    @Test
    void sourceValidationAloneNeitherRedirectsNorIsolates_spec1_8() {
        List<String> lines = AcsBit.explain(port(new AcsState.Present(0x007f, Acs.SV)));
        assertThat(lines).contains("  -> P2PDMA: no redirect (RR, CR and EC clear): peer traffic may stay below this port",
                "  -> IOMMU isolation: not isolating here: RR, CR, UF not enabled (SV, RR, CR and UF are all required)");
        assertThat(lines.get(1)).contains("capable, enabled", "never redirects peer traffic by itself");
    }

    @Test
    void egressControlAloneRedirects_spec1_8() {
        assertThat(AcsBit.explain(port(new AcsState.Present(0x007f, Acs.EC))))
                .contains("  -> P2PDMA: redirect (EC set): peer traffic through this port goes up to the root complex");
    }

    @Test
    void absentAndUnknownCapabilitiesSayWhatEachRuleDoes_spec1_8() {
        assertThat(AcsBit.explain(port(AcsState.ABSENT))).singleElement().asString()
                .startsWith("ACS of 0000:00:04.0 (root port): no ACS capability: P2PDMA sees no redirect here");
        assertThat(AcsBit.explain(port(new AcsState.Unknown("config space is 64 bytes")))).singleElement().asString()
                .contains("unknown (config space is 64 bytes)", "--assume-acs");
    }

    @Test
    void theRulesMatchTheKernelsMasks_spec1_8() {
        int redirect = 0;
        int isolation = 0;
        for (AcsBit b : AcsBit.values()) {
            if (b.readBy().contains("P2PDMA: set means redirect")) {
                redirect |= b.mask();
            }
            if (b.readBy().contains("IOMMU isolation requires it")) {
                isolation |= b.mask();
            }
        }
        assertThat(redirect).isEqualTo(Acs.REDIRECT_BITS);
        assertThat(isolation).isEqualTo(AcsIsolation.REQ_ACS_FLAGS);
    }
}
