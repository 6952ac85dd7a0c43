package dev.p2pdma.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.io.ImportException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Running {@code simulate} workloads through the data plane (issue 13 part 2): every I/O moves
 * real bytes that are verified at the destination, per-stream counts add up over jobs running on
 * their own threads, an unmapped DMA through the IOMMU faults, and a NOT_SUPPORTED pair falls back
 * to a staged bounce through host memory (as {@code machine.StagedFallback}, spec 6.3 / issue 11 part 8).
 */
class SimRunnerTest {

    private static final Path BASE = Path.of("examples/simulate").toAbsolutePath();

    /** nvme0 (CMB) and nvme1, gpu0 and gpu1 below the switch, gpu2 below the other root port (NOT_SUPPORTED from the switch: Intel, q35). */
    private static final String DEVICES = """
            devices:
              - {name: nvme0, kind: nvme, address: "0000:03:00.0", port: "0000:02:00.0", cmb: 64MiB}
              - {name: nvme1, kind: nvme, address: "0000:04:00.0", port: "0000:02:01.0"}
              - {name: gpu0, kind: accelerator, address: "0000:05:00.0", port: "0000:02:02.0", bar: 256MiB}
              - {name: gpu1, kind: accelerator, address: "0000:06:00.0", port: "0000:02:03.0", bar: 256MiB}
              - {name: gpu2, kind: accelerator, address: "0000:07:00.0", port: "0000:00:02.0", bar: 256MiB}
            """;

    private static SimRunner.Result run(String iommu, String workloads) throws ImportException {
        SimScenario s = SimScenarioReader.read("machine:\n  topology: switch-machine.yaml\niommu: " + iommu + "\n" + DEVICES + "workloads:\n" + workloads,
                "s.yaml", BASE);
        AtomicLong progress = new AtomicLong();
        SimRunner.Result r = SimRunner.run(s, SimMachine.boot(s, SimMachine.load(s)), progress);
        assertThat(progress.get()).as("the progress counter ends at the total").isEqualTo(SimRunner.totalIos(s));
        return r;
    }

