package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.io.ImportException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The ops file of {@code p2pdma odirect --ops} (issue 11 part 9): the input fields of a trace's
 * dma.json, other fields ignored; a missing or malformed input field is one line naming file, line
 * and key.
 */
class ODirectOpsReaderTest {

    @Test
    void everyTracesDmaJsonReadsAsAnOpsFile_issue11part9() throws IOException, ImportException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("../shared/dma-traces"))) {
            files = s.map(p -> p.resolve("dma.json")).filter(Files::isRegularFile).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            ODirectOps ops = ODirectOpsReader.read(f);
            assertThat(ops.mmapBytes()).isEqualTo(ODirectOpsReader.DEFAULT_MMAP_BYTES);
            assertThat(ops.ops()).as(f.toString()).hasSize(20);
            assertThat(ops.ops()).allSatisfy(op -> assertThat(op.iovecs()).isNotEmpty());
        }
        ODirectOps strict = ODirectOpsReader.read(Path.of("../shared/dma-traces/sw-iommu_strict-cpu_intel/dma.json"));
        assertThat(strict.p2pmemProvider()).isEqualTo(PciAddress.parse("0000:03:00.0"));
        ODirectOps.Op mixed = strict.ops().stream().filter(o -> o.name().equals("d_mixed_ram16k_p2p16k_ram8k_read")).findFirst().orElseThrow();
        assertThat(mixed.call()).isEqualTo(ODirectOps.Call.PREADV);
        assertThat(mixed.namespace()).isEqualTo(PciAddress.parse("0000:04:00.0"));
        assertThat(mixed.fileOffset()).isEqualTo(1048576);
        assertThat(mixed.iovecs()).containsExactly(new ODirectOps.IoVec(ODirectOps.BufferKind.RAM, 3145728, 16384),
                new ODirectOps.IoVec(ODirectOps.BufferKind.P2PMEM, 131072, 16384), new ODirectOps.IoVec(ODirectOps.BufferKind.RAM, 3211264, 8192));
    }

    @Test
    void theMmapSizeAndTheUnmappedKindAreRead_issue11part9() throws ImportException {
        ODirectOps ops = ODirectOpsReader.read("""
                {"p2pmem_provider": "0000:01:00.0", "p2pmem_mmap_bytes": 65536, "extra": [1, 2],
                 "ops": [{"name": "x", "op": "pwritev", "ns_bdf": "0000:02:00.0", "file_offset": 512, "result": 4096,
                          "iovecs": [{"kind": "p2pmem_unmapped", "offset_in_buffer": 0, "len": 4096}]}]}
                """, "ops.json");
        assertThat(ops.mmapBytes()).isEqualTo(65536);
        assertThat(ops.ops().get(0).call()).isEqualTo(ODirectOps.Call.PWRITEV);
        assertThat(ops.ops().get(0).iovecs().get(0).kind()).isEqualTo(ODirectOps.BufferKind.P2PMEM_UNMAPPED);
    }

    @Test
    void aBadFieldIsOneLineNamingFileLineAndKey_issue11part9() {
        assertThatThrownBy(() -> ODirectOpsReader.read("""
                {"p2pmem_provider": "0000:01:00.0",
                 "ops": [{"name": "x", "op": "preadv", "ns_bdf": "0000:02:00.0", "file_offset": 0,
                          "iovecs": [{"kind": "p2pmen", "offset_in_buffer": 0, "len": 4096}]}]}
                """, "ops.json")).isInstanceOf(ImportException.class).hasMessageContaining("ops.json").hasMessageContaining("line 3")
                .hasMessageContaining("kind").hasMessageContaining("p2pmem").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> ODirectOpsReader.read("""
                {"p2pmem_provider": "0000:01:00.0",
                 "ops": [{"op": "preadv", "ns_bdf": "0000:02:00.0", "file_offset": 0, "iovecs": []}]}
                """, "ops.json")).isInstanceOf(ImportException.class).hasMessageContaining("name").hasMessageContaining("line 2");
        assertThatThrownBy(() -> ODirectOpsReader.read("[1, 2]", "ops.json")).isInstanceOf(ImportException.class)
                .hasMessageContaining("ops.json: is not a p2pdma odirect ops file");
    }
}
