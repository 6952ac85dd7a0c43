package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code p2pdma odirect} (issue 11 part 9): the pair form's read and write outcomes, map type and
 * path; the ops form's calls and requests in the documented JSON shape; the hang and the corrected
 * contract; one clear line and exit status 2 for a client without a namespace, a provider without
 * p2pmem or a missing form.
 */
class ODirectCommandTest {

    /** The forced-swiotlb boot where host-bridge P2P hangs. */
    private static final String HANGS = "../shared/dma-traces/rp-swiotlb_force-cpu_amd/capture.tar.gz";
    /** A strict-IOMMU boot with a switch (BUS_ADDR). */
    private static final String STRICT = "../shared/dma-traces/sw-iommu_strict-cpu_intel";
    /** JSON. */
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode json(String... args) {
        Cli c = Cli.run(args);
        assertThat(c.status()).as(c.err()).isZero();
        return JSON.readTree(c.out());
    }

    @Test
    void thePairFormSaysOkOrTheErrnoWithTheMapTypeAndPath_issue11part9() {
        JsonNode ok = json("odirect", "--sysfs", STRICT + "/capture.tar.gz", "03:00.0", "04:00.0", "--format", "json");
        assertThat(ok.get("format").asString()).isEqualTo("p2pdma-odirect/1");
        assertThat(ok.get("read").asString()).isEqualTo("ok");
        assertThat(ok.get("write").asString()).isEqualTo("ok");
        assertThat(ok.get("map_type").asString()).isEqualTo("BUS_ADDR");
        assertThat(ok.get("path").get(0).asString()).isEqualTo("0000:03:00.0");

        JsonNode refused = json("odirect", "--sysfs", "../shared/dma-traces/rp-iommu_off-cpu_intel/capture.tar.gz", "01:00.0", "02:00.0",
                "--format", "json");
        assertThat(refused.get("read").asString()).isEqualTo("EREMOTEIO");
        assertThat(refused.get("write").asString()).isEqualTo("EREMOTEIO");
        assertThat(refused.get("map_type").asString()).isEqualTo("NOT_SUPPORTED");
    }

    @Test
    void underSwiotlbForceAHostBridgePairHangsAndTheCorrectedContractFailsCleanly_spec6_11() {
        Cli hung = Cli.run("odirect", "--sysfs", HANGS, "01:00.0", "02:00.0");
        assertThat(hung.status()).isZero();
        assertThat(hung.out()).contains("read  (4 KiB pread, LBA 0 into p2pmem):   HUNG", "read never returns:",
                "dma_map_sgtable() returned -EIO", "-> BLK_STS_RESOURCE", "the call never returns (spec 6.11)");

        JsonNode corrected = json("odirect", "--sysfs", HANGS, "--corrected-contract", "01:00.0", "02:00.0", "--format", "json");
        assertThat(corrected.get("read").asString()).isEqualTo("EREMOTEIO");
        assertThat(corrected.get("write").asString()).isEqualTo("EREMOTEIO");
    }

