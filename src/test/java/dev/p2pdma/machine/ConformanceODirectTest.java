package dev.p2pdma.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.block.IoVec;
import dev.p2pdma.pci.PciAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every {@code o_direct} entry of every case in {@code ../shared/conformance} (issue 11 tests): the
 * real Linux 6.12 outcome of a 4 KiB O_DIRECT {@code pread} from LBA 0 of the client's namespace
 * into 64 KiB of the provider's mmapped p2pmem, and a 4 KiB {@code pwrite} from it at 1 MiB. The
 * model must give the same "ok" or errno for both. Where the case says the data was verified, the
 * model's bytes must check too: the read brought the namespace's first block into the BAR and the
 * written block reads back equal to the buffer. ({@code data_verified} false with a BUS_ADDR route
 * under the IOMMU is QEMU's VT-d model not routing peer-to-peer below the IOMMU; the model routes
 * it as PCIe does, so its data is right there too, and nothing is asserted about QEMU's.)
 */
class ConformanceODirectTest {

    /** The cases. */
    private static final Path CASES = Path.of("../shared/conformance");
    /** JSON. */
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** The p2pmem the test program mapped. */
    private static final long MMAP_BYTES = 64L << 10;

    @TestFactory
    Stream<DynamicNode> everyODirectOutcomeMatchesTheKernel_issue11() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(CASES)) {
            cases = s.filter(p -> Files.isRegularFile(p.resolve("expected.json"))).sorted().toList();
        }
        assertThat(cases).isNotEmpty();
        List<DynamicNode> tests = new ArrayList<>();
        int entries = 0;
        for (Path c : cases) {
            JsonNode expected = JSON.readTree(c.resolve("expected.json").toFile());
            for (JsonNode o : expected.get("o_direct")) {
                entries++;
                String name = c.getFileName() + " " + o.get("provider").asString() + " -> " + o.get("client").asString();
                tests.add(DynamicTest.dynamicTest(name, () -> check(c, o)));
            }
        }
        assertThat(entries).as("o_direct entries in the cases").isPositive();
        return tests.stream();
    }

    private static void check(Path c, JsonNode o) throws Exception {
        RunningMachine m = RunningMachine.boot(LoadedMachine.load(LoadedMachine.SourceKind.SYSFS, c.resolve("capture.tar.gz"), List.of(),
                Optional.empty(), UnknownAcsPolicy.NO_REDIRECT), RunningMachine.DEFAULT_RAM_BYTES);
        PciAddress provider = PciAddress.parse(o.get("provider").asString());
        PciAddress client = PciAddress.parse(o.get("client").asString());
        ODirectProcess p = ODirectProcess.start(m, provider, MMAP_BYTES, false);
        long buffer = p.addressOf(ODirectOps.BufferKind.P2PMEM, 0);

        ODirectCall read = p.call("read", false, client, 0, List.of(new IoVec(buffer, 4096)));
        ODirectCall write = p.call("write", true, client, 1L << 20, List.of(new IoVec(buffer, 4096)));

        assertThat(outcome(read)).as("read").isEqualTo(o.get("read").asString());
        assertThat(outcome(write)).as("write").isEqualTo(o.get("write").asString());
        if (o.get("data_verified").asBoolean()) {
            byte[] inBar = m.memory().read(p.addressSpace().pageAt(buffer).orElseThrow().physAddress(), 4096);
            assertThat(inBar).as("the read brought block 0 into the BAR").isEqualTo(p.host(client).namespace().read(0, 8));
            assertThat(p.host(client).namespace().read((1L << 20) / 512, 8)).as("the written block reads back").isEqualTo(inBar);
        }
    }

    private static String outcome(ODirectCall call) {
        return switch (call.result()) {
            case ODirectResult.Bytes b -> b.bytes() == 4096 ? "ok" : "short " + b.bytes();
            case ODirectResult.Failed f -> f.errno().name();
            case ODirectResult.Hung h -> "HUNG";
        };
    }
}
