package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.KernelLog;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.p2pdma.P2pDmaDecision;
import dev.p2pdma.p2pdma.P2pVerdict;
import dev.p2pdma.pci.KernelConfig;
import dev.p2pdma.pci.PciTopology;
import dev.p2pdma.pci.io.Importers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where the answer comes from, part 2 (README "Where the answer comes from: virtual machines and
 * kernel config"; issue 12 part 6): a kernel built without CONFIG_PCI_P2PDMA has only the stubs of
 * include/linux/pci-p2pdma.h (Linux 6.12), so pci_p2pdma_distance_many() is -1 and every pair is
 * NOT_SUPPORTED with that reason; {@code =y} and an unknown configuration change nothing.
 */
class KernelWithoutP2pdmaTest {

    /** A case with a BUS_ADDR pair (two functions below one root port) and host-bridge pairs. */
    private static final String CASE = "rpmf-iommu_on-cpu_intel";
    /** The configuration lines of a kernel without P2PDMA, as make writes them. */
    private static final String OFF = "CONFIG_PCI=y\nCONFIG_ZONE_DEVICE=y\n# CONFIG_PCI_P2PDMA is not set\n";
    /** The configuration lines of a kernel with P2PDMA. */
    private static final String ON = "CONFIG_PCI=y\nCONFIG_ZONE_DEVICE=y\nCONFIG_PCI_P2PDMA=y\n";
    /** JSON reader. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private static Path machine(Path tmp) throws Exception {
        Path root = tmp.resolve("machine");
        CaptureCommandTest.extract(Path.of(Cli.conformance(CASE)), root);
        return root;
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }

    private static JsonNode matrix(String sysfs) {
        Cli r = Cli.run("matrix", "--sysfs", sysfs, "--format", "json");
        assertThat(r.status()).as(r.err()).isZero();
        return MAPPER.readTree(r.out());
    }

    private static List<String> mapTypes(JsonNode matrix) {
        List<String> out = new ArrayList<>();
        matrix.get("pairs").forEach(p -> out.add(p.get("map_type").asString()));
        return out;
    }

    @Test
    void procConfigGzWithoutTheOptionMakesEveryPairNotSupportedWithTheReason(@TempDir Path tmp) throws Exception {
        Path m = machine(tmp);
        Files.write(m.resolve("proc/config.gz"), gzip(OFF));
        assertThat(mapTypes(matrix(Cli.conformance(CASE)))).contains("BUS_ADDR");
        JsonNode off = matrix(m.toString());
        assertThat(mapTypes(off)).isNotEmpty().allMatch(t -> t.equals("NOT_SUPPORTED"));
        off.get("pairs").forEach(p -> {
            assertThat(p.get("reasons").get(0).asString()).startsWith("kernel built without CONFIG_PCI_P2PDMA: pci_p2pdma_distance_many() is a stub");
            assertThat(p.get("kernel_log")).isEmpty();
        });
        assertThat(off.get("assumptions").toString()).contains("kernel built without CONFIG_PCI_P2PDMA (proc/config.gz): no P2PDMA happens at all");
        Cli explain = Cli.run("explain", "--sysfs", m.toString(), "01:00.0", "01:00.1");
        assertThat(explain.out()).contains("0000:01:00.0 -> 0000:01:00.1: NOT_SUPPORTED",
                "note:   kernel built without CONFIG_PCI_P2PDMA (proc/config.gz)");
        Cli check = Cli.run("check", "--sysfs", m.toString(), "01:00.0", "01:00.1");
        assertThat(check.status()).isEqualTo(3);
        assertThat(check.out()).startsWith("FAIL 0000:01:00.0 -> 0000:01:00.1 NOT_SUPPORTED: kernel built without CONFIG_PCI_P2PDMA");
    }

    @Test
    void builtInOrUnknownKeepsTheVerdictsAndSaysNothing(@TempDir Path tmp) throws Exception {
        JsonNode unknown = matrix(Cli.conformance(CASE));
        Path m = machine(tmp);
        Files.write(m.resolve("proc/config.gz"), gzip(ON));
        JsonNode on = matrix(m.toString());
        assertThat(on.get("pairs")).isEqualTo(unknown.get("pairs"));
        assertThat(on.get("assumptions")).isEqualTo(unknown.get("assumptions"));
        assertThat(on.get("assumptions").toString()).doesNotContain("CONFIG_PCI_P2PDMA");
    }

    @Test
    void aCapturesBootConfigAndTheLiveBootConfigOfTheReleaseAreReadWhenThereIsNoProcConfig(@TempDir Path tmp) throws Exception {
        Path capture = machine(tmp.resolve("a"));
        Files.createDirectories(capture.resolve("boot"));
        Files.writeString(capture.resolve("boot/config"), OFF);
        assertThat(mapTypes(matrix(capture.toString()))).allMatch(t -> t.equals("NOT_SUPPORTED"));
        assertThat(matrix(capture.toString()).get("assumptions").toString()).contains("CONFIG_PCI_P2PDMA (boot/config)");
        Path live = machine(tmp.resolve("b"));
        Files.createDirectories(live.resolve("boot"));
        Files.writeString(live.resolve("boot/config-6.12.117"), OFF);
        Files.writeString(live.resolve("boot/config-6.1.0"), ON);
        assertThat(matrix(live.toString()).get("assumptions").toString()).contains("CONFIG_PCI_P2PDMA (boot/config-6.12.117)");
        assertThat(mapTypes(matrix(live.toString()))).allMatch(t -> t.equals("NOT_SUPPORTED"));
    }

    @Test
    void anOptionMissingAltogetherIsNotBuiltAndAFileWithoutOptionsIsNoConfiguration(@TempDir Path tmp) throws Exception {
        assertThat(KernelConfig.parse("x", "CONFIG_PCI=y\n# CONFIG_ZONE_DEVICE is not set\n")).contains(new KernelConfig("x", false));
        assertThat(KernelConfig.parse("x", "  CONFIG_PCI_P2PDMA=y  \n")).contains(new KernelConfig("x", true));
        assertThat(KernelConfig.parse("x", "CONFIG_PCI_P2PDMA=m\n")).contains(new KernelConfig("x", false));
        assertThat(KernelConfig.parse("x", "hello\n")).isEmpty();
        Path m = machine(tmp);
        Files.write(m.resolve("proc/config.gz"), gzip("not a configuration\n"));
        JsonNode doc = matrix(m.toString());
        assertThat(mapTypes(doc)).contains("BUS_ADDR");
        assertThat(doc.get("assumptions").toString()).contains("proc/config.gz holds no CONFIG_ line (not a kernel configuration)");
    }

    @Test
    void aProcConfigGzThatIsNotGzipIsOneLineAndExitStatus2(@TempDir Path tmp) throws Exception {
        Path m = machine(tmp);
        Files.writeString(m.resolve("proc/config.gz"), OFF);
        Cli r = Cli.run("matrix", "--sysfs", m.toString());
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err().lines().toList()).singleElement().asString().startsWith("p2pdma: ").contains("proc/config.gz", "not a gzip'd kernel configuration");
    }

    @Test
    void theDecisionModelsTheStubsEveryPairNotSupportedDistanceManyMinusOneAndNoLogLines(@TempDir Path tmp) throws Exception {
        Path m = machine(tmp);
        Files.write(m.resolve("proc/config.gz"), gzip(OFF));
        PciTopology t = Importers.sysfs(m);
        P2pDmaDecision d = P2pDmaDecision.of(t);
        assertThat(d.p2pdmaBuilt()).isFalse();
        P2pDmaDecision built = P2pDmaDecision.of(t.withMachine(t.machine().withPlatform(
                t.machine().platform().withKernelConfig(Optional.of(new KernelConfig("test", true))))));
        assertThat(built.p2pdmaBuilt()).isTrue();
        int busAddr = 0;
        for (int p = 0; p < t.size(); p++) {
            for (int c = 0; c < t.size(); c++) {
                assertThat(P2pDmaDecision.mapTypeOf(d.calc(p, c))).isEqualTo(MapType.NOT_SUPPORTED);
                P2pVerdict v = d.verdict(p, c);
                assertThat(v.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
                assertThat(v.kernelLog()).isEmpty();
                assertThat(v.reasons()).singleElement().asString().startsWith(KernelConfig.NOT_BUILT_REASON);
                KernelLog log = KernelLog.create();
                assertThat(d.distanceMany(p, new int[] {c}, true, log)).isEqualTo(-1);
                assertThat(log.lines()).isEmpty();
                busAddr += P2pDmaDecision.mapTypeOf(built.calc(p, c)) == MapType.BUS_ADDR ? 1 : 0;
            }
        }
        assertThat(busAddr).as("the same tree with P2PDMA built in has bus-address pairs").isPositive();
    }

    @Test
    void theConfigurationSurvivesATopologyFile(@TempDir Path tmp) throws Exception {
        Path m = machine(tmp);
        Files.write(m.resolve("proc/config.gz"), gzip(OFF));
        Cli yaml = Cli.run("topo", "--sysfs", m.toString(), "--format", "yaml");
        assertThat(yaml.out()).contains("kernel_config:\n    source: proc/config.gz\n    pci_p2pdma: false");
        Path file = tmp.resolve("m.yaml");
        Files.writeString(file, yaml.out());
        Cli r = Cli.run("matrix", "--topology", file.toString(), "--format", "json");
        assertThat(mapTypes(MAPPER.readTree(r.out()))).allMatch(t -> t.equals("NOT_SUPPORTED"));
    }
}