    @Test
    void theOpsFormReplaysEveryCallInTheDocumentedShape_issue11part9() {
        JsonNode doc = json("odirect", "--sysfs", STRICT + "/capture.tar.gz", "--ops", STRICT + "/dma.json", "--format", "json");
        assertThat(doc.get("format").asString()).isEqualTo("p2pdma-odirect-ops/1");
        assertThat(doc.get("ops")).hasSize(20);
        JsonNode mixed = null;
        for (JsonNode op : doc.get("ops")) {
            if (op.get("name").asString().equals("d_mixed_ram16k_p2p16k_ram8k_read")) {
                mixed = op;
            }
        }
        assertThat(mixed).isNotNull();
        assertThat(mixed.get("result").asLong()).isEqualTo(40960);
        JsonNode rq = mixed.get("requests").get(0);
        assertThat(rq.get("op").asString()).isEqualTo("read");
        assertThat(rq.get("status").asString()).isEqualTo("OK");
        assertThat(rq.get("dma").get("call").asString()).isEqualTo("dma_map_sg");
        assertThat(rq.get("dma").get("nents").asInt()).isEqualTo(7);
        assertThat(rq.get("dma").get("ents").asInt()).isEqualTo(3);
        assertThat(rq.get("dma").get("segments").get(1).get("kind").asString()).isEqualTo("bus");
        assertThat(rq.get("dma").get("segments").get(1).get("dma_addr").asLong()).isEqualTo(0xf4030000L);

        JsonNode hung = json("odirect", "--sysfs", HANGS, "--ops", "../shared/dma-traces/rp-swiotlb_force-cpu_amd/dma.json", "--format", "json");
        List<String> results = new java.util.ArrayList<>();
        hung.get("ops").forEach(op -> results.add(String.valueOf(op.get("result").isString() ? op.get("result").asString() : op.get("result").asLong())));
        assertThat(results).endsWith("HUNG");
        assertThat(hung.get("ops").get(results.size() - 1).get("requests").get(0).get("dma").isNull()).isTrue();
        assertThat(hung.get("skipped_after_hang")).isNotEmpty();
    }

    @Test
    void anUnmappedBufferFaultsAndAMisalignedCallIsEinvalBeforeAnyRequest_spec6_3(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path ops = dir.resolve("ops.json");
        java.nio.file.Files.writeString(ops, """
                {"p2pmem_provider": "0000:03:00.0", "ops": [
                 {"name": "gone", "op": "preadv", "ns_bdf": "0000:04:00.0", "file_offset": 0,
                  "iovecs": [{"kind": "p2pmem_unmapped", "offset_in_buffer": 0, "len": 4096}]},
                 {"name": "ram_then_gone", "op": "preadv", "ns_bdf": "0000:04:00.0", "file_offset": 0,
                  "iovecs": [{"kind": "ram", "offset_in_buffer": 0, "len": 4096}, {"kind": "p2pmem_unmapped", "offset_in_buffer": 0, "len": 4096}]},
                 {"name": "misaligned", "op": "pwritev", "ns_bdf": "0000:04:00.0", "file_offset": 100,
                  "iovecs": [{"kind": "ram", "offset_in_buffer": 0, "len": 4096}]}]}
                """);
        JsonNode doc = json("odirect", "--sysfs", STRICT + "/capture.tar.gz", "--ops", ops.toString(), "--format", "json");
        assertThat(doc.get("ops").get(0).get("result").asString()).isEqualTo("EFAULT");
        assertThat(doc.get("ops").get(0).get("requests")).isEmpty();
        assertThat(doc.get("ops").get(1).get("result").asLong()).as("the direct part; the page-cache rest faults").isEqualTo(4096);
        assertThat(doc.get("ops").get(1).get("requests")).hasSize(1);
        assertThat(doc.get("ops").get(2).get("result").asString()).isEqualTo("EINVAL");
        assertThat(doc.get("ops").get(2).get("requests")).isEmpty();
    }

    @Test
    void aClientWithoutANamespaceOrAProviderWithoutP2pmemIsOneLineExitTwo_issue11part9() {
        Cli noNamespace = Cli.run("odirect", "--sysfs", STRICT + "/capture.tar.gz", "03:00.0", "00:1f.2");
        assertThat(noNamespace.status()).isEqualTo(2);
        assertThat(noNamespace.err().strip()).isEqualTo("p2pdma: 0000:00:1f.2 has no NVMe namespace (not an NVMe controller of this machine)");
        Cli noP2pmem = Cli.run("odirect", "--sysfs", STRICT + "/capture.tar.gz", "04:00.0", "03:00.0");
        assertThat(noP2pmem.status()).isEqualTo(2);
        assertThat(noP2pmem.err().strip()).isEqualTo("p2pdma: 0000:04:00.0 has no p2pmem: nothing to mmap");
        Cli neither = Cli.run("odirect", "--sysfs", STRICT + "/capture.tar.gz");
        assertThat(neither.status()).isEqualTo(2);
        assertThat(neither.err()).contains("odirect needs PROVIDER and CLIENT, or --ops FILE");
    }
}
