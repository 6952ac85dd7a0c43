package dev.p2pdma.pci.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.Objects;

/**
 * Decodes bytes to characters and fails on the first byte sequence that is not valid in the
 * charset, saying on which line (counted in the text decoded so far) and at which byte offset.
 *
 * <p>Exists because {@link java.io.InputStreamReader} reports bad bytes without a position, and
 * the JDK's XML parser prints such errors to standard error when it decodes by itself. Not
 * thread-safe; does not close the stream it reads from unless closed itself.
 */
final class StrictTextReader extends Reader {

    /**
     * A byte sequence that is not text in the charset.
     */
    static final class BadTextException extends IOException {

        /** Serialization version of this exception. */
        private static final long serialVersionUID = 1L;

        /** Line of the bad bytes, from 1. */
        private final int line;
        /** Offset of the first bad byte from the start of the stream. */
        private final long byteOffset;

        BadTextException(String charset, int line, long byteOffset) {
            super("bytes at offset " + byteOffset + " (line " + line + ") are not valid " + charset);
            this.line = line;
            this.byteOffset = byteOffset;
        }

        int line() {
            return line;
        }

        long byteOffset() {
            return byteOffset;
        }
    }

    /** Where the bytes come from. */
    private final InputStream in;
    /** The strict decoder. */
    private final CharsetDecoder decoder;
    /** Undecoded bytes, ready for reading (flipped). */
    private final ByteBuffer bytes = ByteBuffer.allocate(8192).flip();
    /** Bytes consumed from the stream before those now in {@link #bytes}. */
    private long bytesBefore;
    /** Line of the next character returned, from 1. */
    private int line = 1;
    /** True once the stream has ended. */
    private boolean endOfInput;
    /** True once the decoder has been flushed after the end of input. */
    private boolean flushed;

    /**
     * @param in           the bytes; {@code startOffset} of them have already been consumed (a BOM)
     * @param charset      how to decode them
     * @param startOffset  bytes already consumed, for offsets in messages
     */
    StrictTextReader(InputStream in, Charset charset, long startOffset) {
        this.in = Objects.requireNonNull(in);
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        this.bytesBefore = startOffset;
    }

    @Override
    public int read(char[] cbuf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, cbuf.length);
        if (len == 0) {
            return 0;
        }
        CharBuffer out = CharBuffer.wrap(cbuf, off, len);
        while (true) {
            if (flushed) {
                return done(cbuf, off, out);
            }
            CoderResult r = decoder.decode(bytes, out, endOfInput);
            if (r.isError()) {
                countLines(cbuf, off, out.position());
                throw new BadTextException(decoder.charset().name(), line, bytesBefore + bytes.position());
            }
            if (out.position() > off) {
                return done(cbuf, off, out);
            }
            if (r.isUnderflow()) {
                if (endOfInput) {
                    CoderResult f = decoder.flush(out);
                    if (f.isError()) {
                        throw new BadTextException(decoder.charset().name(), line, bytesBefore + bytes.position());
                    }
                    flushed = true;
                    if (out.position() > off) {
                        return done(cbuf, off, out);
                    }
                    return -1;
                }
                refill();
            }
        }
    }

    private int done(char[] cbuf, int off, CharBuffer out) {
        int n = out.position() - off;
        countLines(cbuf, off, out.position());
        return n == 0 ? -1 : n;
    }

    private void countLines(char[] cbuf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (cbuf[i] == '\n') {
                line++;
            }
        }
    }

    private void refill() throws IOException {
        bytesBefore += bytes.position();
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
            endOfInput = true;
        } else {
            bytes.position(bytes.position() + n);
        }
        bytes.flip();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
