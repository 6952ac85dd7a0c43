package dev.p2pdma.base;

/**
 * The one rule for characters from input that must not reach a terminal or a one-line message as
 * they are: C0 controls, DEL, C1 controls, the bidirectional marks, embeddings, overrides and
 * isolates (they reorder text), and the line and paragraph separators. Such a character is shown
 * as {@code \n}, {@code \r}, {@code \t}, {@code \xHH} (up to 0xff) or backslash-u and four hex digits. Stateless;
 * thread-safe.
 */
public final class UnsafeCharacters {

    private UnsafeCharacters() {
    }

    /** True for a code point a terminal would act on or that reorders or breaks the line. */
    public static boolean isUnsafe(int c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f || c == 0x2028 || c == 0x2029
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }

    /** How {@code c}, an unsafe code point, is shown: {@code \n}, {@code \r}, {@code \t}, {@code \xHH} or backslash-u and four hex digits. */
    public static String escape(int c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> c <= 0xff ? String.format("\\x%02x", c) : String.format("\\u%04x", c);
        };
    }
}
