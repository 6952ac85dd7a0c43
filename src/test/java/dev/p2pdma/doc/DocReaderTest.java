package dev.p2pdma.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The one document reader: every bad value is one line naming the file, the line and the key, in
 * the same words for every kind of input file; a near-miss key or value is suggested.
 */
class DocReaderTest {

    /** A reader whose numbers are integers only (as in a topology file). */
    private static final DocReader INTEGERS = new DocReader("t.yaml", "test file", DocReader.Numbers.INTEGERS);
    /** A reader whose numbers may be sizes (as in a map scenario). */
    private static final DocReader SIZES = new DocReader("t.yaml", "test file", DocReader.Numbers.INTEGERS_AND_SIZES);

    private static DocNode.Mapping yaml(DocReader r, String text) throws DocumentException {
        return r.mapping(r.parse(text, DocumentSyntax.YAML), "the test");
    }

    /** The message of the failure {@code read} must end in. */
    private static String failure(Read read) {
        DocumentException e = catchThrowableOfType(DocumentException.class, read::run);
        assertThat(e).as("a DocumentException").isNotNull();
        return e.getMessage();
    }

    /** A read that should fail. */
    private interface Read {
        void run() throws DocumentException;
    }

    @Test
    void anUnknownKeyNamesFileLineAndKeyAndSuggestsTheNearMiss() throws Exception {
        DocNode.Mapping m = yaml(INTEGERS, "a: 1\ncolour: red\n");
        assertThat(failure(() -> INTEGERS.allowOnly(m, Set.of("a", "color"), "the test")))
                .isEqualTo("unknown field 'colour' in the test, did you mean 'color'? (t.yaml line 2)");
    }

    @Test
    void anUnknownKeyWithNoNearMissListsTheKnownKeysInOrder() throws Exception {
        DocNode.Mapping m = yaml(INTEGERS, "a: 1\nzebra: 2\n");
        assertThat(failure(() -> INTEGERS.allowOnly(m, Set.of("b", "a", "color"), "the test")))
                .isEqualTo("unknown field 'zebra' in the test (known: a, b, color) (t.yaml line 2)");
    }

    @Test
    void aMisspeltChoiceNamesTheChoicesAndSuggestsTheNearMiss() throws Exception {
        DocNode.Mapping m = yaml(INTEGERS, "x: 1\ndirection: to_devce\n");
        DocNode.Field f = INTEGERS.required(m, "direction", "the test");
        assertThat(failure(() -> INTEGERS.choice(f, "the test", List.of("to_device", "from_device"))))
                .isEqualTo("field 'direction' of the test must be one of to_device, from_device; got 'to_devce',"
                        + " did you mean 'to_device'? (t.yaml line 2)");
    }

    @Test
    void aMissingFieldNamesTheMappingItBelongsIn() throws Exception {
        DocNode.Mapping m = yaml(INTEGERS, "\nouter:\n  a: 1\n");
        DocNode.Mapping outer = INTEGERS.mapping(INTEGERS.required(m, "outer", "the test"), "the test");
        assertThat(failure(() -> INTEGERS.required(outer, "b", "outer"))).isEqualTo("missing field 'b' in outer (t.yaml line 3)");
    }

    @Test
    void aNullValueCountsAsLeftOut() throws Exception {
        DocNode.Mapping m = yaml(INTEGERS, "a: null\nb:\n");
        assertThat(INTEGERS.optional(m, "a")).isEmpty();
        assertThat(INTEGERS.optional(m, "b")).isEmpty();
        assertThat(INTEGERS.list(m, "a", "the test")).isEmpty();
    }

    @Test
    void aBooleanOrAListIsNotAString() throws Exception {
        DocNode.Mapping m = yaml(INTEGERS, "a: true\nb: [1]\nc: 6.12\n");
        assertThat(failure(() -> INTEGERS.string(m.fields().get("a"), "the test")))
                .isEqualTo("field 'a' of the test must be a string, got the boolean true (put it in quotes) (t.yaml line 1)");
        assertThat(failure(() -> INTEGERS.string(m.fields().get("b"), "the test")))
                .isEqualTo("field 'b' of the test must be a string, got a list (t.yaml line 2)");
        assertThat(INTEGERS.string(m.fields().get("c"), "the test")).isEqualTo("6.12");
    }

