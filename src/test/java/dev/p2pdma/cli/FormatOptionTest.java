package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The shared {@code --format} option: a format the command accepts, else a usage error naming those it accepts. */
class FormatOptionTest {

    private static FormatOption given(String value) {
        FormatOption o = new FormatOption();
        o.value = value;
        return o;
    }

    @Test
    void anAcceptedFormatIsReturnedAsItsEnumValue() {
        assertThat(given("json").require(OutputFormat.TEXT, OutputFormat.JSON)).isEqualTo(OutputFormat.JSON);
        assertThat(given("text").require(OutputFormat.TEXT, OutputFormat.JSON)).isEqualTo(OutputFormat.TEXT);
        assertThat(given("svg").require(OutputFormat.TEXT, OutputFormat.YAML, OutputFormat.JSON, OutputFormat.SVG)).isEqualTo(OutputFormat.SVG);
    }

    @Test
    void aFormatTheCommandDoesNotWriteIsAUsageErrorNamingTheAcceptedOnes() {
        assertThatThrownBy(() -> given("svg").require(OutputFormat.TEXT, OutputFormat.JSON)).isInstanceOf(UsageError.class)
                .hasMessage("--format must be text or json, got 'svg'");
        assertThatThrownBy(() -> given("xml").require(OutputFormat.TEXT, OutputFormat.YAML, OutputFormat.JSON, OutputFormat.SVG))
                .isInstanceOf(UsageError.class).hasMessage("--format must be text, yaml, json or svg, got 'xml'");
    }

    @Test
    void namesAreExactLowerCase() {
        assertThatThrownBy(() -> given("JSON").require(OutputFormat.TEXT, OutputFormat.JSON)).isInstanceOf(UsageError.class);
        assertThat(OutputFormat.ofLabel("yaml")).contains(OutputFormat.YAML);
        assertThat(OutputFormat.ofLabel("Yaml")).isEmpty();
    }

    @Test
    void everyCommandRefusesAFormatItDoesNotWriteWithStatus2() {
        for (String command : new String[] {"matrix", "explain", "groups", "topo"}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command, "--sysfs", Cli.conformance("sw-iommu_on-cpu_intel")));
            if (command.equals("explain")) {
                args.addAll(java.util.List.of("03:00.0", "04:00.0"));
            }
            args.addAll(java.util.List.of("--format", command.equals("topo") ? "html" : "yaml"));
            Cli r = Cli.run(args.toArray(String[]::new));
            assertThat(r.status()).as(command).isEqualTo(2);
            assertThat(r.err()).as(command).contains("--format must be ");
        }
        Cli map = Cli.run("map", "--scenario", "examples/p2p-bus-address.yaml", "--format", "svg");
        assertThat(map.status()).isEqualTo(2);
        assertThat(map.err()).contains("--format must be text or json, got 'svg'");
    }
}
