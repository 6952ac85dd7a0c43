package dev.p2pdma.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.io.ImportException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reading {@code simulate} scenarios (issue 13 part 1; README "Simulating workloads"): every bad
 * key or impossible value is one line naming the file, the line and the key; good files give the
 * values written, with the documented defaults.
 */
class SimScenarioReaderTest {

    /** The examples' folder, against which {@code switch-machine.yaml} resolves. */
    private static final Path BASE = Path.of("examples/simulate").toAbsolutePath();

    /** Line 1-2 machine, 3 iommu, 4-7 devices, 8-9 workloads; {@code %X%} markers are replaced per case. */
    private static final String TEMPLATE = """
            machine:
              topology: switch-machine.yaml%MACHINE%
            iommu: strict
            devices:
              - {name: nvme0, kind: nvme, address: "0000:03:00.0", port: "0000:02:00.0", cmb: 64MiB}
              - {name: nvme1, kind: nvme, address: "0000:04:00.0", port: "0000:02:01.0"}
              - {name: gpu0, kind: accelerator, address: "0000:05:00.0", port: "0000:02:02.0", bar: 256MiB}%DEVICE%
            workloads:
              - {name: w, read: {from: nvme1, to: nvme0}, size: 1MiB, io_size: 128KiB}%WORKLOAD%
            """;

    private static String scenario(String machine, String device, String workload) {
        return TEMPLATE.replace("%MACHINE%", machine).replace("%DEVICE%", device).replace("%WORKLOAD%", workload);
    }

    private static SimScenario read(String text) throws ImportException {
        return SimScenarioReader.read(text, "s.yaml", BASE);
    }

    @Test
    void aGoodScenarioGivesItsValuesWithTheDocumentedDefaults() throws Exception {
        SimScenario s = read(scenario("", "", "\n  - {copy: {from: gpu0, to: nvme0, both_ways: true, dma_map: false}, size: 8GiB}"));
        assertThat(s.machine()).isEqualTo(new SimScenario.FileMachine("topology", BASE.resolve("switch-machine.yaml")));
        assertThat(s.iommu()).contains(IommuMode.STRICT);
        assertThat(s.devices()).extracting(SimScenario.Device::name).containsExactly("nvme0", "nvme1", "gpu0");
        SimScenario.Device nvme0 = s.devices().get(0);
        assertThat(nvme0.p2pmemBytes()).isEqualTo(64L << 20);
        assertThat(nvme0.linkGtps()).isEqualTo(16.0);
        assertThat(nvme0.linkWidth()).isEqualTo(4);
        assertThat(s.devices().get(1).p2pmemBytes()).isZero();
        assertThat(s.devices().get(2).linkWidth()).isEqualTo(16);
        SimScenario.Workload w = s.workloads().get(0);
        assertThat(w.kind()).isEqualTo(SimScenario.Kind.READ);
        assertThat(w.from()).isEqualTo(PciAddress.parse("0000:04:00.0"));
        assertThat(w.to()).isEqualTo(PciAddress.parse("0000:03:00.0"));
        assertThat(w.ios()).isEqualTo(8);
        assertThat(w.queueDepth()).isEqualTo(32);
        assertThat(w.jobs()).isEqualTo(1);
        assertThat(w.line()).isEqualTo(9);
        SimScenario.Workload copy = s.workloads().get(1);
        assertThat(copy.name()).isEqualTo("copy-2");
        assertThat(copy.bothWays()).isTrue();
        assertThat(copy.dmaMap()).isFalse();
        assertThat(copy.ioSizeBytes()).isEqualTo(128L << 10);
        assertThat(copy.ios()).isEqualTo(65536);
    }

    @Test
    void anInlineTopologyIsDecodedWithTheScenarioFilesLines() throws Exception {
        String inline = """
                machine:
                  inline:
                    format: p2pdma-topology/1
                    host_bridges:
                      - name: pci0000:00
                        devices:
                          - {address: "0000:00:01.0", id: "8086:2030", class: "0x060400", header_type: "0x01", port: root_port,
                             secondary_bus: "0x01", subordinate_bus: "0x01", acs: absent}
                devices:
                  - {name: a, kind: accelerator, address: "0000:01:00.0", port: "0000:00:01.0", bar: 2MiB}
                  - {name: b, kind: nvme, address: "0000:01:00.1", port: "0000:00:01.0"}
                workloads:
                  - {write: {from: a, to: b}, size: 1MiB}
                """;
        SimScenario s = read(inline);
        assertThat(s.machine()).isInstanceOf(SimScenario.InlineMachine.class);
        assertThat(((SimScenario.InlineMachine) s.machine()).topology().size()).isEqualTo(1);
        assertThatThrownBy(() -> read(inline.replace("root_port", "root_prot")))
                .isInstanceOf(ImportException.class).hasMessageContaining("s.yaml line 7");
    }

