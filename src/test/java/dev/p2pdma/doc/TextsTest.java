package dev.p2pdma.doc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The one quoting rule for input text in a message: single quotes, at most 40 characters, control characters escaped. */
class TextsTest {

    @Test
    void shortTextIsQuotedWhole() {
        assertThat(Texts.quote("kernal")).isEqualTo("'kernal'");
        assertThat(Texts.quote("x".repeat(Texts.MAX_QUOTED_CHARS))).isEqualTo("'" + "x".repeat(Texts.MAX_QUOTED_CHARS) + "'");
    }

    @Test
    void textPastFortyCharactersIsCutAndMarked() {
        assertThat(Texts.MAX_QUOTED_CHARS).isEqualTo(40);
        assertThat(Texts.quote("y".repeat(41))).isEqualTo("'" + "y".repeat(40) + "...'");
        assertThat(Texts.escaped("y".repeat(41))).isEqualTo("y".repeat(40) + "...");
    }

    @Test
    void controlCharactersAreEscapedAndCountAsOneCharacterEach() {
        assertThat(Texts.quote("a\nb\tc\r\u001b]0;x\u0007\u0085")).isEqualTo("'a\\nb\\tc\\r\\x1b]0;x\\x07\\x85'");
        assertThat(Texts.quote("\u202eevil\u2028")).isEqualTo("'\\u202eevil\\u2028'");
        assertThat(Texts.quote("\n".repeat(41))).isEqualTo("'" + "\\n".repeat(40) + "...'");
    }

    @Test
    void aPathIsEscapedButNotCutAtForty() {
        String p = "/a/" + "d".repeat(100) + "\n";
        assertThat(Texts.path(p)).isEqualTo("/a/" + "d".repeat(100) + "\\n");
    }

    @Test
    void aParsersMessageHasEachQuotedFragmentCutByTheSameRule() {
        String longToken = "t".repeat(60);
        assertThat(Texts.capQuoted("unexpected '" + longToken + "' near \"" + longToken + "\""))
                .isEqualTo("unexpected " + Texts.quote(longToken) + " near \"" + Texts.escaped(longToken) + "\"");
    }

    @Test
    void whereNamesFileAndLineOrFileAlone() {
        assertThat(Texts.at("m.yaml", 23)).isEqualTo(" (m.yaml line 23)");
        assertThat(Texts.at("m.yaml", 0)).isEqualTo(" (m.yaml)");
    }
}
