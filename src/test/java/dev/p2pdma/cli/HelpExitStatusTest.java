package dev.p2pdma.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Every command's --help states its exit statuses, so a script knows what 0, 1 and 2 mean. */
class HelpExitStatusTest {

    @ParameterizedTest
    @ValueSource(strings = {"topo", "matrix", "explain", "map", "capture", "report", "groups", "odirect", "check"})
    void everyCommandsHelpListsExitStatusesZeroOneAndTwo(String command) {
        Cli r = Cli.run(command, "--help");
        assertThat(r.status()).isZero();
        String help = r.out();
        assertThat(help).contains("Exit status:");
        String statuses = help.substring(help.indexOf("Exit status:"));
        for (String code : List.of("0", "1", "2")) {
            assertThat(statuses).as(command).containsPattern("(?m)^\\s+" + code + "\\s+\\S");
        }
        assertThat(statuses).as(command).contains("bad input", "standard output");
    }

    @Test
    void theTopLevelHelpListsThemToo() {
        Cli r = Cli.run("--help");
        assertThat(r.out()).contains("Exit status:").containsPattern("(?m)^\\s+2\\s+bad input");
    }

    @Test
    void checkListsStatusThreeForANotSupportedPair() {
        assertThat(Cli.run("check", "--help").out()).containsPattern("(?m)^\\s+3\\s+at least one pair is NOT_SUPPORTED");
    }

    @Test
    void explainSaysNotSupportedIsStillStatusZero() {
        assertThat(Cli.run("explain", "--help").out()).contains("NOT_SUPPORTED");
    }

    @Test
    void mapSaysAFailedMappingIsStillStatusZero() {
        assertThat(Cli.run("map", "--help").out()).contains("-EREMOTEIO");
    }
}
