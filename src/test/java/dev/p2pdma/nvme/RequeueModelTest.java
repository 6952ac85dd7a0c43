package dev.p2pdma.nvme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.p2pdma.block.BlkStatus;
import dev.p2pdma.nvme.RequeueModel.Attempt;
import dev.p2pdma.nvme.RequeueModel.Outcome;
import dev.p2pdma.nvme.RequeueModel.Timeline;
import dev.p2pdma.nvme.RequeueModel.Trigger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The blk-mq requeue policy on a model clock: spec 6.10, 6.11 and 7.9 vector 22. */
class RequeueModelTest {

    @Test
    void permanentResourceRetriesAtOnceThenEvery4TicksAndIsHung_spec6_11_vector22() {
        Timeline t = RequeueModel.run(1000, n -> BlkStatus.RESOURCE, List.of(), 100);
        assertThat(t.outcome()).isEqualTo(Outcome.HUNG);
        assertThat(t.decidedAt()).isEqualTo(100);
        assertThat(t.attempts().get(0)).isEqualTo(new Attempt(0, Trigger.FIRST_DISPATCH, BlkStatus.RESOURCE));
        assertThat(t.attempts().get(1)).isEqualTo(new Attempt(0, Trigger.KBLOCKD_AT_ONCE, BlkStatus.RESOURCE));
        assertThat(t.attempts()).hasSize(2 + 25);
        for (int k = 2; k < t.attempts().size(); k++) {
            assertThat(t.attempts().get(k).tick()).isEqualTo(4L * (k - 1));
            assertThat(t.attempts().get(k).trigger()).isEqualTo(Trigger.RESOURCE_DELAY);
        }
        assertThat(t.attemptMillis().get(3)).isEqualTo(8.0);
    }

    @Test
    void delayIsMsecsToJiffiesOf3PlusOneTick_spec6_11_step5() {
        assertThat(RequeueModel.resourceDelayTicks(1000)).isEqualTo(4);
        assertThat(RequeueModel.resourceDelayTicks(250)).isEqualTo(2);
        assertThat(RequeueModel.resourceDelayTicks(100)).isEqualTo(2);
        Timeline t = RequeueModel.run(250, n -> BlkStatus.RESOURCE, List.of(), 10);
        assertThat(t.attemptMillis()).containsExactly(0.0, 0.0, 8.0, 16.0, 24.0, 32.0, 40.0);
    }

    @Test
    void anotherCompletionRerunsAtOnceAndRestartsTheDelay_spec6_10() {
        Timeline t = RequeueModel.run(1000, n -> BlkStatus.RESOURCE, List.of(0L, 6L, 7L), 20);
        assertThat(t.attempts().stream().map(Attempt::tick).toList()).containsExactly(0L, 0L, 4L, 6L, 7L, 11L, 15L, 19L);
        assertThat(t.attempts().get(3).trigger()).isEqualTo(Trigger.OTHER_COMPLETION);
        assertThat(t.attempts().get(4).trigger()).isEqualTo(Trigger.OTHER_COMPLETION);
        assertThat(t.attempts().get(5).trigger()).isEqualTo(Trigger.RESOURCE_DELAY);
    }

    @Test
    void transientResourceIsIssuedOnTheRetryThatSucceeds_spec6_10() {
        Timeline t = RequeueModel.run(1000, n -> n < 4 ? BlkStatus.RESOURCE : BlkStatus.OK, List.of(), 1000);
        assertThat(t.outcome()).isEqualTo(Outcome.ISSUED);
        assertThat(t.decidedAt()).isEqualTo(12);
        assertThat(t.attempts()).hasSize(5);
    }

    @Test
    void targetEndsTheRequestOnTheFirstAttempt_spec6_10_vector15() {
        Timeline t = RequeueModel.run(1000, n -> BlkStatus.TARGET, List.of(), 1000);
        assertThat(t.outcome()).isEqualTo(Outcome.ENDED);
        assertThat(t.attempts()).containsExactly(new Attempt(0, Trigger.FIRST_DISPATCH, BlkStatus.TARGET));
    }
}
