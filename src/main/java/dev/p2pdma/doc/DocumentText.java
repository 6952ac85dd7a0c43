package dev.p2pdma.doc;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a document's bytes into text: UTF-8, an initial byte order mark dropped, NUL bytes and bad
 * encodings refused as "not a document of this kind". Stateless; thread-safe.
 */
public final class DocumentText {

    private DocumentText() {
    }

    /**
     * The content as text.
     *
     * @param file the file's name for messages
     * @param kind what the file should be, for messages ("YAML or JSON topology file")
     * @throws DocumentException one line naming the file and the offset of the first bad byte
     */
    public static String decode(byte[] content, String file, String kind) throws DocumentException {
        for (int i = 0; i < content.length; i++) {
            if (content[i] == 0) {
                throw new DocumentException(file + ": is binary (NUL byte at offset " + i + "), not a " + kind);
            }
        }
        int start = startsWithByteOrderMark(content) ? 3 : 0;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content, start, content.length - start);
        CharBuffer out = CharBuffer.allocate(content.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new DocumentException(file + ": is not UTF-8 text (invalid byte at offset " + in.position() + "), not a " + kind);
        }
        out.flip();
        return out.toString();
    }

    /** True when the bytes begin with the UTF-8 byte order mark. */
    public static boolean startsWithByteOrderMark(byte[] content) {
        return content.length >= 3 && (content[0] & 0xff) == 0xef && (content[1] & 0xff) == 0xbb && (content[2] & 0xff) == 0xbf;
    }
}
