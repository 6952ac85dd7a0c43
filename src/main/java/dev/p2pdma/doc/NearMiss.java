package dev.p2pdma.doc;

import java.util.Collection;
import java.util.Optional;

/**
 * The "did you mean" rule for a key or value that is not one of the known ones: the known name at
 * the fewest edits, when that is at most two edits and fewer than half of the shorter name.
 * Stateless; thread-safe.
 */
public final class NearMiss {

    /** Most edits (insert, delete, replace one character) between a typo and what it meant. */
    static final int MAX_EDITS = 2;

    private NearMiss() {
    }

    /** The known name {@code given} most likely misspells (the first in name order among the closest), if any. */
    public static Optional<String> of(Collection<String> known, String given) {
        String best = null;
        int bestEdits = Integer.MAX_VALUE;
        for (String k : known.stream().sorted().toList()) {
            int d = editDistance(k, given);
            if (d <= MAX_EDITS && 2 * d < Math.min(k.length(), given.length()) && d < bestEdits) {
                best = k;
                bestEdits = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Levenshtein distance: the fewest single-character inserts, deletes and replacements from {@code a} to {@code b}. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