    @Test
    void readsAndWritesMoveEveryByteAndTheDestinationHoldsTheSourcesBytes() throws Exception {
        SimRunner.Result r = run("strict", """
                  - {name: rd, read: {from: nvme1, to: nvme0}, size: 2MiB, io_size: 128KiB, jobs: 2}
                  - {name: wr, write: {from: gpu0, to: nvme1}, size: 1MiB, io_size: 64KiB, jobs: 3}
                """);
        SimRunner.StreamResult rd = r.streams().get(0);
        assertThat(rd.ios()).isEqualTo(16);
        assertThat(rd.bytes()).isEqualTo(2L << 20);
        assertThat(rd.verified()).isEqualTo(16);
        assertThat(rd.mismatches()).isZero();
        assertThat(rd.faults()).isZero();
        assertThat(rd.errors()).isZero();
        assertThat(rd.fallbacks()).isZero();
        assertThat(rd.mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(rd.dma()).isEqualTo("bus");
        assertThat(rd.path()).first().isEqualTo("0000:03:00.0");
        SimRunner.StreamResult wr = r.streams().get(1);
        assertThat(wr.ios()).as("16 I/Os shared by 3 jobs (6, 5, 5)").isEqualTo(16);
        assertThat(wr.verified()).isEqualTo(16);
        assertThat(wr.mismatches()).isZero();
        assertThat(wr.wrapBytes()).as("16 MiB / 64 KiB slots shared by the 5 jobs on nvme1: 51 slots each").isEqualTo(51L * 65536);
        assertThat(r.dmaSetup()).isEqualTo("IOMMU on, DMA domains, strict");
    }

    @Test
    void aNotSupportedPairFallsBackToAStagedBounceThroughHostMemoryForEveryIo() throws Exception {
        SimRunner.Result r = run("strict", """
                  - {name: rd, read: {from: nvme1, to: gpu2}, size: 1MiB, io_size: 128KiB}
                  - {name: cp, copy: {from: gpu1, to: gpu2}, size: 1MiB, io_size: 256KiB, jobs: 2}
                """);
        for (SimRunner.StreamResult st : r.streams()) {
            assertThat(st.mapType()).isEqualTo(MapType.NOT_SUPPORTED);
            assertThat(st.fallbacks()).as(st.workload().name()).isEqualTo(st.ios());
            assertThat(st.verified()).isEqualTo(st.ios());
            assertThat(st.mismatches()).isZero();
            assertThat(st.errors()).isZero();
            assertThat(st.bytes()).isEqualTo(1L << 20);
            assertThat(st.dma()).isEqualTo("iova");
        }
    }

    @Test
    void anUnmappedDmaThroughTheRootComplexFaultsInTheIommuWhileBusAddressesInsideTheSwitchNeverReachIt() throws Exception {
        SimRunner.Result r = run("strict", """
                  - {name: inside, copy: {from: gpu0, to: gpu1, dma_map: false}, size: 1MiB, io_size: 256KiB}
                  - {name: across, copy: {from: gpu1, to: gpu2, dma_map: false}, size: 1MiB, io_size: 256KiB}
                """);
        SimRunner.StreamResult inside = r.streams().get(0);
        assertThat(inside.faults()).isZero();
        assertThat(inside.verified()).isEqualTo(4);
        assertThat(inside.dma()).isEqualTo("unmapped");
        SimRunner.StreamResult across = r.streams().get(1);
        assertThat(across.faults()).isEqualTo(4);
        assertThat(across.errors()).isEqualTo(4);
        assertThat(across.bytes()).isZero();
        assertThat(across.verified()).isZero();
        assertThat(across.firstError()).hasValueSatisfying(e -> assertThat(e).contains("IOMMU fault"));
    }

    @Test
    void aTwoWayCopyRunsBothDirectionsAtOnceAndCountsBoth() throws Exception {
        SimRunner.Result r = run("off", """
                  - {name: x, copy: {from: gpu0, to: gpu1, both_ways: true}, size: 4MiB, io_size: 512KiB, jobs: 3}
                """);
        SimRunner.StreamResult x = r.streams().get(0);
        assertThat(x.ios()).isEqualTo(16);
        assertThat(x.bytes()).isEqualTo(8L << 20);
        assertThat(x.verified()).isEqualTo(16);
        assertThat(x.mismatches()).isZero();
        assertThat(x.dma()).isEqualTo("bus");
        assertThat(r.dmaSetup()).isEqualTo("IOMMU off (dma-direct)");
    }

    @Test
    void manyJobsOfSeveralStreamsOnOneNamespaceRunConcurrentlyWithoutTouchingEachOthersBytes() throws Exception {
        SimRunner.Result r = run("lazy", """
                  - {name: w1, write: {from: gpu0, to: nvme1}, size: 4MiB, io_size: 4KiB, jobs: 4}
                  - {name: w2, write: {from: gpu1, to: nvme1}, size: 4MiB, io_size: 4KiB, jobs: 4}
                  - {name: r1, read: {from: nvme1, to: nvme0}, size: 4MiB, io_size: 4KiB, jobs: 4}
                  - {name: c1, copy: {from: gpu0, to: gpu1}, size: 4MiB, io_size: 4KiB, jobs: 4}
                """);
        for (SimRunner.StreamResult st : r.streams()) {
            assertThat(st.ios()).as(st.workload().name()).isEqualTo(1024);
            assertThat(st.verified()).as(st.workload().name()).isEqualTo(1024);
            assertThat(st.mismatches()).as(st.workload().name()).isZero();
            assertThat(st.errors()).as(st.workload().name()).isZero();
        }
    }

    @Test
    void aWorkloadTheMachineCannotRunIsOneLineNamingTheFileAndLine() {
        assertThatThrownBy(() -> run("off", "  - {name: v, read: {from: gpu0, to: nvme0}, size: 1MiB}\n".replace("gpu0", "\"0000:05:00.0\"")))
                .isInstanceOf(ImportException.class)
                .hasMessage("workload v: 0000:05:00.0 has no NVMe namespace (not an NVMe controller of this machine) (s.yaml line 11)");
        assertThatThrownBy(() -> run("off", "  - {name: v, write: {from: \"0000:02:00.0\", to: nvme1}, size: 1MiB}\n"))
                .isInstanceOf(ImportException.class).hasMessage("workload v: 0000:02:00.0 has no p2pmem (s.yaml line 11)");
        assertThatThrownBy(() -> run("off", "  - {name: v, read: {from: nvme1, to: nvme0}, size: 64MiB, io_size: 8MiB, jobs: 8}\n"))
                .isInstanceOf(ImportException.class).hasMessage("workload v: the 16 MiB namespace of 0000:04:00.0 has no room for one I/O of 8388608"
                        + " bytes per job (8 jobs use it): fewer jobs or smaller I/Os (s.yaml line 11)");
        assertThatThrownBy(() -> run("off", "  - {name: v, read: {from: nvme1, to: nvme0}, size: 72MiB, io_size: 8MiB, jobs: 9}\n"))
                .isInstanceOf(ImportException.class).hasMessageStartingWith("s.yaml: the workloads on 0000:03:00.0's p2pmem need 75497472 bytes");
    }
}
