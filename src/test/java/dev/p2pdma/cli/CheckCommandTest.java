package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma check} (issue 12 part 2): one stable OK/FAIL line per pair with the map type and
 * the reason; exit status 0 when every pair is BUS_ADDR or THRU_HOST_BRIDGE, 3 when any is
 * NOT_SUPPORTED, 2 for usage or input errors; {@code --all} checks every pair; JSON too.
 */
class CheckCommandTest {

    /** A switch with two NVMe functions behind it, Intel q35 (host-bridge paths need the whitelist). */
    private static final String SW = Cli.conformance("sw-iommu_on-cpu_intel");
    /** AMD Zen: host-bridge paths allowed. */
    private static final String AMD = Cli.conformance("rc-iommu_off-cpu_amd");

    @Test
    void everyPairOkExitsZeroWithOneStableLinePerPair() {
        Cli c = Cli.run("check", "--sysfs", SW, "03:00.0", "04:00.0", "03:00.0");
        assertThat(c.status()).as(c.err()).isZero();
        assertThat(c.out().lines().toList()).containsExactly(
                "OK   0000:03:00.0 -> 0000:04:00.0 BUS_ADDR distance 4: provider and client share upstream device 0000:01:00.0 and no device on the"
                        + " path between them has ACS redirect: bus address",
                "OK   0000:03:00.0 -> 0000:03:00.0 BUS_ADDR distance 0: same function: its own memory, bus address");
    }

    @Test
    void aNotSupportedPairFailsWithExitThreeAndTheReason() {
        Cli c = Cli.run("check", "--sysfs", SW, "03:00.0", "04:00.0", "00:1f.2");
        assertThat(c.status()).isEqualTo(3);
        assertThat(c.out().lines().toList()).hasSize(2).last().asString().isEqualTo(
                "FAIL 0000:03:00.0 -> 0000:00:1f.2 NOT_SUPPORTED: no common upstream device: the route crosses the host bridge (pci0000:00);"
                        + " host bridge pci0000:00 device 0000:00:00.0 [8086:29c0] is not in the P2PDMA whitelist");
    }

    @Test
    void allChecksEveryOrderedPairAndTheHostBridgeRuleDecides() {
        Cli amd = Cli.run("check", "--sysfs", AMD, "--all");
        assertThat(amd.status()).as("AMD Zen allows every host-bridge path: %s", amd.out()).isZero();
        long n = amd.out().lines().count();
        assertThat(n).isEqualTo(Math.round(Math.sqrt(n)) * Math.round(Math.sqrt(n))).isGreaterThan(1);
        assertThat(amd.out().lines()).allMatch(l -> l.startsWith("OK   "));
        Cli intel = Cli.run("check", "--sysfs", SW, "--all");
        assertThat(intel.status()).isEqualTo(3);
        assertThat(intel.out().lines()).anyMatch(l -> l.startsWith("FAIL ")).anyMatch(l -> l.startsWith("OK   "));
    }

    @Test
    void allIsNarrowedLikeTheMatrix() {
        Cli nvme = Cli.run("check", "--sysfs", SW, "--all", "--class", "nvme");
        assertThat(nvme.status()).as("the two NVMe functions share a switch: %s", nvme.out()).isZero();
        assertThat(nvme.out().lines()).hasSize(4).allMatch(l -> l.startsWith("OK   "));
        Cli fromProvider = Cli.run("check", "--sysfs", SW, "--all", "--provider", "03:00.0", "--class", "nvme");
        assertThat(fromProvider.out().lines()).hasSize(2);
        assertThat(Cli.run("check", "--sysfs", SW, "--class", "nvme", "03:00.0", "04:00.0").status()).as("--class without --all").isEqualTo(2);
    }

    @Test
    void onEveryConformanceCaseTheExitStatusFollowsTheKernelsVerdicts_issue12() throws Exception {
        List<java.nio.file.Path> cases;
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(Cli.shared().resolve("conformance"))) {
            cases = s.filter(p -> java.nio.file.Files.isRegularFile(p.resolve("expected.json"))).sorted().toList();
        }
        assertThat(cases).isNotEmpty();
        JsonMapper json = JsonMapper.builder().build();
        for (java.nio.file.Path c : cases) {
            JsonNode expected = json.readTree(c.resolve("expected.json").toFile());
            boolean anyNo = expected.get("calc").valueStream().anyMatch(p -> p.get("map_type").asString().equals("NOT_SUPPORTED"));
            Cli r = Cli.run("check", "--sysfs", c.resolve("capture.tar.gz").toString(), "--all");
            assertThat(r.status()).as("%s: %s", c.getFileName(), r.err()).isEqualTo(anyNo ? 3 : 0);
            assertThat(r.out().lines().count()).as(c.getFileName().toString()).isEqualTo(expected.get("calc").size());
        }
    }

    @Test
    void usageAndInputErrorsExitTwo() {
        assertThat(Cli.run("check", "--sysfs", SW).status()).isEqualTo(2);
        assertThat(Cli.run("check", "--sysfs", SW, "03:00.0").status()).isEqualTo(2);
        assertThat(Cli.run("check", "--sysfs", SW, "--all", "03:00.0", "04:00.0").status()).isEqualTo(2);
        Cli unknown = Cli.run("check", "--sysfs", SW, "03:00.0", "09:00.0");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("no PCI function 0000:09:00.0");
        assertThat(Cli.run("check", "--sysfs", "/nonexistent/capture.tar.gz", "03:00.0", "04:00.0").status()).isEqualTo(2);
    }

    @Test
    void jsonCarriesTheSameAnswer() {
        Cli c = Cli.run("check", "--sysfs", SW, "03:00.0", "04:00.0", "00:1f.2", "--format", "json");
        assertThat(c.status()).isEqualTo(3);
        JsonNode doc = JsonMapper.builder().build().readTree(c.out());
        assertThat(doc.get("format").asString()).isEqualTo("p2pdma-check/1");
        assertThat(doc.get("ok").asBoolean()).isFalse();
        List<String> results = doc.get("pairs").valueStream().map(p -> p.get("result").asString() + " " + p.get("map_type").asString()).toList();
        assertThat(results).containsExactly("OK BUS_ADDR", "FAIL NOT_SUPPORTED");
    }
}
