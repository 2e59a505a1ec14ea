package io.scorpio.experiments.workload;

import io.scorpio.model.Slo;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One request of an experiment, as the virtual-time driver submits it to the scheduler.
 *
 * @param id                    0-based position in the workload (arrival order)
 * @param arrivalMs             virtual arrival time, ms from the start of the run
 * @param promptTokens          prompt length
 * @param outputTokens          the true output length; the simulated worker is forced to generate exactly this many
 * @param maxTokens             the request's max_tokens, what the scheduler assumes when it has no prediction
 * @param slo                   its TTFT and TPOT targets
 * @param sloClass              the name of its SLO class (the paper's Table 1: "1" to "6")
 * @param promptText            the prompt text where the dataset has it, else null
 * @param predictedOutputTokens the output length a predictor gave, empty when the run uses none
 */
public record WorkloadRequest(
        int id,
        double arrivalMs,
        int promptTokens,
        int outputTokens,
        int maxTokens,
        Slo slo,
        String sloClass,
        String promptText,
        OptionalInt predictedOutputTokens) {

    public WorkloadRequest {
        Objects.requireNonNull(slo, "slo");
        Objects.requireNonNull(sloClass, "sloClass");
        Objects.requireNonNull(predictedOutputTokens, "predictedOutputTokens");
        if (!(arrivalMs >= 0) || !Double.isFinite(arrivalMs)) {
            throw new IllegalArgumentException("arrival must be finite and >= 0: " + arrivalMs);
        }
        if (promptTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("request " + id + " needs prompt and output >= 1 token");
        }
        if (maxTokens < outputTokens) {
            throw new IllegalArgumentException("max_tokens " + maxTokens + " below the forced output " + outputTokens);
        }
    }

    public Optional<String> text() {
        return Optional.ofNullable(promptText);
    }

    /** What the scheduler should assume for the output length: the prediction, else max_tokens (spec 4). */
    public int assumedOutputTokens() {
        return predictedOutputTokens.orElse(maxTokens);
    }

    public WorkloadRequest withPrediction(OptionalInt prediction) {
        return new WorkloadRequest(id, arrivalMs, promptTokens, outputTokens, maxTokens, slo, sloClass, promptText,
                prediction);
    }
}
