package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Control characters and text-direction overrides from input (a hostile capture's command line, CPU
 * name, driver, description, source; a typed argument) are shown escaped in text output and error
 * messages, never sent raw to the terminal; JSON keeps the exact value (its escaping is already safe).
 */
class TerminalControlCharactersTest {

    /** The command line of the hostile machine: a newline to spoof an "iommu: off" line, then a CSI (8-bit) clear-screen. */
    private static final String CMDLINE = "console=ttyS0\niommu:  off\r\u009b2J";

    /** A machine whose strings carry terminal escapes: title change, screen clear, colour, DEL, C1, RTL override. */
    private static Path hostileMachine(Path tmp) throws Exception {
        Cli yaml = Cli.run("topo", "--sysfs", Cli.conformance("rpmf-iommu_on-cpu_intel"), "--format", "yaml");
        assertThat(yaml.status()).as(yaml.err()).isZero();
        String text = yaml.out()
                .replaceFirst("(?m)^  source: .*$", "  source: \"evil\\\\x1b]0;pwned\\\\x07\\\\x1b[2J\"")
                .replaceFirst("(?m)^  cmdline: .*$", "  cmdline: \"console=ttyS0\\\\niommu:  off\\\\r\\\\x9b2J\"")
                .replaceFirst("(?m)^    model_name: .*$", "    model_name: \"Xeon\\\\x1b]0;title\\\\x07 \\\\u202egnp.exe\"")
                .replaceFirst("(?m)^  kernel: .*$", "  kernel: \"6.12\\\\x1b[2J\"")
                .replaceFirst("(?m)^            driver: nvme$",
                        "            driver: \"nvme\\\\x1b[31m\\\\x7f\"\n            description: \"Evil\\\\nIOMMU Group 9:\\\\t\"");
        assertThat(text).contains("\\x1b]0;pwned", "\\niommu:  off", "model_name: \"Xeon", "driver: \"nvme", "description: \"Evil");
        Path m = tmp.resolve("hostile.yaml");
        Files.writeString(m, text);
        return m;
    }

    /** No C0 control other than the line ends the program itself writes, no DEL, no C1 control, no bidi override. */
    private static void assertTerminalSafe(String text) {
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            boolean unsafe = (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
            assertThat(unsafe).as("character U+%04X at %d in:%n%s", (int) c, k, text).isFalse();
        }
    }

    @Test
    void theHeaderShowsEscapesFromTheCaptureEscapedAndCannotSpoofALine(@TempDir Path tmp) throws Exception {
        Path m = hostileMachine(tmp);
        for (String cmd : new String[] {"topo", "groups", "matrix"}) {
            Cli r = Cli.run(cmd, "--topology", m.toString());
            assertThat(r.status()).as(cmd + ": " + r.err()).isZero();
            String header = r.out().substring(0, r.out().indexOf("\n\n") + 1);
            assertTerminalSafe(header);
            assertThat(header).as(cmd).contains("source: " + m + " (made from evil\\x1b]0;pwned\\x07\\x1b[2J) (Linux 6.12\\x1b[2J)\n")
                    .contains("(Xeon\\x1b]0;title\\x07 \\u202egnp.exe)")
                    .contains("kernel: console=ttyS0\\niommu:  off\\r\\x9b2J\n")
                    .doesNotContain("\niommu:  off");
        }
    }

    @Test
    void theTreeGroupsAndExplainShowDriverAndDeviceNamesEscaped(@TempDir Path tmp) throws Exception {
        Path m = hostileMachine(tmp);
        Cli topo = Cli.run("topo", "--topology", m.toString());
        assertTerminalSafe(topo.out());
        assertThat(topo.out()).contains("\"Evil\\nIOMMU Group 9:\\t\"", "driver nvme\\x1b[31m\\x7f");
        Cli groups = Cli.run("groups", "--topology", m.toString(), "--why");
        assertTerminalSafe(groups.out());
        assertThat(groups.out()).contains("Evil\\nIOMMU Group 9:\\t").doesNotContain("\nIOMMU Group 9:");
        Cli explain = Cli.run("explain", "--topology", m.toString(), "01:00.1", "01:00.0");
        assertThat(explain.status()).as(explain.err()).isZero();
        assertTerminalSafe(explain.out());
        assertThat(explain.out()).contains("nvme\\x1b[31m\\x7f 0000:01:00.0: ACS redirect is set");
    }

    @Test
    void mapShowsTheKernelLogOfAHostileDriverEscaped(@TempDir Path tmp) throws Exception {
        Path m = hostileMachine(tmp);
        Path scenario = tmp.resolve("s.yaml");
        Files.writeString(scenario, """
                topology:
                  topology: hostile.yaml
                ram: 1GiB
                direction: to_device
                providers:
                  - {device: 0000:01:00.0, bar: 2}
                client:
                  device: 0000:01:00.1
                  dma_mask_bits: 64
                sg:
                  - ram: {phys: 0x100000, length: 8KiB}
                  - p2pmem: {provider: 0000:01:00.0, length: 16KiB}
                """);
        assertThat(m.getFileName().toString()).isEqualTo("hostile.yaml");
        Cli r = Cli.run("map", "--scenario", scenario.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertTerminalSafe(r.out());
        assertThat(r.out()).contains("nvme\\x1b[31m\\x7f 0000:01:00.0: added peer-to-peer DMA memory");
    }

    @Test
    void errorMessagesShowInputEscapedOnOneLine(@TempDir Path tmp) throws Exception {
        Path m = hostileMachine(tmp);
        Cli missing = Cli.run("explain", "--topology", m.toString(), "01:00.0", "07:00.0");
        assertThat(missing.status()).isEqualTo(2);
        assertTerminalSafe(missing.err());
        assertThat(missing.err()).hasLineCount(1).contains("\\x1b]0;pwned\\x07\\x1b[2J");
        Cli typed = Cli.run("explain", "--topology", m.toString(), "\u001b[2J\n01:00.0", "01:00.1");
        assertThat(typed.status()).isEqualTo(2);
        assertTerminalSafe(typed.err());
        assertThat(typed.err()).hasLineCount(1).contains("'\\x1b[2J\\n01:00.0'");
    }

    @Test
    void jsonKeepsTheExactValuesEscapedTheJsonWay(@TempDir Path tmp) throws Exception {
        Path m = hostileMachine(tmp);
        Cli r = Cli.run("explain", "--topology", m.toString(), "01:00.0", "01:00.1", "--format", "json");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out().chars().filter(c -> c < 0x20 && c != '\n').count()).as("raw C0 controls in JSON").isZero();
        assertThat(JsonMapper.builder().build().readTree(r.out()).get("cmdline").asString()).isEqualTo(CMDLINE);
    }

    @Test
    void printableEscapesControlAndDirectionCharactersAndLeavesOtherTextAlone() {
        assertThat(TerminalText.printable("a\u001b[2J\n\r\t\u007f\u0085\u202e\u2066\u2028b")).isEqualTo("a\\x1b[2J\\n\\r\\t\\x7f\\x85\\u202e\\u2066\\u2028b");
        String plain = "├─ 0000:00:04.0 [1b36:000c]  root port  \"Gerät\" 東京 ü";
        assertThat(TerminalText.printable(plain)).isSameAs(plain);
    }
}
