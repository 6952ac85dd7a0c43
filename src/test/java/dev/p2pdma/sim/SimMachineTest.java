package dev.p2pdma.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.p2pdma.machine.IommuMode;
import dev.p2pdma.machine.LoadedMachine;
import dev.p2pdma.machine.RunningMachine;
import dev.p2pdma.p2pdma.MapType;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.io.ImportException;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Building a {@code simulate} scenario's machine (issue 13 part 1): added devices sit below their
 * ports with their p2pmem registered at boot, the IOMMU mode becomes the DMA setup, and a port or
 * address the machine cannot take is one line naming the file, line and device.
 */
class SimMachineTest {

    private static final Path BASE = Path.of("examples/simulate").toAbsolutePath();

    private static SimScenario scenario(String iommu, String devices) throws ImportException {
        return SimScenarioReader.read("""
                machine:
                  topology: switch-machine.yaml
                %s
                devices:
                %s
                workloads:
                  - {copy: {from: "0000:05:00.0", to: "0000:06:00.0"}, size: 1MiB}
                """.formatted(iommu, devices), "s.yaml", BASE);
    }

    private static final String FOUR = """
              - {name: nvme0, kind: nvme, address: "0000:03:00.0", port: "0000:02:00.0", cmb: 64MiB, link: 8 GT/s x2}
              - {name: nvme1, kind: nvme, address: "0000:04:00.0", port: "0000:02:01.0"}
              - {name: gpu0, kind: accelerator, address: "0000:05:00.0", port: "0000:02:02.0", bar: 256MiB}
              - {name: gpu2, kind: accelerator, address: "0000:07:00.0", port: "0000:00:02.0", bar: 2MiB}
            """;

    @Test
    void addedDevicesSitBelowTheirPortsWithTheirP2pmemRegisteredAtBoot() throws Exception {
        SimScenario s = scenario("", FOUR);
        LoadedMachine loaded = SimMachine.load(s);
        PciFunction nvme0 = loaded.topology().function(PciAddress.parse("0000:03:00.0")).orElseThrow();
        assertThat(nvme0.classCode()).isEqualTo(0x010802);
        assertThat(nvme0.link().currentSpeedGtps()).isEqualTo(8.0);
        assertThat(nvme0.link().currentWidth()).isEqualTo(2);
        assertThat(loaded.topology().function(loaded.topology().parent(loaded.topology().indexOf(nvme0.address()))).address())
                .isEqualTo(PciAddress.parse("0000:02:00.0"));
        assertThat(loaded.decision().verdict(PciAddress.parse("0000:03:00.0"), PciAddress.parse("0000:05:00.0")).mapType()).isEqualTo(MapType.BUS_ADDR);
        assertThat(loaded.decision().verdict(PciAddress.parse("0000:07:00.0"), PciAddress.parse("0000:05:00.0")).mapType())
                .isEqualTo(MapType.NOT_SUPPORTED);
        RunningMachine m = SimMachine.boot(s, loaded);
        assertThat(m.providers().provider(PciAddress.parse("0000:03:00.0"))).isPresent();
        assertThat(m.providers().provider(PciAddress.parse("0000:05:00.0"))).isPresent();
        assertThat(m.providers().provider(PciAddress.parse("0000:07:00.0"))).isPresent();
        assertThat(m.providers().provider(PciAddress.parse("0000:04:00.0"))).as("an NVMe drive without a CMB").isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"iommu: off,OFF", "iommu: identity,IDENTITY", "iommu: strict,STRICT", "iommu: lazy,LAZY", "'',STRICT"})
    void theIommuModeOfTheScenarioIsTheDmaSetupTheMachineBootsWith(String line, IommuMode mode) throws Exception {
        SimScenario s = scenario(line, FOUR);
        assertThat(SimMachine.boot(s, SimMachine.load(s)).dmaSetup().iommu()).isEqualTo(mode);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0000:03:00.0|0000:02:09.0|port 0000:02:09.0 is not a function of the machine",
            "0000:02:00.5|0000:01:00.0|port 0000:01:00.0 is a switch upstream port, not a root port or switch downstream port",
            "0000:04:00.0|0000:02:00.0|address 0000:04:00.0 is not on port 0000:02:00.0's secondary bus 0000:03",
            "0000:01:00.0|0000:00:01.0|address 0000:01:00.0 is already taken by a function of the machine"})
    void aPortOrAddressTheMachineCannotTakeIsOneLineNamingFileLineAndDevice(String address, String port, String message) throws Exception {
        SimScenario s = scenario("", "  - {name: x, kind: nvme, address: \"" + address + "\", port: \"" + port + "\"}");
        assertThatThrownBy(() -> SimMachine.load(s)).isInstanceOf(ImportException.class)
                .hasMessage("device x: " + message + " (s.yaml line 5)");
    }
}
