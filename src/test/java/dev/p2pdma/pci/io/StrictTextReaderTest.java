package dev.p2pdma.pci.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Strict decoding: exact text for good bytes, line and byte offset for the first bad one. */
class StrictTextReaderTest {

    private static String readAll(Reader r) throws IOException {
        StringWriter w = new StringWriter();
        r.transferTo(w);
        return w.toString();
    }

    @Test
    void multiByteCharactersAcrossBufferBoundariesDecodeExactly() throws IOException {
        String text = "line \u00e9\u20ac\ud83d\ude00\n".repeat(2000);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes.length).isGreaterThan(3 * 8192);
        try (Reader r = new StrictTextReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8, 0)) {
            assertThat(readAll(r)).isEqualTo(text);
        }
    }

    @Test
    void aBadByteFarIntoTheStreamIsReportedWithItsLineAndOffset() {
        String good = "abcdefghi\n".repeat(1500);
        byte[] head = good.getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = new byte[head.length + 5];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = 'x';
        bytes[head.length + 1] = (byte) 0xff;
        StrictTextReader.BadTextException e = catchThrowableOfType(StrictTextReader.BadTextException.class,
                () -> readAll(new StrictTextReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8, 3)));
        assertThat(e.line()).isEqualTo(1501);
        assertThat(e.byteOffset()).isEqualTo(3 + head.length + 1);
    }

    @Test
    void aSequenceCutByTheEndOfTheStreamIsBad() {
        byte[] bytes = {'a', '\n', (byte) 0xe2, (byte) 0x82};
        StrictTextReader.BadTextException e = catchThrowableOfType(StrictTextReader.BadTextException.class,
                () -> readAll(new StrictTextReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8, 0)));
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.byteOffset()).isEqualTo(2);
    }
}
