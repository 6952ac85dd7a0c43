package dev.p2pdma.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spec 1.2 (the page map's percpu_ref) and 1.3 (gen_pool's free count): a per-CPU counter sums every CPU's additions. */
class PerCpuCounterTest {

    @Test
    void theSumIsEveryAdditionFromEveryThread_spec1_2() throws InterruptedException {
        PerCpuCounter c = new PerCpuCounter();
        c.add(5);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int delta = t + 1;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10_000; i++) {
                    c.add(delta);
                    c.add(-1);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        // each thread t adds (t + 1 - 1) * 10,000
        assertThat(c.sum()).isEqualTo(5 + 10_000L * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
    }

    @Test
    void aNewCounterIsZeroAndGoesNegative_spec1_2() {
        PerCpuCounter c = new PerCpuCounter();
        assertThat(c.sum()).isZero();
        c.add(-3);
        assertThat(c.sum()).isEqualTo(-3);
    }
}
