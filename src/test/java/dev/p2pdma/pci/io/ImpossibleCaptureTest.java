package dev.p2pdma.pci.io;

import static dev.p2pdma.pci.io.SysfsBadTarballTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sysfs capture or lspci dump with the impossible values a topology file refuses: what only a
 * hostile capture holds is refused on one line; bus numbers firmware can leave unconfigured are
 * accepted with a problem on the bridge and its range ignored.
 */
class ImpossibleCaptureTest {

    @TempDir
    Path tmp;

    /** The small machine's NVMe endpoint. */
    private static final String NVME = "sys/devices/pci0000:00/0000:00:04.0/0000:01:00.0";
    /** The small machine's root port. */
    private static final String ROOT_PORT = "sys/devices/pci0000:00/0000:00:04.0";

    private Path tar(CaptureFixture f) throws IOException {
        return f.writeTarGz(tmp.resolve("capture.tar.gz"));
    }

    @Test
    void aPhysfnLinkToItselfIsRefused() throws Exception {
        Path t = tar(CaptureFixture.small().link(NVME + "/physfn", "../0000:01:00.0"));
        rejection(t, "0000:01:00.0", "its own physical function");
    }

    @Test
    void moreP2pmemAvailableThanItsSizeIsRefused() throws Exception {
        Path t = tar(CaptureFixture.small().file(NVME + "/p2pmem/size", "4096\n").file(NVME + "/p2pmem/available", "8192\n")
                .file(NVME + "/p2pmem/published", "1\n"));
        rejection(t, "0000:01:00.0/p2pmem/available", "8192 bytes available is more than the pool size 4096");
    }

    @Test
    void aBridgeWithImpossibleBusNumbersIsAcceptedWithItsRangeIgnored() throws Exception {
        for (String[] busNumbers : new String[][] {{"0", "0"}, {"2", "1"}}) {
            Path t = tar(CaptureFixture.small().file(ROOT_PORT + "/secondary_bus_number", busNumbers[0] + "\n")
                    .file(ROOT_PORT + "/subordinate_bus_number", busNumbers[1] + "\n"));
            PciTopology topo = SysfsImporter.read(t);
            PciFunction port = topo.function(topo.indexOf(PciAddress.parse("0000:00:04.0")));
            assertThat(port.busRange()).as(busNumbers[0] + ".." + busNumbers[1]).isEmpty();
            assertThat(port.problems()).anyMatch(p -> p.contains("bridge bus numbers unassigned or invalid"));
        }
    }

    @Test
    void anLspciBridgeWhoseSecondaryBusIsAboveItsSubordinateBusHasItsRangeIgnored() throws Exception {
        String dump = """
                00:04.0 PCI bridge: Red Hat, Inc. QEMU PCIe Root port
                00: 36 1b 0c 00 07 05 10 00 00 00 04 06 00 00 01 00
                10: 00 00 00 00 00 00 00 00 00 02 01 00 f0 00 00 00
                20: 80 fe 80 fe 01 f8 f1 fb 00 00 00 00 00 00 00 00
                30: 00 00 00 00 00 00 00 00 00 00 00 00 ff 01 12 00

                """;
        PciTopology topo = LspciImporter.importText("dump.txt", dump);
        PciFunction port = topo.function(topo.indexOf(PciAddress.parse("0000:00:04.0")));
        assertThat(port.busRange()).isEmpty();
        assertThat(port.problems()).anyMatch(p -> p.contains("secondary bus 02 is above its subordinate bus 01"));
    }
}
