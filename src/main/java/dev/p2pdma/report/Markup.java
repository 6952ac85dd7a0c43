package dev.p2pdma.report;

/**
 * Escaping for the report's markup: text and attribute values of HTML and SVG (XML), and JSON
 * embedded in a {@code <script>} element. Stateless and thread-safe.
 */
public final class Markup {

    private Markup() {
    }

    /**
     * Escapes text for an element body or a double- or single-quoted attribute value, in HTML and
     * in XML: {@code & < > " '} become references, and characters XML does not allow (C0 controls
     * other than tab, newline and carriage return, lone surrogates, U+FFFE/U+FFFF) become U+FFFD.
     */
    public static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> allowedInXml(s, i) ? null : "\uFFFD";
            };
            if (rep != null && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (rep != null) {
                    sb.append(rep);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    private static boolean allowedInXml(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x20) {
            return c == '\t' || c == '\n' || c == '\r';
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
        }
        return c != '\uFFFE' && c != '\uFFFF';
    }

    /**
     * Makes JSON text safe inside a {@code <script>} element: {@code < > &} and the JavaScript line
     * separators U+2028/U+2029 become {@code \\uXXXX} escapes. Outside strings JSON has none of these
     * characters, so the result is the same JSON value and can never close the element or open a comment.
     */
    public static String scriptSafeJson(String json) {
        StringBuilder sb = new StringBuilder(json.length() + 64);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> sb.append("\\u003c");
                case '>' -> sb.append("\\u003e");
                case '&' -> sb.append("\\u0026");
                case '\u2028' -> sb.append("\\u2028");
                case '\u2029' -> sb.append("\\u2029");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
