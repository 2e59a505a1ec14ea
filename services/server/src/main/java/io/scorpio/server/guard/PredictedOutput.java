package io.scorpio.server.guard;

import io.scorpio.core.scheduler.RequestSpec;

/**
 * The output length O the guard gives the scheduler for a request. A request never produces more than its
 * {@code max_tokens}, so a prediction above it is clamped to it: the scheduler prices admission with I + O/2 decode
 * steps, and an over-prediction past what the request can ever generate would only block other admissions. With no
 * prediction (the {@code predictor=none} configuration, or a predictor that failed or timed out), the spec carries
 * {@link RequestSpec#NO_PREDICTION} and the scheduler uses {@code max_tokens} itself as O.
 */
public final class PredictedOutput {

    private PredictedOutput() {
    }

    /** {@code min(predicted, maxTokens)}, or {@link RequestSpec#NO_PREDICTION} when {@code predicted} is negative. */
    public static int forSpec(int predicted, int maxTokens) {
        return predicted >= 0 ? Math.min(predicted, maxTokens) : RequestSpec.NO_PREDICTION;
    }
}
