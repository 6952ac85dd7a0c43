package dev.p2pdma.nvme;

import dev.p2pdma.block.BlkStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The blk-mq requeue policy for a request whose {@code queue_rq} returns RESOURCE (spec 6.10,
 * 6.11), on a model clock counted in jiffies: no real time passes.
 *
 * <p>Rules: the first dispatch (plug or scheduler path, SCHED_RESTART clear) that gets RESOURCE
 * re-runs the queue at once from kblockd. Every later run starts from a non-empty
 * {@code hctx->dispatch}, so it sets SCHED_RESTART first, and a RESOURCE then arms the delayed
 * run {@code BLK_MQ_RESOURCE_DELAY} = 3 ms, which the timer wheel fires
 * {@code msecs_to_jiffies(3) + 1} ticks later (4 ms at HZ=1000). The completion of another
 * request on the hctx while SCHED_RESTART is set clears it and re-runs the queue at once; the
 * hctx has one run work, so that immediate run replaces the pending delayed one (a model reading
 * of {@code mod_delayed_work}, which the spec does not spell out). A request that never started
 * has no timeout; the model's livelock detector calls it HUNG when it has made no progress for a
 * bounded model time. Stateless; thread-safe.
 */
public final class RequeueModel {

    /** BLK_MQ_RESOURCE_DELAY in milliseconds. */
    public static final int RESOURCE_DELAY_MS = 3;

    private RequeueModel() {
    }

    /** What started a run of the hardware queue. */
    public enum Trigger {
        /** The request's first dispatch (plug, scheduler or direct issue). */
        FIRST_DISPATCH,
        /** The immediate asynchronous re-run from kblockd after the first RESOURCE. */
        KBLOCKD_AT_ONCE,
        /** The delayed run BLK_MQ_RESOURCE_DELAY after a RESOURCE with SCHED_RESTART set. */
        RESOURCE_DELAY,
        /** blk_mq_sched_restart(): another request on the hctx completed. */
        OTHER_COMPLETION
    }

    /** How the request's story ended. */
    public enum Outcome {
        /** queue_rq returned OK: the request was issued (block_rq_issue, timeout armed). */
        ISSUED,
        /** queue_rq returned a status that ends the request (e.g. TARGET, IOERR). */
        ENDED,
        /** No progress within the livelock limit: retried for ever (spec 6.11). */
        HUNG
    }

    /**
     * One call of queue_rq for the request.
     *
     * @param tick    the model time in jiffies
     * @param trigger what ran the queue
     * @param status  what queue_rq returned
     */
    public record Attempt(long tick, Trigger trigger, BlkStatus status) {
    }

    /**
     * The request's attempts and how they ended.
     *
     * @param hz        the tick rate the times are in
     * @param attempts  every queue_rq call, in time order
     * @param outcome   issued, ended or hung
     * @param decidedAt the tick of the last attempt, or for HUNG the tick the detector fired
     */
    public record Timeline(int hz, List<Attempt> attempts, Outcome outcome, long decidedAt) {
        /** Copies the attempts. */
        public Timeline {
            attempts = List.copyOf(attempts);
        }

        /** The attempt ticks as milliseconds of model time. */
        public List<Double> attemptMillis() {
            return attempts.stream().map(a -> a.tick() * 1000.0 / hz).toList();
        }
    }

    /** Models msecs_to_jiffies(): rounded up. */
    public static long msecsToJiffies(int hz, long ms) {
        return (ms * hz + 999) / 1000;
    }

    /** The ticks between two delayed retries: msecs_to_jiffies(3) + 1, the timer wheel's level-0 round-up (spec 6.11 step 5). */
    public static long resourceDelayTicks(int hz) {
        return msecsToJiffies(hz, RESOURCE_DELAY_MS) + 1;
    }

    /**
     * Runs the policy for one request from its first dispatch at tick 0.
     *
     * @param hz                 CONFIG_HZ (100 to 1000)
     * @param statusOfAttempt    what queue_rq returns on the n-th call (0-based)
     * @param otherCompletions   ticks at which other requests on the hctx complete, ascending
     * @param noProgressLimit    ticks without the request being issued or ended after which it is HUNG (positive)
     */
    public static Timeline run(int hz, IntFunction<BlkStatus> statusOfAttempt, List<Long> otherCompletions, long noProgressLimit) {
        if (hz < 100 || hz > 1000 || noProgressLimit <= 0) {
            throw new IllegalArgumentException("need 100 <= HZ <= 1000 and a positive limit: " + hz + ", " + noProgressLimit);
        }
        for (int k = 1; k < otherCompletions.size(); k++) {
            if (otherCompletions.get(k) < otherCompletions.get(k - 1)) {
                throw new IllegalArgumentException("completion ticks must ascend: " + otherCompletions);
            }
        }
        List<Attempt> attempts = new ArrayList<>();
        long now = 0;
        Trigger trigger = Trigger.FIRST_DISPATCH;
        boolean schedRestart = false;
        int nextCompletion = 0;
        while (true) {
            if (trigger != Trigger.FIRST_DISPATCH) {
                schedRestart = true; // the run starts from a non-empty hctx->dispatch
            }
            BlkStatus st = statusOfAttempt.apply(attempts.size());
            attempts.add(new Attempt(now, trigger, st));
            if (st == BlkStatus.OK) {
                return new Timeline(hz, attempts, Outcome.ISSUED, now);
            }
            if (!st.requeues()) {
                return new Timeline(hz, attempts, Outcome.ENDED, now);
            }
            long nextRun;
            Trigger nextTrigger;
            if (schedRestart) {
                nextRun = now + resourceDelayTicks(hz);
                nextTrigger = Trigger.RESOURCE_DELAY;
            } else {
                nextRun = now;
                nextTrigger = Trigger.KBLOCKD_AT_ONCE;
            }
            while (nextCompletion < otherCompletions.size() && otherCompletions.get(nextCompletion) <= now) {
                nextCompletion++; // completions up to this run found nothing new to restart
            }
            if (schedRestart && nextCompletion < otherCompletions.size() && otherCompletions.get(nextCompletion) < nextRun) {
                nextRun = otherCompletions.get(nextCompletion++);
                nextTrigger = Trigger.OTHER_COMPLETION;
                schedRestart = false;
            }
            if (nextRun > noProgressLimit) {
                return new Timeline(hz, attempts, Outcome.HUNG, noProgressLimit);
            }
            now = nextRun;
            trigger = nextTrigger;
        }
    }
}
