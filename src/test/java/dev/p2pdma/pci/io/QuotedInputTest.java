package dev.p2pdma.pci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.p2pdma.doc.Texts;
import dev.p2pdma.report.PciIds;
import dev.p2pdma.sim.MapScenarioReader;

/**
 * A message that quotes input quotes at most a short prefix of it ({@value Texts#MAX_QUOTED_CHARS}
 * characters and "..."), with every control character escaped ({@code \x1b}, {@code \n}), by one
 * rule for every kind of input file.
 */
class QuotedInputTest {

    /** Far longer than any message may quote. */
    private static final String LONG = "k" + "A".repeat(199);

    /** What a hostile file puts in a key: set the terminal title, ring the bell. */
    private static final String TITLE = "\u001b]0;pwned\u0007";

    @TempDir
    Path dir;

    private static String messageOf(ThrowingRead read) {
        Throwable t = catchThrowable(read::run);
        assertThat(t).isInstanceOf(ImportException.class);
        return t.getMessage();
    }

    /** A read that should fail. */
    private interface ThrowingRead {
        void run() throws Exception;
    }

    private static void assertCutToAShortPrefix(String message) {
        assertThat(message).contains("k" + "A".repeat(Texts.MAX_QUOTED_CHARS - 1) + "...").doesNotContain("A".repeat(Texts.MAX_QUOTED_CHARS));
    }

    private static byte[] topologyWithMachineKey(String keyInYaml) {
        return ("format: p2pdma-topology/1\nmachine:\n  source: test\n  " + keyInYaml + ": 1\nhost_bridges: []\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aLongUnknownKeyInATopologyFileIsCutToAShortPrefix() {
        assertCutToAShortPrefix(messageOf(() -> TopologyFileReader.read(topologyWithMachineKey(LONG), "m.yaml")));
    }

    @Test
    void controlCharactersInAnUnknownTopologyKeyAreEscaped() {
        String m = messageOf(() -> TopologyFileReader.read(topologyWithMachineKey("\"\\e]0;pwned\\a\\nx\""), "m.yaml"));
        assertThat(m).contains("\\x1b]0;pwned\\x07\\nx").doesNotContain("\u001b", "\u0007", "\n");
    }

    @Test
    void aLongUnknownKeyInAScenarioIsCutToAShortPrefix() {
        String scenario = "topology: {sysfs: x.tar.gz}\n" + LONG + ": 1\n";
        assertCutToAShortPrefix(messageOf(() -> MapScenarioReader.read(scenario, "s.yaml", dir)));
    }

    @Test
    void aLongBadValueInAScenarioIsCutToAShortPrefix() {
        String badAddress = "topology: {sysfs: x.tar.gz}\nclient: {device: " + LONG + "}\nsg: [{ram: {phys: 0, length: 4096}}]\n";
        assertCutToAShortPrefix(messageOf(() -> MapScenarioReader.read(badAddress, "s.yaml", dir)));
        String badChoice = "topology: {sysfs: x.tar.gz}\nera: " + LONG + "\n";
        assertCutToAShortPrefix(messageOf(() -> MapScenarioReader.read(badChoice, "s.yaml", dir)));
    }

    @Test
    void aScenarioWhoseTopLevelIsNotAMappingQuotesNoneOfIt() {
        String m = messageOf(() -> MapScenarioReader.read("just some secret text\n", "s.yaml", dir));
        assertThat(m).contains("s.yaml", "not a p2pdma map scenario").doesNotContain("secret");
    }

    @Test
    void aLongTokenAJsonParserQuotesIsCutToAShortPrefix() {
        byte[] json = ("{\"format\": \"p2pdma-topology/1\",\n \"machine\": " + LONG + "}\n").getBytes(StandardCharsets.UTF_8);
        assertCutToAShortPrefix(messageOf(() -> TopologyFileReader.read(json, "m.json")));
    }

    @Test
    void aLongLineOfAnLspciDumpIsCutAndItsControlCharactersEscaped() throws Exception {
        Path dump = dir.resolve("lspci.txt");
        Files.writeString(dump, "00:00.0 Host bridge: Intel Corporation 440FX\n" + LONG + TITLE + "\n");
        String m = messageOf(() -> Importers.lspci(dump));
        assertCutToAShortPrefix(m);
        Files.writeString(dump, "00:00.0 Host bridge: Intel Corporation 440FX\n" + TITLE + "\n");
        assertThat(messageOf(() -> Importers.lspci(dump))).contains("\\x1b]0;pwned\\x07").doesNotContain("\u001b", "\u0007");
    }

    @Test
    void aMalformedPciIdsLineIsCutAndItsControlCharactersEscaped() throws Exception {
        Path ids = dir.resolve("pci.ids");
        Files.writeString(ids, "8086  Intel Corporation\n" + LONG + "\n");
        assertCutToAShortPrefix(messageOf(() -> PciIds.load(ids)));
        Files.writeString(ids, "8086  Intel Corporation\n" + TITLE + "\n");
        assertThat(messageOf(() -> PciIds.load(ids))).contains("\\x1b]0;pwned\\x07").doesNotContain("\u001b", "\u0007");
    }
}
