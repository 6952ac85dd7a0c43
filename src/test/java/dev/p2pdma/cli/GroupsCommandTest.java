package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code p2pdma groups}: the VFIO-style listing, JSON, --why, the IOMMU-off rule and bad input (spec 5.6, 11.2, 11.3). */
class GroupsCommandTest {

    private static final String SW = Cli.conformance("sw-iommu_on-cpu_intel");

    @Test
    void textListsEachGroupLikeTheVfioListingWithClassAndIds() {
        Cli r = Cli.run("groups", "--sysfs", SW);
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("iommu:  on (6 groups)")
                .contains("\nIOMMU Group 4:\n    0000:02:00.0 PCI bridge [0604]: [104c:8233]\n"
                        + "    0000:03:00.0 Non-Volatile memory controller [0108]: [1b36:0010]\n")
                .contains("IOMMU Group 0:\n    0000:00:00.0 Host bridge [0600]: [8086:29c0]\n")
                .doesNotContain("why:");
    }

    @Test
    void jsonIsExactlyTheGroupsObjectWithNumericKeysInOrderAndSortedMembers() {
        Cli r = Cli.run("groups", "--sysfs", SW, "--format", "json");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode doc = JsonMapper.builder().build().readTree(r.out());
        assertThat(doc.propertyNames()).containsExactly("format", "groups");
        JsonNode expected = JsonMapper.builder().build().readTree("{\"format\": \"p2pdma-groups/1\", \"groups\": {\"0\": [\"0000:00:00.0\"], \"1\": [\"0000:00:04.0\"],"
                + " \"2\": [\"0000:00:1f.0\", \"0000:00:1f.2\", \"0000:00:1f.3\"], \"3\": [\"0000:01:00.0\"],"
                + " \"4\": [\"0000:02:00.0\", \"0000:03:00.0\"], \"5\": [\"0000:02:01.0\", \"0000:04:00.0\"]}}");
        assertThat(doc).isEqualTo(expected);
        assertThat(doc.get("groups").propertyNames()).containsExactly("0", "1", "2", "3", "4", "5");
    }

    @Test
    void whyNamesTheMissingAcsBitTheMultifunctionSlotOrThePortWithoutAcs_spec5_6() {
        Cli sw = Cli.run("groups", "--sysfs", SW, "--why");
        assertThat(sw.out()).contains("  why: 0000:03:00.0 joins 0000:02:00.0: the path from 0000:02:00.0 to the root is not ACS-isolated at"
                + " 0000:02:00.0 (switch downstream port: no ACS capability)");
        assertThat(sw.out()).contains("  why: 0000:00:1f.2 joins 0000:00:1f.0: functions of one multifunction slot without isolation");
        Cli off = Cli.run("groups", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel-acsredir_off"), "--why");
        assertThat(off.out()).contains("(root port: ACS ctrl 0x0000 lacks SV RR CR UF)");
    }

    @Test
    void aKernelParamWhatIfChangesTheGroups_spec11_3() {
        String rpmf = Cli.conformance("rpmf-iommu_on-cpu_intel");
        Cli before = Cli.run("groups", "--sysfs", rpmf, "--format", "json");
        Cli after = Cli.run("groups", "--sysfs", rpmf, "--kernel-param", "pci=disable_acs_redir=0000:00:04.0", "--format", "json");
        assertThat(before.out()).contains("\"3\" : [ \"0000:01:00.0\", \"0000:01:00.1\" ]");
        assertThat(after.out()).contains("\"1\" : [ \"0000:00:04.0\", \"0000:01:00.0\", \"0000:01:00.1\" ]").doesNotContain("\"3\"");
        Cli config = Cli.run("groups", "--sysfs", rpmf, "--kernel-param", "pci=config_acs=x00xx@0000:00:04.0", "--format", "json");
        assertThat(config.out()).isEqualTo(after.out());
    }

    @Test
    void withTheIommuOffThereAreNoGroupsUnlessAnIommuIsAssumedOrBootedInAWhatIf() {
        String cap = Cli.conformance("rp-iommu_off-cpu_intel");
        Cli text = Cli.run("groups", "--sysfs", cap);
        assertThat(text.status()).isZero();
        assertThat(text.out()).contains("iommu:  off", "IOMMU off: the kernel makes no IOMMU groups").doesNotContain("IOMMU Group");
        Cli json = Cli.run("groups", "--sysfs", cap, "--format", "json");
        assertThat(json.out().replaceAll("\\s", "")).isEqualTo("{\"format\":\"p2pdma-groups/1\",\"groups\":{}}");
        Cli assumed = Cli.run("groups", "--sysfs", cap, "--assume-iommu");
        // the registers as read: no IOMMU programmed the root ports' ACS, so each joins its device
        assertThat(assumed.out()).contains("note:   IOMMU off: groups computed anyway", "IOMMU Group 3:").doesNotContain("IOMMU Group 4:");
        // booting the same capture with intel_iommu=on gives the iommu_on case's groups
        Cli booted = Cli.run("groups", "--sysfs", cap, "--kernel-param", "intel_iommu=on", "--format", "json");
        Cli real = Cli.run("groups", "--sysfs", Cli.conformance("rp-iommu_on-cpu_intel"), "--format", "json");
        assertThat(booted.out()).isEqualTo(real.out());
    }

    @Test
    void theHeaderCountsTheModelsGroups() {
        Cli r = Cli.run("topo", "--sysfs", Cli.conformance("sw2-iommu_on-cpu_amd"));
        assertThat(r.out()).contains("iommu:  on (8 groups)");
    }

    @Test
    void badInputGivesOneLineAndExitStatus2(@TempDir Path tmp) {
        Cli format = Cli.run("groups", "--sysfs", SW, "--format", "xml");
        assertThat(format.status()).isEqualTo(2);
        assertThat(format.err().lines().toList()).singleElement().asString().startsWith("p2pdma: ").contains("--format");
        Cli missing = Cli.run("groups", "--sysfs", tmp.resolve("none.tar.gz").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err().lines().findFirst().orElse("")).startsWith("p2pdma: ").contains("none.tar.gz");
        Cli option = Cli.run("groups", "--no-such-option");
        assertThat(option.status()).isEqualTo(2);
        Cli param = Cli.run("groups", "--sysfs", SW, "--kernel-param", "novalue");
        assertThat(param.status()).isEqualTo(2);
        assertThat(param.err()).doesNotContain("\tat ");
    }

    @Test
    void theReadmeExampleIsTheRealOutput() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String prompt = "$ ./p2pdma groups --sysfs ../shared/conformance/sw-iommu_on-cpu_intel/capture.tar.gz --why\n";
        int start = readme.indexOf(prompt);
        assertThat(start).as("README has the groups example").isPositive();
        String shown = readme.substring(start + prompt.length(), readme.indexOf("```", start));
        Cli r = Cli.run("groups", "--sysfs", SW, "--why");
        // the source line names the path as given; everything after it must match
        assertThat(shown.substring(shown.indexOf('\n'))).isEqualTo(r.out().substring(r.out().indexOf('\n')));
    }