    static Stream<Arguments> badScenarios() {
        return Stream.of(
                Arguments.of(scenario("", "", "").replace("iommu: strict", "iomu: strict"), "unknown field 'iomu' in the scenario, did you mean 'iommu'?", 3),
                Arguments.of(scenario("", "", "").replace("iommu: strict", "iommu: strikt"), "field 'iommu' of the scenario must be one of off, identity, strict, lazy", 3),
                Arguments.of(scenario("\n  sysfs: x.tar.gz", "", ""), "machine names both sysfs and topology", 2),
                Arguments.of(scenario("", "", "").replace("  topology: switch-machine.yaml", "  cpu: amd:0x17"), "machine needs one of sysfs, hwloc, lspci, topology, inline", 2),
                Arguments.of(scenario("\n  kernel_params: [noequals]", "", ""), "field 'kernel_params' of machine is refused", 3),
                Arguments.of(scenario("\n  cpu: amd", "", ""), "field 'cpu' of machine is refused", 3),
                Arguments.of(scenario("", "\n  - {name: x, kind: nvme, address: \"0000:06:00.0\", port: \"0000:02:03.0\", bars: 1MiB}", ""),
                        "unknown field 'bars' in a device, did you mean 'bar'?", 8),
                Arguments.of(scenario("", "\n  - {name: \"0000:06:00.0\", kind: nvme, address: \"0000:06:00.0\", port: \"0000:02:03.0\"}", ""),
                        "field 'name' of a device must be a word", 8),
                Arguments.of(scenario("", "\n  - {name: gpu0, kind: nvme, address: \"0000:06:00.0\", port: \"0000:02:03.0\"}", ""),
                        "device name 'gpu0' is already used on line 7", 8),
                Arguments.of(scenario("", "\n  - {name: x, kind: nvme, address: \"0000:05:00.0\", port: \"0000:02:03.0\"}", ""),
                        "device x has the address 0000:05:00.0 of device gpu0 (line 7)", 8),
                Arguments.of(scenario("", "\n  - {name: x, kind: gpu, address: \"0000:06:00.0\", port: \"0000:02:03.0\"}", ""),
                        "field 'kind' of device x must be one of nvme, accelerator", 8),
                Arguments.of(scenario("", "\n  - {name: x, kind: nvme, address: \"0000:06:00.0\", port: \"0000:02:03.0\", bar: 1MiB}", ""),
                        "field 'bar' of device x is for accelerators", 8),
                Arguments.of(scenario("", "\n  - {name: x, kind: accelerator, address: \"0000:06:00.0\", port: \"0000:02:03.0\"}", ""),
                        "missing field 'bar' in device x", 8),
                Arguments.of(scenario("", "\n  - {name: x, kind: nvme, address: \"0000:06:00.0\", port: \"0000:02:03.0\", cmb: 3MiB}", ""),
                        "field 'cmb' of device x is 3145728 bytes, not a power of two", 8),
                Arguments.of(scenario("", "\n  - {name: x, kind: nvme, address: \"0000:06:00.0\", port: \"0000:02:03.0\", cmb: 1KiB}", ""),
                        "field 'cmb' of device x must be 2097152..68719476736", 8),
                Arguments.of(scenario("", "\n  - {name: x, kind: nvme, address: \"0000:06:00.0\", port: \"0000:02:03.0\", link: 16 GT/s x3}", ""),
                        "field 'link' of device x must read like '16 GT/s x4'", 8),
                Arguments.of(scenario("", "\n  - {name: x, kind: nvme, address: \"06:00\", port: \"0000:02:03.0\"}", ""),
                        "field 'address' of device x must be a PCI address", 8),
                Arguments.of(scenario("", "", "\n  - {name: v, size: 1MiB}"), "a workload needs one of read, write or copy", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, write: {from: nvme0, to: nvme1}, size: 1MiB}"),
                        "this one gives both read and write", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, size: 1MiB, io_size: 1000}"),
                        "field 'io_size' of workload v is 1000 bytes, not whole 512-byte blocks", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, size: 1MiB, io_size: 16MiB}"),
                        "field 'io_size' of workload v must be 512..8388608", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, size: 1000KiB, io_size: 128KiB}"),
                        "field 'size' of workload v is 1024000 bytes, not a whole number of I/Os of 131072 bytes", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, size: 1MiB, jobs: 0}"),
                        "field 'jobs' of workload v must be 1..64", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, size: 256KiB, jobs: 4}"),
                        "field 'jobs' of workload v is 4, more than the 2 I/Os", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, size: 1MiB, queue_depth: 0}"),
                        "field 'queue_depth' of workload v must be 1..65535", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme9, to: nvme0}, size: 1MiB}"),
                        "field 'from' of workload v names 'nvme9', which is neither a device of the scenario (gpu0, nvme0, nvme1) nor a PCI address", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: gpu0, to: nvme0}, size: 1MiB}"),
                        "field 'from' of workload v names gpu0, a accelerator, not an NVMe controller to read from", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme0, to: nvme1}, size: 1MiB}"),
                        "field 'to' of workload v names nvme1, an NVMe controller without a CMB", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, copy: {from: gpu0, to: gpu0}, size: 1MiB}"),
                        "field 'to' of workload v is the device the data comes from", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0, both_ways: true}, size: 1MiB}"),
                        "unknown field 'both_ways' in workload v (read)", 10),
                Arguments.of(scenario("", "", "\n  - {name: w, write: {from: nvme0, to: nvme1}, size: 1MiB}"),
                        "workload name 'w' is already used on line 9", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, size: 1MiB, sise: 2MiB}"),
                        "unknown field 'sise' in a workload, did you mean 'size'?", 10),
                Arguments.of(scenario("", "", "\n  - {name: v, read: {from: nvme1, to: nvme0}, size: lots}"),
                        "field 'size' of workload v must be a number", 10),
                Arguments.of(scenario("", "", "").replace("  - {name: w, read: {from: nvme1, to: nvme0}, size: 1MiB, io_size: 128KiB}", "  []")
                        .replace("workloads:\n  []", "workloads: []"), "field 'workloads' of the scenario must list at least one workload", 8));
    }

    @ParameterizedTest
    @MethodSource("badScenarios")
    void everyBadKeyOrImpossibleValueIsOneLineNamingFileLineAndKey(String text, String message, int line) {
        assertThatThrownBy(() -> read(text)).isInstanceOf(ImportException.class)
                .hasMessageContaining(message)
                .hasMessageEndingWith("(s.yaml line " + line + ")")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
