package dev.p2pdma.doc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** "Did you mean": the closest known name within two edits and fewer than half the shorter name. */
class NearMissTest {

    @Test
    void oneOrTwoEditsAreSuggested() {
        assertThat(NearMiss.of(List.of("kernel", "cmdline"), "kernal")).contains("kernel");
        assertThat(NearMiss.of(List.of("dma_mask", "dma_mask_bits"), "dma_mask_bitz")).contains("dma_mask_bits");
        assertThat(NearMiss.of(List.of("address"), "adress")).contains("address");
        assertThat(NearMiss.of(List.of("index"), "idnex")).contains("index");
    }

    @Test
    void theClosestWinsAndTiesGoToTheFirstInNameOrder() {
        assertThat(NearMiss.of(List.of("mask_bitz", "mask_bits"), "mask_bitt")).contains("mask_bits");
        assertThat(NearMiss.of(List.of("dma_mask_bits", "dma_mask"), "dma_mask_bit")).contains("dma_mask_bits");
        assertThat(NearMiss.of(List.of("cab", "cat"), "caX")).contains("cab");
    }

    @Test
    void nothingCloseGetsNoSuggestion() {
        assertThat(NearMiss.of(List.of("class", "id"), "x")).isEmpty();
        assertThat(NearMiss.of(List.of("ab"), "xy")).isEmpty();
        assertThat(NearMiss.of(List.of("id"), "ix")).isEmpty();
        assertThat(NearMiss.of(List.of("kernel"), "kxxxxl")).isEmpty();
    }

    @Test
    void editDistanceAgreesWithAnIndependentRecursiveReference() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            String a = randomWord(random);
            String b = randomWord(random);
            assertThat(NearMiss.editDistance(a, b)).as("seed %d: %s -> %s", seed, a, b).isEqualTo(reference(a, b));
        }
    }

    private static String randomWord(Random random) {
        StringBuilder sb = new StringBuilder();
        for (int n = random.nextInt(7); n > 0; n--) {
            sb.append((char) ('a' + random.nextInt(3)));
        }
        return sb.toString();
    }

    /** The definition, by plain recursion over the last characters. */
    private static int reference(String a, String b) {
        if (a.isEmpty() || b.isEmpty()) {
            return a.length() + b.length();
        }
        int cost = a.charAt(a.length() - 1) == b.charAt(b.length() - 1) ? 0 : 1;
        String a1 = a.substring(0, a.length() - 1);
        String b1 = b.substring(0, b.length() - 1);
        return Math.min(Math.min(reference(a1, b) + 1, reference(a, b1) + 1), reference(a1, b1) + cost);
    }
}
