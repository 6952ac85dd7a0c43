package dev.p2pdma.machine;

import dev.p2pdma.base.Errno;
import dev.p2pdma.dma.DmaAttrs;
import dev.p2pdma.dma.DmaDevice;
import dev.p2pdma.dma.DmaDirection;
import dev.p2pdma.dma.DmaMapResult;
import dev.p2pdma.dma.DmaMapping;
import dev.p2pdma.sg.SgTable;
import java.util.Objects;

/**
 * A driver that retries every mapping failure it takes for a passing shortage (the seed's USB
 * example, spec 3.2 and 9.3): it maps its scatterlist, and while the answer means "try again" it
 * waits a tick of the model clock and maps again. Which answers mean "try again" is its
 * {@link Contract}. Under the SG-era contract a P2PDMA page the device cannot reach comes back as
 * -EREMOTEIO, which is permanent, and the driver stops; under the "0 means try again" contract
 * (the RFC's dma_map_sg() comment: 0 is a retryable resource error) the same page comes back as 0
 * from dma_map_sg() for ever. The model bounds the retries and reports that livelock as
 * {@link Outcome.Spinning}; it never spins itself.
 *
 * <p>Stateless apart from its configuration; thread-safe as far as the DMA core is.
 */
public final class RetryingDmaConsumer {

    /** Model time between two attempts: one jiffy at HZ=1000. */
    public static final long RETRY_DELAY_NS = 1_000_000L;

    /** What the driver takes for "try again". */
    public enum Contract {
        /**
         * dma_map_sgtable(): retries -ENOMEM only; -EREMOTEIO, -EINVAL and -EIO end the request (the
         * contract that landed, spec 3.2).
         */
        SGTABLE_ERRNO,
        /** dma_map_sg(): 0 means a passing shortage, retried; a negative value ends the request. */
        ZERO_MEANS_TRY_AGAIN
    }

    /** The result of one request. Closed set of values; immutable. */
    public sealed interface Outcome {
        /** Attempts made. */
        int attempts();

        /**
         * The list was mapped.
         *
         * @param attempts attempts made
         * @param nents    DMA segments
         */
        record Mapped(int attempts, int nents) implements Outcome {
        }

        /**
         * The driver gave up with an error.
         *
         * @param attempts attempts made
         * @param errno    the error it ended the request with
         */
        record Failed(int attempts, Errno errno) implements Outcome {
        }

        /**
         * The driver would retry for ever: {@code attempts} attempts over {@code modelTimeNs} with
         * the same answer and no progress.
         *
         * @param attempts    attempts made before the model stopped it
         * @param modelTimeNs model time they took
         * @param answer      the answer every attempt got, in words
         */
        record Spinning(int attempts, long modelTimeNs, String answer) implements Outcome {
        }
    }

    /** The DMA core. */
    private final DmaMapping mapping;
    /** The clock the retries wait on. */
    private final ModelClock clock;
    /** The driver's contract. */
    private final Contract contract;
    /** Attempts before the model calls it a livelock. */
    private final int maxAttempts;

    /**
     * A consumer.
     *
     * @param maxAttempts attempts with no progress after which the model reports {@link Outcome.Spinning} (at least 2)
     */
    public RetryingDmaConsumer(DmaMapping mapping, ModelClock clock, Contract contract, int maxAttempts) {
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.contract = Objects.requireNonNull(contract, "contract");
        if (maxAttempts < 2) {
            throw new IllegalArgumentException("a livelock needs at least two attempts to be seen: " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
    }

    /** Maps {@code sgt} for {@code dev} as the driver does, retrying as its contract says. */
    public Outcome map(DmaDevice dev, SgTable sgt, DmaDirection dir) {
        long start = clock.nowNs();
        String last = "";
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            switch (contract) {
                case SGTABLE_ERRNO -> {
                    DmaMapResult r = mapping.mapSgtable(dev, sgt, dir, DmaAttrs.NONE);
                    if (r.isOk()) {
                        return new Outcome.Mapped(attempt, r.nents());
                    }
                    Errno e = r.error().orElseThrow();
                    if (e != Errno.ENOMEM) {
                        return new Outcome.Failed(attempt, e);
                    }
                    last = "dma_map_sgtable() = -ENOMEM";
                }
                case ZERO_MEANS_TRY_AGAIN -> {
                    int n = mapping.mapSg(dev, sgt.first().orElseThrow(), sgt.origNents(), dir, DmaAttrs.NONE);
                    if (n > 0) {
                        sgt.setNents(n);
                        return new Outcome.Mapped(attempt, n);
                    }
                    if (n < 0) {
                        return new Outcome.Failed(attempt, DmaMapResult.errnoOf(n).orElse(Errno.EIO));
                    }
                    last = "dma_map_sg() = 0";
                }
            }
            clock.advanceNs(RETRY_DELAY_NS);
        }
        return new Outcome.Spinning(maxAttempts, clock.nowNs() - start, last);
    }
}
