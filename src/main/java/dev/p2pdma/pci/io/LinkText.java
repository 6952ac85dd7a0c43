package dev.p2pdma.pci.io;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.p2pdma.doc.Texts;

/**
 * One end of a {@link dev.p2pdma.pci.LinkInfo} as a topology file writes it: {@code "16 GT/s x16"},
 * or only {@code "8 GT/s"} or only {@code "x4"} when the other half is unknown.
 *
 * <p>Stateless and thread-safe.
 */
final class LinkText {

    /** Speed in GT/s and/or width in lanes. */
    private static final Pattern TEXT = Pattern.compile(
            "(?:([0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\\s*GT/s)?\\s*(?:[xX]([0-9]{1,4}))?");

    private LinkText() {
    }

    /**
     * A link's speed and width.
     *
     * @param speedGtps speed in GT/s, 0 when unknown
     * @param width     lanes, 0 when unknown
     */
    record Part(double speedGtps, int width) {
        /** True when both halves are unknown. */
        boolean isUnknown() {
            return speedGtps == 0 && width == 0;
        }
    }

    /** {@code "16 GT/s x16"}, {@code "8 GT/s"}, {@code "x4"}; only called for a part that is not unknown. */
    static String format(Part part) {
        StringBuilder sb = new StringBuilder();
        if (part.speedGtps() != 0) {
            double v = part.speedGtps();
            sb.append(v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v)).append(" GT/s");
        }
        if (part.width() != 0) {
            sb.append(sb.isEmpty() ? "" : " ").append('x').append(part.width());
        }
        return sb.toString();
    }

    /**
     * Reads a part.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static Part parse(String text) {
        String s = text.strip();
        Matcher m = TEXT.matcher(s);
        if (s.isEmpty() || !m.matches() || (m.group(1) == null && m.group(2) == null)) {
            throw new IllegalArgumentException("a link must read like '16 GT/s x16', '8 GT/s' or 'x4', got " + Texts.quote(text));
        }
        double speed = m.group(1) == null ? 0 : Double.parseDouble(m.group(1));
        if (!Double.isFinite(speed)) {
            throw new IllegalArgumentException("link speed out of range: " + Texts.quote(text));
        }
        int width = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        return new Part(speed, width);
    }
}
