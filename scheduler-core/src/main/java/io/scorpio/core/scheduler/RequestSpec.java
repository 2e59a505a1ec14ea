package io.scorpio.core.scheduler;

import io.scorpio.model.Slo;
import java.util.Objects;

/**
 * What the scheduler is told about a request when it arrives. The scheduler never sees the true output
 * length: only the client's {@code maxTokens} limit and, where a predictor ran, its prediction.
 *
 * @param id unique among live requests
 * @param arrivalMs arrival time on the scheduler's clock
 * @param promptTokens prompt length in tokens
 * @param maxTokens the most tokens the request may generate
 * @param slo its TTFT and TPOT targets
 * @param predictedOutputTokens the predictor's estimate of the output length, or {@link #NO_PREDICTION}
 */
public record RequestSpec(String id, double arrivalMs, int promptTokens, int maxTokens, Slo slo,
                          int predictedOutputTokens) {

    public static final int NO_PREDICTION = -1;

    public RequestSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(slo, "slo");
        if (!Double.isFinite(arrivalMs)) {
            throw new IllegalArgumentException("arrivalMs must be finite, got " + arrivalMs);
        }
        if (promptTokens <= 0) {
            throw new IllegalArgumentException("promptTokens must be > 0, got " + promptTokens);
        }
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be > 0, got " + maxTokens);
        }
        if (predictedOutputTokens < 0 && predictedOutputTokens != NO_PREDICTION) {
            throw new IllegalArgumentException("predictedOutputTokens must be >= 0 or NO_PREDICTION, got "
                    + predictedOutputTokens);
        }
    }

    public RequestSpec(String id, double arrivalMs, int promptTokens, int maxTokens, Slo slo) {
        this(id, arrivalMs, promptTokens, maxTokens, slo, NO_PREDICTION);
    }

    public boolean hasPrediction() {
        return predictedOutputTokens != NO_PREDICTION;
    }

    /** The TTFT deadline: {@code arrival + TTFT_SLO} (spec 3). */
    public double deadlineMs() {
        return arrivalMs + slo.ttftMs();
    }
}