    @Test
    void numbersOutOfRangeAreShownInTheNotationAsked() throws Exception {
        DocNode.Mapping m = yaml(INTEGERS, "a: \"0x100\"\nb: 6\n");
        assertThat(INTEGERS.number(m.fields().get("a"), "the test", 0, 0x100, DocReader.Notation.HEX)).isEqualTo(0x100);
        assertThat(failure(() -> INTEGERS.number(m.fields().get("a"), "the test", 0, 0xff, DocReader.Notation.HEX)))
                .isEqualTo("field 'a' of the test must be 0x0..0xff, got 0x100 (t.yaml line 1)");
        assertThat(failure(() -> INTEGERS.number(m.fields().get("b"), "the test", 0, 5, DocReader.Notation.DECIMAL)))
                .isEqualTo("field 'b' of the test must be 0..5, got 6 (t.yaml line 2)");
    }

    @Test
    void sizesAreNumbersOnlyInDocumentsThatAllowThem() throws Exception {
        String text = "a: 64KiB\nb: 1G\nc: \"4096\"\n";
        DocNode.Mapping m = yaml(SIZES, text);
        assertThat(SIZES.unsigned64(m.fields().get("a"), "the test")).isEqualTo(64 * 1024);
        assertThat(SIZES.unsigned64(m.fields().get("b"), "the test")).isEqualTo(1L << 30);
        assertThat(SIZES.unsigned64(m.fields().get("c"), "the test")).isEqualTo(4096);
        DocNode.Mapping strict = yaml(INTEGERS, text);
        assertThat(failure(() -> INTEGERS.unsigned64(strict.fields().get("a"), "the test")))
                .isEqualTo("field 'a' of the test must be a number 0x0..0xffffffffffffffff (decimal, or hex written 0x...),"
                        + " got the string '64KiB' (t.yaml line 1)");
        assertThat(failure(() -> INTEGERS.unsigned64(strict.fields().get("c"), "the test"))).contains("got the string '4096'");
    }

    @Test
    void unsigned64TakesAllSixtyFourBitsAndNoMore() throws Exception {
        DocNode.Mapping m = yaml(SIZES, "a: \"0xffffffffffffffff\"\nb: \"0x10000000000000000\"\nc: -1\n");
        assertThat(SIZES.unsigned64(m.fields().get("a"), "the test")).isEqualTo(-1L);
        assertThat(failure(() -> SIZES.unsigned64(m.fields().get("b"), "the test")))
                .isEqualTo("field 'b' of the test must be 0x0..0xffffffffffffffff (64 bits), got 0x10000000000000000 (t.yaml line 2)");
        assertThat(failure(() -> SIZES.unsigned64(m.fields().get("c"), "the test"))).contains("field 'c' of the test", "got -1", "line 3");
    }

    @Test
    void aValueOfTheWrongShapeNamesWhatWasExpected() throws Exception {
        DocNode.Mapping m = yaml(INTEGERS, "a: 1\nb: {}\n");
        assertThat(failure(() -> INTEGERS.mapping(m.fields().get("a"), "the test")))
                .isEqualTo("field 'a' of the test must be a mapping, got the number 1 (t.yaml line 1)");
        assertThat(failure(() -> INTEGERS.list(m, "b", "the test")))
                .isEqualTo("field 'b' of the test must be a list, got a mapping (t.yaml line 2)");
        assertThat(failure(() -> INTEGERS.bool(m.fields().get("a"), "the test")))
                .isEqualTo("field 'a' of the test must be true or false, got the number 1 (t.yaml line 1)");
    }

    @Test
    void aKeyQuotedInAMessageFollowsTheOneQuotingRule() throws Exception {
        String longKey = "k".repeat(100);
        DocNode.Mapping m = yaml(INTEGERS, "\"" + longKey + "\\e\": 1\n");
        assertThat(failure(() -> INTEGERS.allowOnly(m, Set.of("a"), "the test")))
                .startsWith("unknown field " + Texts.quote(longKey + "\u001b") + " in the test")
                .contains("'" + "k".repeat(Texts.MAX_QUOTED_CHARS) + "...'")
                .doesNotContain("\u001b");
    }
}
