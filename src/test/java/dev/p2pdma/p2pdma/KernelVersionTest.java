package dev.p2pdma.p2pdma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Spec 12 (kernels after 6.12): how a kernel version is written, ordered and mapped to its era and changes. */
class KernelVersionTest {

    @ParameterizedTest
    @CsvSource({"6.12.118-amd64, 6.12", "7.2, 7.2", "6.19.0-rc3, 6.19", "7.4+, 7.4", "5.15.0-91-generic, 5.15", " 6.1 , 6.1", "NEXT, next",
            "next, next"})
    void aReleaseStringGivesItsMajorAndMinor_spec12(String text, String expected) {
        assertThat(KernelVersion.parse(text)).hasToString(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "6", "six.twelve", "6.x", "v6.12", "6..12", "latest"})
    void anythingElseIsRefusedNamingTheValueAndTheAcceptedForms_spec12(String text) {
        assertThatThrownBy(() -> KernelVersion.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'").hasMessageContaining("MAJOR.MINOR").hasMessageContaining("next");
    }

    @ParameterizedTest
    @ValueSource(strings = {"4.19", "3.10.0-1160.el7", "2.6"})
    void versionsBeforeP2pdmaExistedAreRefused_spec12(String text) {
        assertThatThrownBy(() -> KernelVersion.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4.20");
    }

    @Test
    void versionsOrderNumericallyAndNextComesAfterEveryRelease_spec12_2() {
        assertThat(KernelVersion.parse("6.9")).isLessThan(KernelVersion.parse("6.12"));
        assertThat(KernelVersion.parse("6.19")).isLessThan(KernelVersion.parse("7.0"));
        assertThat(KernelVersion.parse("99.99")).isLessThan(KernelVersion.NEXT);
        assertThat(KernelVersion.NEXT.isNext()).isTrue();
        assertThat(KernelVersion.ofRelease("next")).isEmpty();
        assertThat(KernelVersion.ofRelease("garbage")).isEmpty();
        assertThat(KernelVersion.ofRelease("6.12.118-amd64")).contains(KernelVersion.V6_12);
    }

    @ParameterizedTest
    @CsvSource({"4.20, PRE", "5.19, PRE", "6.0, SG", "6.12, SG", "6.15, SG", "6.16, IOVA25", "6.19, IOVA25", "7.4, IOVA25", "next, NEXT"})
    void eachVersionHasTheEraOfItsScatterlistBehaviour_spec0_1_and_12(String version, Era era) {
        assertThat(KernelVersion.parse(version).era()).isEqualTo(era);
    }

    @Test
    void aVersionHasAChangeFromTheChangesFirstVersionOn_spec12_1() {
        assertThat(KernelVersion.parse("6.18").has(KernelChange.PROVIDERS_WITHOUT_POOL)).isFalse();
        assertThat(KernelVersion.parse("6.19").has(KernelChange.PROVIDERS_WITHOUT_POOL)).isTrue();
        assertThat(KernelVersion.parse("7.3").has(KernelChange.WHITELIST_WARNING_VERBOSE_ONLY)).isFalse();
        assertThat(KernelVersion.parse("7.4").has(KernelChange.WHITELIST_WARNING_VERBOSE_ONLY)).isTrue();
        assertThat(KernelVersion.V6_12.has(KernelChange.P2PMEM_FIND_POOL_BACKED_ONLY)).isFalse();
        for (KernelChange c : KernelChange.values()) {
            assertThat(KernelVersion.NEXT.has(c)).as(c.name()).isTrue();
            assertThat(c.source()).as(c.name()).isNotBlank();
        }
        assertThat(KernelChange.WHITELIST_WARNING_VERBOSE_ONLY.sinceText()).isEqualTo("~7.4");
        assertThat(KernelChange.PROVIDERS_WITHOUT_POOL.sinceText()).isEqualTo("6.19");
    }

    @Test
    void decisionOptionsCarryTheVersionAndItsEra_spec12() {
        assertThat(DecisionOptions.defaults().kernel()).isEqualTo(KernelVersion.V6_12);
        assertThat(DecisionOptions.defaults().era()).isEqualTo(Era.SG);
        assertThat(DecisionOptions.defaults().withEra(Era.NEXT).kernel()).isEqualTo(KernelVersion.NEXT);
        assertThat(DecisionOptions.defaults().withKernel(KernelVersion.parse("7.4")).era()).isEqualTo(Era.IOVA25);
        assertThatThrownBy(() -> DecisionOptions.defaults().withEra(Era.RFC)).isInstanceOf(IllegalArgumentException.class);
    }
}
