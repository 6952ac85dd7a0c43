package dev.p2pdma.p2pdma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Spec 1.10 and 12.1: the versioned host-bridge allowlist as data (resource host-bridge-allowlist.tsv). */
class HostBridgeAllowlistTableTest {

    /** Debian 6.12.118 drivers/pci/p2pdma.c pci_p2pdma_whitelist[], in order: id, REQ_SAME_HOST_BRIDGE. */
    private static final List<String> LINUX_6_12 = List.of("8086:3c00 true", "8086:3c01 true", "8086:2f00 true", "8086:2f01 true",
            "8086:2030 false", "8086:2031 false", "8086:2032 false", "8086:2033 false", "8086:2020 false", "8086:09a2 false");

    private static final String GOOD = "8086\t09a2\t-\t~5.18\tfeaea1fe8b36\tIce Lake";

    @Test
    void the6_12TableIsExactlyDebian6_12_118s_spec1_10() {
        assertThat(HostBridgeWhitelist.of(KernelVersion.V6_12).entries()).extracting(e -> e.idText() + " " + e.requireSameBridge())
                .containsExactlyElementsOf(LINUX_6_12);
    }

    @Test
    void everyRowNamesASourceAndLaterRowsComeAfterThe6_12Ones_spec12_1() {
        List<HostBridgeWhitelist.Entry> all = HostBridgeWhitelist.allRows();
        assertThat(all).allSatisfy(e -> assertThat(e.source()).isNotBlank());
        assertThat(all.subList(0, LINUX_6_12.size())).allSatisfy(e -> assertThat(e.since()).isLessThanOrEqualTo(KernelVersion.V6_12));
        assertThat(all.subList(LINUX_6_12.size(), all.size())).allSatisfy(e -> assertThat(e.since()).isGreaterThan(KernelVersion.V6_12));
        assertThat(HostBridgeWhitelist.of(KernelVersion.NEXT).entries()).hasSameSizeAs(all);
    }

    @Test
    void theRowsAddedAfter6_12AreTheSection12Ones_spec12_1() {
        assertThat(HostBridgeWhitelist.allRows()).filteredOn(e -> e.since().compareTo(KernelVersion.V6_12) > 0)
                .extracting(e -> e.idText() + " " + e.requireSameBridge() + " " + e.sinceText())
                .containsExactly("8086:0b25 false ~7.2", "8086:0cfe false ~7.2", "8086:11fb false ~7.2", "8086:1212 false ~7.2",
                        "8086:1216 false ~7.2", "8086:4940 false ~7.2", "8086:4942 false ~7.2", "8086:4944 false ~7.2",
                        "8086:4946 false ~7.2", "8086:4948 false ~7.2", "1ae0:any false ~7.1", "10de:2f95 false ~7.3",
                        "10de:2f96 false ~7.3", "10de:2f97 false ~7.3", "10de:2f98 false ~7.3", "1d17:1003 true ~7.4",
                        "1d17:1005 true ~7.4", "1d17:1006 true ~7.4", "1d17:1007 true ~7.4", "1d17:1008 false ~7.4",
                        "8086:0c08 true ~7.4", "8086:6f00 true ~7.4");
    }

    @Test
    void aWellFormedLineParsesAndCommentsAndBlankLinesAreSkipped_spec12_1() {
        List<HostBridgeWhitelist.Entry> rows = HostBridgeWhitelist.parse("t.tsv", List.of("# header", "", GOOD,
                "1ae0\tany\tREQ_SAME_HOST_BRIDGE\t7.1\tx\tGoogle"));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).sinceApproximate()).isTrue();
        assertThat(rows.get(0).since()).isEqualTo(KernelVersion.parse("5.18"));
        assertThat(rows.get(1).device()).isEqualTo(HostBridgeWhitelist.ANY_DEVICE);
        assertThat(rows.get(1).requireSameBridge()).isTrue();
        assertThat(rows.get(1).sinceApproximate()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "8086\t09a2\t-\t~5.18\tfeaea1fe8b36|expected 6 tab-separated fields",
            "808g\t09a2\t-\t~5.18\ts\tc|vendor '808g'",
            "8086\t9a2\t-\t~5.18\ts\tc|device '9a2': expected 4 hexadecimal digits or 'any'",
            "8086\t09a2\tSAME\t~5.18\ts\tc|flags 'SAME'",
            "8086\t09a2\t-\t5.x\ts\tc|since",
            "8086\t09a2\t-\tnext\ts\tc|since 'next'",
            "8086\t09a2\t-\t6.12.1\ts\tc|since '6.12.1'",
            "8086\t09a2\t-\t4.1\ts\tc|4.20",
            "8086\t09a2\t-\t6.12\t \tc|needs a source"})
    void aMalformedLineStopsLoadingNamingFileLineAndField_spec12_1(String bad, String message) {
        assertThatThrownBy(() -> HostBridgeWhitelist.parse("host-bridge-allowlist.tsv", List.of("# c", GOOD, bad)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("host-bridge-allowlist.tsv line 3: ")
                .hasMessageContaining(message);
    }

    @Test
    void firstVersionAdmittingAnswersForTheFixCommand_spec12_1() {
        assertThat(HostBridgeWhitelist.firstVersionAdmitting(0x8086, 0x09a2, false)).contains(KernelVersion.parse("5.18"));
        assertThat(HostBridgeWhitelist.firstVersionAdmitting(0x1d17, 0x1003, true)).contains(KernelVersion.parse("7.4"));
        assertThat(HostBridgeWhitelist.firstVersionAdmitting(0x1d17, 0x1003, false)).isEmpty();
        assertThat(HostBridgeWhitelist.firstVersionAdmitting(0x1d17, 0x1008, false)).contains(KernelVersion.parse("7.4"));
        assertThat(HostBridgeWhitelist.firstVersionAdmitting(0x1ae0, 0x0042, false)).contains(KernelVersion.parse("7.1"));
        assertThat(HostBridgeWhitelist.firstVersionAdmitting(0x10de, 0x2f97, true)).contains(KernelVersion.parse("7.3"));
        assertThat(HostBridgeWhitelist.firstVersionAdmitting(0x8086, 0x29c0, true)).isEmpty();
        assertThat(HostBridgeWhitelist.firstVersionAdmitting(0x1ded, 0x8000, true)).as("Yitian 710: id unconfirmed, not encoded").isEmpty();
    }
}
