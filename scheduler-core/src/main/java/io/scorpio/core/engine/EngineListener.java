package io.scorpio.core.engine;

import io.scorpio.core.scheduler.Rejection;
import io.scorpio.core.scheduler.RequestState;
import io.scorpio.core.scheduler.StepPlan;
import io.scorpio.core.scheduler.StepResult;
import io.scorpio.core.scheduler.SubmitResult;

/** What an engine loop reports as it runs. Every method has a no-op default. */
public interface EngineListener {

    default void refused(SubmitResult.Refused refused, double nowMs) {
    }

    default void rejected(Rejection rejection, double nowMs) {
    }

    default void preempted(RequestState request, double nowMs) {
    }

    /** Rejected by one engine, it was moved to engine {@code toEngine}, where its TTFT can still be met. */
    default void migrated(Rejection rejection, int toEngine, double nowMs) {
    }

    /** Its TTFT cannot be met; it now waits at low priority instead of being rejected. */
    default void demoted(RequestState request, double nowMs) {
    }

    /** A step ran from {@code startMs} for {@code result.durationMs()}. */
    default void stepCompleted(StepPlan step, StepResult result, double startMs) {
    }

    /** A request got a token at {@code nowMs}; its first when {@code request.generatedTokens() == 1}. */
    default void token(RequestState request, double nowMs) {
    }

    default void finished(RequestState request, double nowMs) {
    }
}
