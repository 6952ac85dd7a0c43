package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topology file describing a machine that cannot exist is refused with one line naming the file
 * and the device (exit status 2), through the CLI; what real machines do produce is accepted.
 */
class ImpossibleTopologyTest {

    @TempDir
    Path dir;

    /** A valid machine: a root port, an NVMe PF with p2pmem and two BARs, and its VF. Tests break one thing. */
    private static final String BASE = """
            format: p2pdma-topology/1
            machine:
              source: test
            host_bridges:
              - name: pci0000:00
                devices:
                  - address: "0000:00:04.0"
                    id: "1b36:000c"
                    class: "0x060400"
                    header_type: "0x01"
                    port: root_port
                    secondary_bus: "0x01"
                    subordinate_bus: "0x01"
                    children:
                      - address: "0000:01:00.0"
                        id: "1b36:0010"
                        class: "0x010802"
                        port: endpoint
                        virtfns:
                          - "0000:01:00.1"
                        p2pmem:
                          size: 67108864
                          available: 67043328
                          published: true
                        bars:
                          - index: 0
                            type: mem64
                            address: "0xfe800000"
                            size: "0x4000"
                          - index: 2
                            type: mem64
                            address: "0xf8000000"
                            size: "0x4000000"
                      - address: "0000:01:00.1"
                        id: "1b36:0011"
                        class: "0x010802"
                        port: endpoint
                        physfn: "0000:01:00.0"
            """;

    private Cli matrix(String yaml) throws Exception {
        Path file = dir.resolve("machine.yaml");
        Files.writeString(file, yaml);
        return Cli.run("matrix", "--topology", file.toString());
    }

    private String refusal(String yaml) throws Exception {
        Cli r = matrix(yaml);
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("\tat ", "Exception");
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("p2pdma: ").contains(dir.resolve("machine.yaml").toString());
        return r.err().strip();
    }

    private static String replaceOnce(String text, String from, String to) {
        assertThat(text).contains(from);
        return text.replace(from, to);
    }

    @Test
    void theBaseMachineIsAccepted() throws Exception {
        Cli r = matrix(BASE);
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aPhysfnThatPointsAtItselfIsRefused() throws Exception {
        String m = refusal(replaceOnce(BASE, "physfn: \"0000:01:00.0\"", "physfn: \"0000:01:00.1\""));
        assertThat(m).contains("0000:01:00.1", "its own physical function");
    }

    @Test
    void aLoopOfPhysicalAndVirtualFunctionsIsRefused() throws Exception {
        String loop = replaceOnce(BASE, "        virtfns:\n              - \"0000:01:00.1\"\n",
                "        physfn: \"0000:01:00.1\"\n            virtfns:\n              - \"0000:01:00.1\"\n");
        String m = refusal(loop);
        assertThat(m).contains("0000:01:00", "virtual function");
    }

    @Test
    void aSecondaryBusAboveTheSubordinateBusIsRefused() throws Exception {
        String m = refusal(replaceOnce(BASE, "secondary_bus: \"0x01\"", "secondary_bus: \"0x02\""));
        assertThat(m).contains("0000:00:04.0", "secondary bus 02", "subordinate bus 01", "line 12");
    }

    @Test
    void aBridgeWhoseSecondaryBusIsItsOwnBusIsRefused() throws Exception {
        String m = refusal(replaceOnce(BASE, "secondary_bus: \"0x01\"", "secondary_bus: \"0x00\""));
        assertThat(m).contains("0000:00:04.0", "secondary bus 00", "its own bus");
    }

    @Test
    void moreP2pmemAvailableThanItsSizeIsRefused() throws Exception {
        String m = refusal(replaceOnce(BASE, "available: 67043328", "available: 67108865"));
        assertThat(m).contains("0000:01:00.0", "available", "67108865", "size 67108864");
    }

    @Test
    void aBarThatWrapsPastTheTopOfTheAddressSpaceIsRefused() throws Exception {
        String m = refusal(replaceOnce(BASE, "address: \"0xf8000000\"", "address: \"0xfffffffffe000000\""));
        assertThat(m).contains("BAR 2", "0000:01:00.0", "2^64");
    }

    @Test
    void overlappingBarsOfOneDeviceAreRefused() throws Exception {
        String m = refusal(replaceOnce(BASE, "address: \"0xf8000000\"", "address: \"0xfe802000\""));
        assertThat(m).contains("BAR 2", "BAR 0", "0000:01:00.0", "overlap");
    }

    @Test
    void overlappingBarsOfTwoDevicesAreAcceptedWithANote() throws Exception {
        String other = replaceOnce(BASE, "        physfn: \"0000:01:00.0\"\n",
                "        physfn: \"0000:01:00.0\"\n            bars:\n              - {index: 0, type: mem64, address: \"0xfe800000\", size: \"0x1000\"}\n");
        Cli r = matrix(other);
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("note:", "BAR 0 of 0000:01:00.1", "overlaps", "BAR 0 of 0000:01:00.0");
    }
}
