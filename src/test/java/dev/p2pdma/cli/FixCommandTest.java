package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma fix} (issue 12 part 1): per pair the map type now and with the proposed kernel
 * parameter, the ACS registers it rewrites, the IOMMU groups before and after and who loses
 * isolation; the boot-loader line; exit status 0 when every pair is P2P-capable with it, 3 when
 * one cannot be, 2 for usage errors; the proposal checks out through {@code --kernel-param}.
 */
class FixCommandTest {

    /** Root port 00:04.0 (ACS, RR and CR set by the IOMMU) above a two-function NVMe device; Intel q35. */
    private static final String RPMF = Cli.conformance("rpmf-iommu_on-cpu_intel");
    /** A switch without ACS: every NVMe pair already BUS_ADDR. */
    private static final String SW = Cli.conformance("sw-iommu_on-cpu_intel");

    @Test
    void aRedirectedPairGetsDisableAcsRedirOnTheRootPortWithItsSecurityCost_spec11_3() {
        Cli c = Cli.run("fix", "--sysfs", RPMF, "01:00.0", "01:00.1");
        assertThat(c.status()).as(c.err()).isZero();
        List<String> lines = c.out().lines().toList();
        assertThat(lines).contains(
                "0000:01:00.0 -> 0000:01:00.1: NOT_SUPPORTED now, BUS_ADDR with pci=disable_acs_redir=0000:00:04.0",
                "  acs:    0000:00:04.0 ctrl 0x001d (SV RR CR UF) -> 0x0000 (none) (disable_acs_redir; P2P redirect reads RR, CR, EC;"
                        + " IOMMU isolation needs SV, RR, CR, UF)",
                "  groups: before 1: 0000:00:04.0 | 3: 0000:01:00.0 0000:01:00.1",
                "          after  1: 0000:00:04.0 0000:01:00.0 0000:01:00.1",
                "  loses isolation: 0000:00:04.0, 0000:01:00.0, 0000:01:00.1",
                "  pci=disable_acs_redir=0000:00:04.0");
    }

    @Test
    void theProposalAppliedAsAKernelParamGivesThePromisedVerdictAndGroups() {
        JsonNode pair = MAPPER.readTree(Cli.run("fix", "--sysfs", RPMF, "01:00.0", "01:00.1", "--format", "json").out()).get("pairs").get(0);
        String param = pair.get("kernel_params").get(0).asString();
        Cli check = Cli.run("check", "--sysfs", RPMF, "--kernel-param", param, "01:00.0", "01:00.1");
        assertThat(check.out()).startsWith("OK   0000:01:00.0 -> 0000:01:00.1 " + pair.get("map_type_after").asString());
        JsonNode groups = MAPPER.readTree(Cli.run("groups", "--sysfs", RPMF, "--kernel-param", param, "--format", "json").out());
        assertThat(groups.toString()).contains("\"0000:00:04.0\",\"0000:01:00.0\",\"0000:01:00.1\"");
        assertThat(pair.get("groups_after").toString()).contains("[\"0000:00:04.0\",\"0000:01:00.0\",\"0000:01:00.1\"]");
    }

    @Test
    void aPairNoParameterHelpsExitsThreeAndSaysWhatWould() {
        Cli c = Cli.run("fix", "--sysfs", RPMF, "01:00.0", "00:1f.2");
        assertThat(c.status()).isEqualTo(CheckCommand.EXIT_NOT_SUPPORTED);
        assertThat(c.out()).contains("0000:01:00.0 -> 0000:00:1f.2: NOT_SUPPORTED now; no kernel parameter helps",
                "what would: an AMD Zen CPU (family 0x17 or later)", "boot loader: no kernel parameter helps");
    }

    @Test
    void aHostBridgeALaterKernelAllowsIsNamedWithThatVersion_spec12_1() {
        Cli at612 = Cli.run("fix", "--topology", "examples/machines/zhaoxin-host-bridge.yaml", "01:00.0", "02:00.0");
        assertThat(at612.status()).isEqualTo(CheckCommand.EXIT_NOT_SUPPORTED);
        assertThat(at612.out()).contains("what would: Linux 7.4 or later, whose host-bridge allowlist has this host bridge: THRU_HOST_BRIDGE"
                + " (try --kernel-version 7.4)");
        Cli at74 = Cli.run("fix", "--topology", "examples/machines/zhaoxin-host-bridge.yaml", "--kernel-version", "7.4", "01:00.0", "02:00.0");
        assertThat(at74.status()).isZero();
        assertThat(at74.out()).doesNotContain("what would: Linux");
    }

    @Test
    void pairsThatAlreadyWorkNeedNothing() {
        Cli c = Cli.run("fix", "--sysfs", SW, "03:00.0", "04:00.0");
        assertThat(c.status()).isZero();
        assertThat(c.out()).contains("0000:03:00.0 -> 0000:04:00.0: BUS_ADDR now", "already BUS_ADDR: nothing to change",
                "boot loader: nothing to change");
    }

    @Test
    void aWhatIfCommandLineIsTheStartingPointAndItsPciTokenIsReplaced() {
        Cli c = Cli.run("fix", "--sysfs", RPMF, "--kernel-param", "pci=noats", "01:00.0", "01:00.1");
        assertThat(c.out()).contains("BUS_ADDR with pci=noats,disable_acs_redir=0000:00:04.0", "in place of pci=noats");
    }

    @Test
    void theJsonHasTheIssuesShape() {
        JsonNode doc = MAPPER.readTree(Cli.run("fix", "--sysfs", RPMF, "01:00.0", "01:00.1", "00:1f.2", "--format", "json").out());
        assertThat(doc.get("format").asString()).isEqualTo(FixCommand.FORMAT);
        JsonNode first = doc.get("pairs").get(0);
        assertThat(first.propertyNames()).contains("provider", "client", "map_type_now", "fixable", "kernel_params", "map_type_after",
                "groups_before", "groups_after", "lose_isolation", "why");
        assertThat(first.get("fixable").asBoolean()).isTrue();
        assertThat(doc.get("pairs").get(1).get("fixable").asBoolean()).isFalse();
        assertThat(doc.get("combined").get("ok").asBoolean()).isFalse();
        assertThat(doc.get("combined").get("kernel_params").get(0).asString()).isEqualTo("pci=disable_acs_redir=0000:00:04.0");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(Cli.run("fix", "--sysfs", RPMF, "01:00.0").status()).isEqualTo(2);
        assertThat(Cli.run("fix", "--sysfs", RPMF, "01:00.0", "09:00.0").status()).isEqualTo(2);
        assertThat(Cli.run("fix", "--sysfs", RPMF, "01:00.0", "01:00.1", "--format", "yaml").status()).isEqualTo(2);
    }

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
}