    @Test
    void whenTheCapturesOwnGroupsDifferOneNoteLineOnStderrSaysHow(@TempDir Path tmp) throws IOException {
        String yaml = Cli.run("topo", "--sysfs", SW, "--format", "yaml").out();
        Path renumbered = tmp.resolve("renumbered.yaml");
        Files.writeString(renumbered, yaml.replace("\"0\":\n      - \"0000:00:00.0\"\n    \"1\":\n      - \"0000:00:04.0\"",
                "\"0\":\n      - \"0000:00:04.0\"\n    \"1\":\n      - \"0000:00:00.0\""));
        Cli r = Cli.run("groups", "--topology", renumbered.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err().lines().toList()).singleElement().asString()
                .startsWith("p2pdma: note: the model's IOMMU groups (6) differ from the captured iommu_groups (6)")
                .endsWith("the same partition, numbered differently");
        Cli same = Cli.run("groups", "--sysfs", SW);
        assertThat(same.err()).isEmpty();
    }

    @TestFactory
    List<DynamicTest> everyRealMachineInputGivesGroupsWithoutError() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Cli.shared().resolve("real-machines"))) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String n = f.getFileName().toString();
            String flag = f.getParent().getFileName().toString().equals("lspci") ? "--lspci"
                    : n.endsWith(".xml") ? "--hwloc" : n.endsWith(".tar.bz2") || n.endsWith(".tar.gz") ? "--sysfs" : null;
            if (flag == null) {
                assertThat(n).matches(".*\\.console|README\\.md");
                continue;
            }
            tests.add(DynamicTest.dynamicTest(n, () -> {
                Cli r = Cli.run("groups", flag, f.toString(), "--why");
                assertThat(r.status()).as(r.err()).isZero();
                assertThat(r.out()).contains("IOMMU Group 0:");
                Cli json = Cli.run("groups", flag, f.toString(), "--format", "json");
                assertThat(json.status()).as(json.err()).isZero();
                assertThat(JsonMapper.builder().build().readTree(json.out()).get("groups").size()).isPositive();
            }));
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(11);
        return tests;
    }
}
