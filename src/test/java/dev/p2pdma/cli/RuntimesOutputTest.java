package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What each runtime will decide, as the CLI shows it (issue 12 part 3): a "Runtimes:" block per pair
 * in {@code explain}, a {@code runtimes} object per pair in {@code matrix --format json} and
 * {@code explain --format json}, the same decisions in both, and {@code --nccl-p2p-level}.
 */
class RuntimesOutputTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The runtimes in the order every output lists them. */
    private static final List<String> KEYS = List.of("nvidia_smi", "nccl", "rocm", "xe_dmabuf", "vfio_dmabuf", "gds");
    /** Their names in text. */
    private static final List<String> LABELS = List.of("nvidia-smi", "NCCL", "ROCm", "Xe dma-buf", "VFIO dma-buf", "GDS");

    private static List<String> runtimeBlock(String text) {
        List<String> lines = List.of(text.split("\n"));
        int at = lines.indexOf("  Runtimes:");
        assertThat(at).as("a Runtimes: block in\n%s", text).isPositive();
        assertThat(lines.get(at - 1)).startsWith("  path: ");
        return lines.subList(at + 1, Math.min(lines.size(), at + 1 + KEYS.size()));
    }

    /** The text line the JSON object of one runtime stands for. */
    private static String line(String label, JsonNode r) {
        return "    " + label + ": " + r.get("decision").asString() + ": " + r.get("reason").asString()
                + (r.has("differs_from_kernel") ? "; differs from the kernel: " + r.get("differs_from_kernel").asString() : "");
    }

    @Test
    void explainPrintsOneRuntimeLinePerRuntimeAfterThePathAndTheJsonSaysTheSame() {
        String capture = Cli.conformance("sw-iommu_on-cpu_intel");
        Cli text = Cli.run("explain", "--sysfs", capture, "03:00.0", "04:00.0");
        assertThat(text.status()).as(text.err()).isZero();
        List<String> block = runtimeBlock(text.out());
        Cli json = Cli.run("explain", "--sysfs", capture, "03:00.0", "04:00.0", "--format", "json");
        JsonNode runtimes = JSON.readTree(json.out()).get("pairs").get(0).get("runtimes");
        assertThat(runtimes.propertyNames()).containsExactlyElementsOf(KEYS);
        List<String> fromJson = new ArrayList<>();
        for (int k = 0; k < KEYS.size(); k++) {
            fromJson.add(line(LABELS.get(k), runtimes.get(KEYS.get(k))));
        }
        assertThat(block).containsExactlyElementsOf(fromJson);
        assertThat(block.get(0)).startsWith("    nvidia-smi: PIX: ");
        assertThat(block.get(1)).startsWith("    NCCL: P2P: path PIX is within level PXB");
        assertThat(block.get(5)).as("an NVMe client of a p2pmem provider: run through the data plane")
                .isEqualTo("    GDS: P2P: O_DIRECT run through the model's data plane (p2pdma odirect): 4 KiB read ok, write ok");
    }

    @Test
    void everyMatrixJsonPairCarriesEveryRuntimeWithAnOutcomeAndGdsFollowsTheMapType() {
        JsonNode doc = JSON.readTree(Cli.run("matrix", "--sysfs", Cli.conformance("rp-iommu_on-cpu_intel"), "--format", "json").out());
        assertThat(doc.get("pairs").size()).isPositive();
        for (JsonNode p : doc.get("pairs")) {
            JsonNode r = p.get("runtimes");
            assertThat(r.propertyNames()).containsExactlyElementsOf(KEYS);
            for (String k : KEYS) {
                assertThat(r.get(k).get("outcome").asString()).isIn("class", "peer", "staged", "refused");
            }
            boolean supported = !p.get("map_type").asString().equals("NOT_SUPPORTED");
            assertThat(r.get("gds").get("decision").asString()).isEqualTo(supported ? "P2P" : "-EREMOTEIO");
            assertThat(r.get("vfio_dmabuf").get("outcome").asString()).isEqualTo(supported ? "peer" : "refused");
        }
    }

    @Test
    void whereTheKernelAllowsTheHostBridgeButNcclsLevelDoesNotTheNcclLineSaysTheyDiffer() {
        String amd = Cli.conformance("rp-iommu_on-cpu_amd");
        JsonNode byDefault = JSON.readTree(Cli.run("explain", "--sysfs", amd, "01:00.0", "02:00.0", "--format", "json").out()).get("pairs").get(0);
        assertThat(byDefault.get("map_type").asString()).isEqualTo("THRU_HOST_BRIDGE");
        assertThat(byDefault.get("runtimes").get("nccl").get("outcome").asString()).as("AMD CPU, at most 2 GPUs: level SYS").isEqualTo("peer");
        Cli pxb = Cli.run("explain", "--sysfs", amd, "01:00.0", "02:00.0", "--nccl-p2p-level", "PXB");
        assertThat(runtimeBlock(pxb.out()).get(1)).startsWith("    NCCL: SHM (staged through host memory): path PHB is beyond NCCL_P2P_LEVEL PXB (set)")
                .endsWith("; differs from the kernel: the kernel allows THRU_HOST_BRIDGE, NCCL stages through host memory");
    }

    @Test
    void explainRunsGdsThroughTheDataPlaneForNvmeClientsAndSaysWhenItHangsWhereTheKernelAllowsTheRoute() {
        Cli r = Cli.run("explain", "--sysfs", Cli.conformance("rp-iommu_off-cpu_amd"), "--kernel-param", "swiotlb=force", "01:00.0", "02:00.0");
        assertThat(runtimeBlock(r.out()).get(5)).isEqualTo("    GDS: hangs: O_DIRECT run through the model's data plane (p2pdma odirect): 4 KiB read never returns,"
                + " write never returns; differs from the kernel: the kernel allows THRU_HOST_BRIDGE, but the 6.12 NVMe data path never completes the I/O");
        Cli sata = Cli.run("explain", "--sysfs", Cli.conformance("sw-iommu_on-cpu_intel"), "03:00.0", "00:1f.2");
        assertThat(runtimeBlock(sata.out()).get(5)).startsWith("    GDS: -EREMOTEIO: O_DIRECT fails: ").endsWith("[client is not an NVMe controller: the outcome if it were]");
    }

    @Test
    void aBadNcclP2pLevelIsAUsageErrorNamingTheChoices() {
        Cli r = Cli.run("matrix", "--sysfs", Cli.conformance("sw-iommu_on-cpu_intel"), "--nccl-p2p-level", "sideways");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--nccl-p2p-level must be LOC, NVL, PIX, PXB, PHB, SYS, a number 0-5 or disable, got 'sideways'");
        assertThat(r.err()).doesNotContain("Exception");
    }

    @Test
    void theRuntimeKeysAreTheDocumentedOnes() {
        for (dev.p2pdma.runtime.Runtime rt : dev.p2pdma.runtime.Runtime.values()) {
            assertThat(KEYS.get(rt.ordinal())).isEqualTo(rt.jsonKey());
            assertThat(LABELS.get(rt.ordinal())).isEqualTo(rt.label());
        }
    }
}
