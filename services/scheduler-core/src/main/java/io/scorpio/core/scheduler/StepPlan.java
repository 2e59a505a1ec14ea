package io.scorpio.core.scheduler;

import java.util.List;

/**
 * What the scheduler asks its worker to run next: one prefill step, one decode step, or nothing.
 * Every sequence in a prefill or decode batch produces exactly one token when the step completes.
 */
public sealed interface StepPlan {

    List<RequestState> batch();

    /** A prefill of {@code batch}, {@code tokens} prompt tokens in all (recomputed tokens included). */
    record Prefill(List<RequestState> batch, int tokens) implements StepPlan {
        public Prefill {
            batch = List.copyOf(batch);
        }
    }

    /** One decode step of {@code batch}, chosen from the admitted set (by credits where the policy says so). */
    record Decode(List<RequestState> batch, double meanLength) implements StepPlan {
        public Decode {
            batch = List.copyOf(batch);
        }
    }

    /** Nothing to run: no request is admitted and none could be. */
    record Idle() implements StepPlan {
        @Override
        public List<RequestState> batch() {
            return List.of();
        }
    }

    Idle IDLE = new Idle();
}
